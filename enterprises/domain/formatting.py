"""Figures and people the way staff read them.

Plain Python (no ORM, no settings, no Django import), so the policy engine, the
monitoring rules, e-mails, exports and templates all format the same way:

- money is Decimal yuan shown in 万元 with 2 decimals and thousands separators
  (``wan_yuan(Decimal("56387805.54"))`` → ``"5,638.78万元"``);
- a ratio is a signed percentage with one decimal (``percent(Decimal("0.1712"))`` → ``"+17.1%"``);
- electricity is whole kWh with thousands separators (``kwh(Decimal("166078.8"))`` → ``"166,079"``);
- a person is their name, not their login (``person(user)`` → ``"张伟"``).

Unknown values (None, "") come out as "—", never as 0.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

UNKNOWN = "—"
WAN = Decimal(10000)


def to_decimal(value) -> Decimal | None:
    """`value` as a Decimal, or None when it is unknown or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        value = repr(value)  # the shortest text that round-trips, not the binary expansion
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def number(value, places: int = 0) -> str:
    """A number rounded half-up to `places` decimals, with thousands separators."""
    amount = to_decimal(value)
    if amount is None:
        return UNKNOWN
    quant = Decimal(1).scaleb(-int(places))
    rounded = amount.quantize(quant, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return f"{rounded:,}"


def wan(value, places: int = 2) -> str:
    """Yuan shown as a number of 万元 (no unit): for columns whose header says 万元."""
    amount = to_decimal(value)
    return UNKNOWN if amount is None else number(amount / WAN, places)


def wan_yuan(value, places: int = 2) -> str:
    """Yuan shown as 万元 with its unit: ``"5,638.78万元"``."""
    shown = wan(value, places)
    return shown if shown == UNKNOWN else f"{shown}万元"


def wan_yuan_apart(value, other, places: int = 2, max_places: int = 6) -> str:
    """`value` as 万元 with 2 decimals, or as many more (up to 6, i.e. to the yuan cent) as it
    takes not to read the same as `other`: 49,999,999.99 yuan against a 5,000万元 line shows
    "4,999.999999万元", never "5,000.00万元，未达5,000.00万元"."""
    amount, limit = to_decimal(value), to_decimal(other)
    if amount is None or limit is None or amount == limit:
        return wan_yuan(value, places)
    for digits in range(places, max_places + 1):
        if wan(amount, digits) != wan(limit, digits):
            return wan_yuan(amount, digits)
    return wan_yuan(amount, max_places)


def percent(ratio, places: int = 1, signed: bool = True) -> str:
    """A ratio (0.1712) as a percentage (``"+17.1%"``); signed by default, as a change is."""
    value = to_decimal(ratio)
    if value is None:
        return UNKNOWN
    shown = number(value * 100, places)
    if signed and not shown.startswith("-") and to_decimal(shown.replace(",", "")) != 0:
        shown = f"+{shown}"
    return f"{shown}%"


def share(ratio) -> str:
    """A part of a whole (0.5) as a percentage without sign or needless zeros ("50%", "33.33%")."""
    value = to_decimal(ratio)
    if value is None:
        return UNKNOWN
    shown = number(value * 100, 2)
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return f"{shown}%"


def kwh(value) -> str:
    """Electricity in whole kWh with thousands separators (no unit)."""
    return number(value, 0)


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def person(user) -> str:
    """The name staff know a user by: their full name, else their user name.

    Chinese names are family name then given name with no space (王 + 小明 → 王小明);
    other names follow the user model's own ``get_full_name``. Works on anything with
    ``first_name`` / ``last_name`` / ``username`` attributes; None is unknown ("—").
    """
    if user is None:
        return UNKNOWN
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if first or last:
        if _has_cjk(first + last):
            return f"{last}{first}"
        full_name = getattr(user, "get_full_name", None)
        name = full_name().strip() if callable(full_name) else f"{first} {last}".strip()
        if name:
            return name
    username = getattr(user, "username", None)
    if username:
        return str(username)
    return str(user) if str(user) else UNKNOWN


def plain(value) -> str:
    """A number as written by hand: no exponent, no trailing zeros (Decimal("3.00") → "3")."""
    amount = to_decimal(value)
    if amount is None:
        return UNKNOWN
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "") else text


def counts_text(counts, labels, pattern: str = "%(label)s %(n)s 条", separator: str = "、") -> str:
    """A run's counts ({"exit_risk": 2, "unchanged": 8}) as a sentence staff read:
    "退规风险 2 条、未变化 8 条". `labels` maps each key to its label, in the order to
    show them; keys it does not know follow, as they are. `pattern` is the (translated)
    text of one count, with %(label)s and %(n)s."""
    counts = counts or {}
    keys = [k for k in labels if k in counts] + sorted(k for k in counts if k not in labels)
    return separator.join(pattern % {"label": labels.get(key, key), "n": counts[key]} for key in keys)
