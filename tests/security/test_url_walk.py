"""The probe as a test: every URL pattern, for every role, with foreign ids and
hostile parameters.

- A foreign object answers exactly like a missing one (same status code).
- No parameter, however hostile, gives a 5xx: non-numbers, NUL, CR/LF, huge and
  unicode digits, long strings, for GET and POST. Which parameters a view reads
  is learnt by recording the keys it looks up in request.GET / request.POST,
  so a new view or form field is probed without editing this file.
"""
import re

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import VISIBLE
from monitoring.models import Target

from .conftest import NONEXISTENT_ID

HOSTILE = ["abc", "\x00", "a\r\nb", "1e400", "1e999999", "9" * 40, "-1", "²", "１２", "١٢",
           "x" * 3000, "'\"<script>", "2026-13-45", "NaN", "../../etc/passwd", "=1+1"]
HUGE_ID = 2**70
# Sent to one parameter at a time (the full list goes to all parameters at once).
ONE_BY_ONE = ["\x00", "a\r\nb", "1e400", "9" * 40, "²", "x" * 3000]

# Routes whose int argument names a row owned by one enterprise: how to find that row.
OWNED_ROWS = {
    "enterprises:detail": "enterprise", "enterprises:edit": "enterprise",
    "enterprises:figure_submit": "enterprise", "enterprises:pool_move": "enterprise",
    "enterprises:scale_event_create": "enterprise", "incentives:enterprise": "enterprise",
    "monitoring:warning": "warning", "monitoring:transition": "warning", "monitoring:assistance": "warning",
    "monitoring:escalate": "warning", "report:enterprise_book": "enterprise",
    # The enterprise portal looks a warning up among its own enterprise's only; staff invite by enterprise.
    "portal:warning": "warning", "enterprises:invite": "enterprise",
    "enterprises:correction_approve": "correction", "enterprises:correction_reject": "correction",
    # a target belongs to a jurisdiction: the world gives each enterprise's jurisdiction one
    "monitoring:target": "target",
    # An enterprise's records: added by the enterprise's id, corrected and deleted by the record's.
    **{f"enterprises:{kind}_create": "enterprise" for kind in ("recognition", "listing", "refinancing",
                                                                 "attestation", "contact")},
    **{f"enterprises:{kind}_{action}": kind for kind in ("recognition", "listing", "refinancing", "attestation",
                                                         "contact") for action in ("edit", "delete")},
}
# The row of each record kind, by the enterprise's related name (one per enterprise in the `world`).
RECORD_ROWS = {"recognition": "recognitions", "listing": "listing_milestones", "refinancing": "refinancings",
               "attestation": "attestations", "contact": "contacts"}
# Routes whose int argument is not an enterprise's row, and how they are scoped instead.
OTHER_ID_ROUTES = {
    "tokens:create": "an API-client account of the staff's subtree (enterprises/tests/test_tokens.py)",
    "tokens:revoke": "an API-client account of the staff's subtree (enterprises/tests/test_tokens.py)",
    # year and month, not ids: the jurisdiction key scopes them (reports/tests/test_dispatch.py)
    "report:dispatch": "year/month of a jurisdiction's report (reports/tests/test_dispatch.py)",
    "report:dispatch_pdf": "year/month of a jurisdiction's report (reports/tests/test_dispatch.py)",
    "report:dispatch_xlsx": "year/month of a jurisdiction's report (reports/tests/test_dispatch.py)",
    "report:dispatch_issue": "year/month of a jurisdiction's report (reports/tests/test_dispatch.py)",
    "report:notice": "year of a jurisdiction's annual notice (reports/tests/test_notice.py)",
    "report:notice_pdf": "year of a jurisdiction's annual notice (reports/tests/test_notice.py)",
}
SKIPPED = {"admin", "djdt"}  # the admin is superuser-only and tested in enterprises/tests/test_admin.py


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIPPED:
                continue
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


ROUTES = sorted(set(_patterns()))
ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _fill(route: str, value) -> str:
    """A concrete path for a route: path converters and the router's regex groups filled in."""
    route = REGEX_GROUP.sub(lambda m: "json" if m.group(1) == "format" else str(value), route)
    route = ARG.sub(lambda m: ".json" if m.group(2) == "format" else str(value), route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "").replace("\\", "")


def _int_args(route):
    return [m for m in ARG.finditer(route) if m.group(1) in ("int", None) and m.group(2) != "format"] + \
        [m for m in REGEX_GROUP.finditer(route) if m.group(1) == "pk"]


def _has_args(route):
    return any(m.group(2) != "format" for m in ARG.finditer(route)) or \
        any(m.group(1) != "format" for m in REGEX_GROUP.finditer(route))


class Recording(QueryDict):
    """A QueryDict that remembers which keys a view looked up."""

    seen: set

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self.seen.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)

    def copy(self):
        plain = QueryDict(mutable=True)
        for key, values in self.lists():
            plain.setlist(key, values)
        return plain

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()


@pytest.fixture
def key_recorder(settings):
    seen: set = set()

    class RecordParams:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            for attr in ("GET", "POST"):
                original = getattr(request, attr)
                recording = Recording(mutable=True)
                recording.seen = seen
                for key, values in original.lists():
                    recording.setlist(key, values)
                recording._mutable = False
                setattr(request, attr, recording)
            return self.get_response(request)

    import sys
    sys.modules[__name__].RecordParams = RecordParams
    settings.MIDDLEWARE = list(settings.MIDDLEWARE) + [f"{__name__}.RecordParams"]
    return seen


def _client(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _probe(client, path, seen):
    """GET and POST `path` bare, then with every parameter the view read set to each
    hostile value (all at once, and one at a time); returns the failures."""
    failures = []

    def send(method, params):
        response = getattr(client, method)(path, params)
        if response.status_code >= 500:
            failures.append((method.upper(), path, {k: v[:20] for k, v in params.items()}, response.status_code))

    for method in ("get", "post"):
        seen.clear()
        send(method, {})
        keys = sorted(seen - {"csrfmiddlewaretoken"})
        for value in HOSTILE:
            if keys:
                send(method, {k: value for k in keys})
            if value in ONE_BY_ONE:
                for key in keys:
                    send(method, {key: value})
    return failures


ROLES = ["yuxian_clerk", "enterprise_user", "yangquan_leader", "yuxian_department_user", "yuxian_finance", None]


@pytest.mark.parametrize("persona", ROLES, ids=[str(r) for r in ROLES])
def test_no_url_answers_a_5xx_to_hostile_parameters(world, all_personas, admin_user, key_recorder, persona):
    user = all_personas[persona] if persona else None
    client = _client(user)
    own = world["yu_gxj"]
    failures = []
    for name, route in ROUTES:
        if _int_args(route):
            ids = [own.pk, NONEXISTENT_ID, HUGE_ID]
        elif _has_args(route):
            ids = ["abc", "x" * 300]
        else:
            ids = [None]
        for value in ids:
            failures += _probe(client, _fill(route, value), key_recorder)
    assert failures == [], "\n".join(map(str, failures))


def test_a_superuser_gets_no_5xx_either(world, admin_user, key_recorder):
    client = _client(admin_user)
    failures = []
    for name, route in ROUTES:
        value = world["xiaoyi"].pk if _int_args(route) else (
            "abc" if _has_args(route) else None)
        failures += _probe(client, _fill(route, value), key_recorder)
    assert failures == [], "\n".join(map(str, failures))


def test_every_route_with_an_id_is_known_to_the_probe():
    """A new route that takes an id must say how it is scoped, so the foreign-id test covers it."""
    unknown = [name for name, route in ROUTES if _int_args(route) and name not in OWNED_ROWS
               and name not in OTHER_ID_ROUTES and not name.startswith(("api", "enterprise-", "monthly-figure-",
                                                                         "pool-membership-", "entitlement-"))]
    assert unknown == []


def _row_of(kind, enterprise):
    if kind == "enterprise":
        return enterprise.pk
    if kind == "correction":
        return enterprise.figure_corrections.get().pk
    if kind == "target":
        return Target.objects.get(jurisdiction=enterprise.jurisdiction_id).pk
    if kind in RECORD_ROWS:
        return getattr(enterprise, RECORD_ROWS[kind]).get().pk
    return enterprise.warnings.get().pk


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_a_foreign_id_answers_exactly_like_a_missing_one(world, all_personas, persona):
    client = _client(all_personas[persona])
    mismatches = []
    for name, route in ROUTES:
        if name not in OWNED_ROWS:
            continue
        for method in ("get", "post"):
            missing = getattr(client, method)(_fill(route, NONEXISTENT_ID))
            for key, enterprise in world.items():
                if key in VISIBLE[persona]:
                    continue
                foreign = getattr(client, method)(_fill(route, _row_of(OWNED_ROWS[name], enterprise)))
                if foreign.status_code != missing.status_code:
                    mismatches.append((name, method, key, foreign.status_code, missing.status_code))
    assert mismatches == []
