"""Values read from the address bar or a hand-made POST.

A value that is not a plain number in range is None, so the view answers 400
instead of passing it on to int() or to the database (a 500)."""
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def bounded_int(value, *, low: int, high: int, default: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    text = str(value).strip()
    # isdecimal() lets through other scripts' digits, which int() reads; "²" or "1e3" are refused here.
    if not text.isdecimal() or len(text) > 20:
        return None
    number = int(text)
    return number if low <= number <= high else None


def year_param(value, default: int | None) -> int | None:
    """A year from the address bar, or None when it is not a plausible year."""
    return bounded_int(value, low=2000, high=2100, default=default)


def month_param(value) -> int | None:
    return bounded_int(value, low=1, high=12)


ID_MAX = 2**63 - 1


def id_list(values) -> list[int]:
    """Row ids ticked in a list; anything that is not one is dropped."""
    ids = (bounded_int(v, low=1, high=ID_MAX) for v in values)
    return [i for i in ids if i is not None]


def redirect_back(request, default: str):
    """Back to the page a form came from (its `next`): a path on this site only, never a
    view name to reverse (a 500 on `next=foo`) nor another host (an open redirect)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)
