"""The dashboard: its figures equal the rows counted by hand (conftest.py), each figure's link
opens a list with the same count, scope follows enterprises.access, queries stay bounded."""
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from enterprises.models import Role, User
from reports import selectors
from reports.snapshot import DashboardSnapshot

from .conftest import MONTH, TODAY, YEAR

pytestmark = pytest.mark.django_db


def snap(user, key=None, year=YEAR, month=MONTH):
    root = selectors.dashboard_scope(user=user, key=key)
    return selectors.dashboard_snapshot(user=user, jurisdiction=root, year=year, month=month, today=TODAY)


def unit(units, key):
    return next(u for u in units if u.key == key)


def test_the_snapshot_equals_the_hand_counted_rows(seeded, yuxian_clerk):
    s = snap(yuxian_clerk)
    assert (s.scope_key, s.year, s.month, s.period_end, s.elapsed_share) == (
        "140322", 2024, 6, date(2024, 6, 30), Decimal("0.5000"))
    t = s.total
    assert (t.in_scale, t.entries, t.exits, t.net, t.entries_month, t.exits_month) == (3, 3, 1, 2, 2, 0)
    (target,) = t.targets
    assert (target.value, target.actual, target.expected_to_date, target.lagging) == (8, 2, Decimal("4.0"), True)
    assert (target.children_sum, target.departments_sum, target.note) == (5, 5, "市下达")
    assert target.completion == Decimal("0.2500")

    xiushui, nanlou = unit(s.by_jurisdiction, "140322-xiushui"), unit(s.by_jurisdiction, "140322-nanlou")
    assert (xiushui.in_scale, xiushui.entries, xiushui.exits, xiushui.net) == (2, 2, 1, 1)
    assert (nanlou.in_scale, nanlou.entries, nanlou.exits, nanlou.net) == (1, 1, 0, 1)
    assert xiushui.lagging and xiushui.primary.expected_to_date == Decimal("2.0")
    assert not nanlou.lagging
    # ranked by completion: 南娄镇 100 %, 秀水镇 25 %; the zone without a target after them
    assert [u.key for u in s.by_jurisdiction] == ["140322-nanlou", "140322-xiushui", "140322-kfq"]
    assert [u.rank for u in s.by_jurisdiction] == [1, 2, None]

    gxj, yjj = unit(s.by_department, "140322-gxj"), unit(s.by_department, "140322-yjj")
    assert (gxj.in_scale, gxj.entries, gxj.exits, gxj.net, gxj.lagging) == (1, 1, 1, 0, True)
    assert (yjj.in_scale, yjj.entries, yjj.exits, yjj.net, yjj.lagging) == (1, 1, 0, 1, False)
    assert [u.key for u in s.by_department] == ["140322-yjj", "140322-gxj"]
    assert {u.name for u in s.lagging_units} == {"秀水镇", "县工信局"}

    assert [(m.month, m.entries, m.exits, m.cumulative_net) for m in s.months] == [
        (1, 0, 0, 0), (2, 1, 0, 1), (3, 0, 1, 0), (4, 0, 0, 0), (5, 0, 0, 0), (6, 2, 0, 2)]

    pools = {p.pool: (p.count, p.entered, p.exited) for p in s.pools}
    assert pools == {"basic": (1, 1, 1), "reserve": (1, 0, 0), "cultivation": (1, 1, 0), "statistics": (1, 0, 0)}

    w = s.warnings
    assert w.open_total == 4 and w.ready_to_declare.count == 1
    assert {f.key: f.count for f in w.by_kind} == {"ready_to_declare": 1, "exit_risk": 2, "late_report": 1,
                                                    "integrity_no_output": 0, "integrity_jump": 0,
                                                    "pool_suggestion": 0}
    assert {f.key: f.count for f in w.by_severity} == {"high": 2, "medium": 1, "low": 1}
    assert {f.key: f.count for f in w.by_age} == {"0-7": 1, "8-30": 1, "31-90": 1, "91+": 1}

    e = s.entitlements
    assert e.year == 2023
    counts = {f.key: f.count for f in e.statuses}
    assert counts["pending_review"] == 1 and counts["approved"] == 1 and counts["paid"] == 1
    assert "rejected" not in counts and "withdrawn" not in counts
    by_payer = {row.payer: {c.status: c.amount for c in row.cells if c.count} for row in e.rows}
    assert by_payer == {"省级财政": {"pending_review": Decimal("300000.00")},
                        "市级财政": {"approved": Decimal("100000.00")},
                        "县级财政": {"paid": Decimal("50000.00")}}
    assert sum(c.amount for c in e.total.cells) == Decimal("450000.00")

    assert [(c.key, c.current) for c in s.calendar] == [
        ("monthly", True), ("prepare", False), ("batch_1", False), ("batch_2", False)]
    assert "三(四)" in s.calendar[0].citation


def test_the_calendar_marks_october_preparation_and_the_november_batch(seeded, yuxian_clerk):
    october = {c.key: c.current for c in snap(yuxian_clerk, month=10).calendar}
    november = {c.key: c.current for c in snap(yuxian_clerk, month=11).calendar}
    assert october == {"monthly": True, "prepare": True, "batch_1": False, "batch_2": False}
    assert november == {"monthly": True, "prepare": False, "batch_1": True, "batch_2": False}


def test_the_snapshot_survives_a_round_trip_through_json(seeded, yuxian_clerk):
    import json

    s = snap(yuxian_clerk)
    again = DashboardSnapshot.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s
    assert again.total.primary.expected_to_date == Decimal("4.0") and again.period_end == date(2024, 6, 30)


def test_every_figure_links_to_a_list_with_the_same_count(seeded, yuxian_clerk, settings):
    client = Client()
    client.force_login(yuxian_clerk)
    s = snap(yuxian_clerk)

    def listed(url):
        response = client.get(url)
        assert response.status_code == 200, url
        return response.context["page"].paginator.count

    figures = []
    for u in [s.total] + [u for u in s.by_jurisdiction + s.by_department if u.links]:
        figures += [(u.links["in_scale"], u.in_scale), (u.links["entries"], u.entries), (u.links["exits"], u.exits),
                    (u.links["entries_month"], u.entries_month), (u.links["exits_month"], u.exits_month)]
    for p in s.pools:
        figures += [(p.links["count"], p.count), (p.links["entered"], p.entered), (p.links["exited"], p.exited)]
    assert len(figures) > 30
    mismatches = [(url, n, listed(url)) for url, n in figures if listed(url) != n]
    assert mismatches == []


def test_warning_and_ledger_links_show_the_same_count(seeded, yuxian_clerk, monkeypatch):
    from django.utils import timezone
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    client = Client()
    client.force_login(yuxian_clerk)
    s = snap(yuxian_clerk)
    w = s.warnings
    for figure in w.by_kind + w.by_severity + w.by_age + [w.ready_to_declare]:
        assert client.get(figure.link).context["page"].paginator.count == figure.count, figure
    assert client.get(w.open_link).context["page"].paginator.count == w.open_total
    for figure in s.entitlements.statuses:
        assert client.get(figure.link).context["page"].paginator.count == figure.count, figure
        assert parse_qs(urlparse(figure.link).query)["jurisdiction"] == ["140322"]


def test_a_leader_of_yangquan_sees_its_children_and_can_open_yuxian(seeded, yangquan_leader):
    s = snap(yangquan_leader)
    assert s.scope_key == "140300"
    assert [u.key for u in s.by_jurisdiction] == ["140322"]
    yuxian = s.by_jurisdiction[0]
    assert (yuxian.in_scale, yuxian.net, yuxian.primary.value, yuxian.primary.children_sum) == (3, 2, 8, 5)
    assert {u.key for u in s.by_department} == {"140322-gxj", "140322-yjj"}
    assert snap(yangquan_leader, key="140322").by_jurisdiction[0].key == "140322-nanlou"


@pytest.mark.parametrize("key", ["141181", "999999", "140000", "x" * 300, "\x00", "'\"<"])
def test_a_foreign_jurisdiction_is_a_404_like_a_missing_one(seeded, yuxian_clerk, key):
    with pytest.raises(Http404):
        selectors.dashboard_scope(user=yuxian_clerk, key=key)
    client = Client()
    client.force_login(yuxian_clerk)
    assert client.get(reverse("reports:dashboard"), {"jurisdiction": key}).status_code == 404


def test_a_clerk_of_yuxian_sees_only_yuxian(seeded, yuxian_clerk):
    client = Client()
    client.force_login(yuxian_clerk)
    html = client.get(reverse("reports:dashboard"), {"year": YEAR, "month": MONTH}).content.decode()
    assert "秀水镇" in html and "孝义" not in html
    s = snap(yuxian_clerk)
    assert s.total.in_scale == 3  # 孝义己公司 is not counted


def test_department_staff_see_their_departments_figures_only(seeded, yuxian_department_user):
    s = snap(yuxian_department_user)
    assert s.by_jurisdiction == []
    assert [u.key for u in s.by_department] == ["140322-gxj"]
    assert (s.total.in_scale, s.total.entries, s.total.exits, s.total.primary.value) == (1, 1, 1, 3)


def test_enterprise_users_and_api_clients_get_no_dashboard(seeded, enterprise_user, api_client_user):
    with pytest.raises(PermissionDenied):
        selectors.dashboard_scope(user=enterprise_user, key=None)
    for user in (enterprise_user, api_client_user):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("reports:dashboard")).status_code == 403


@pytest.mark.parametrize("params", [{"year": "1999"}, {"month": "13"}, {"month": "²"}, {"year": "9" * 40}])
def test_a_hostile_period_is_a_400(seeded, yuxian_clerk, params):
    client = Client()
    client.force_login(yuxian_clerk)
    assert client.get(reverse("reports:dashboard"), params).status_code == 400


def test_the_snapshot_takes_a_fixed_number_of_queries(seeded, yuxian_clerk, yangquan_leader, make_enterprise,
                                                     django_assert_num_queries, departments):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(user):
        root = selectors.dashboard_scope(user=user, key=None)
        with CaptureQueriesContext(connection) as queries:
            selectors.dashboard_snapshot(user=user, jurisdiction=root, year=YEAR, month=MONTH, today=TODAY)
        return len(queries)

    before = count(yuxian_clerk), count(yangquan_leader)
    from .conftest import _event
    for i in range(30):
        enterprise = make_enterprise(f"新增企业{i}", "xiushui" if i % 2 else "nanlou", departments["yuxian_gxj"])
        _event(enterprise, "first_entry", date(2024, 1 + i % 6, 1))
    after = count(yuxian_clerk), count(yangquan_leader)
    assert before == after
    assert max(after) <= 10


def test_the_page_takes_a_bounded_number_of_queries(seeded, yuxian_clerk, django_assert_max_num_queries):
    client = Client()
    client.force_login(yuxian_clerk)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:dashboard"), {"year": YEAR, "month": MONTH})
    assert response.status_code == 200


def test_the_page_shows_the_tables_the_charts_and_the_lagging_units(seeded, yuxian_clerk):
    client = Client()
    client.force_login(yuxian_clerk)
    html = client.get(reverse("reports:dashboard"), {"year": YEAR, "month": MONTH}).content.decode()
    assert 'data-testid="units-jurisdiction"' in html and 'data-testid="units-department"' in html
    assert html.count("<svg") == 2 and "style=" not in html.split("<main>")[1]
    assert 'class="lagging"' in html and "滞后" in html
    assert "盂促企组办发[2024]1号 三(四)" in html


def test_leaders_land_on_the_dashboard_and_staff_on_the_enterprise_list(seeded, yangquan_leader, yuxian_clerk):
    for user, expected in ((yangquan_leader, reverse("reports:dashboard")), (yuxian_clerk, reverse("enterprises:list"))):
        client = Client()
        response = client.post(reverse("login"), {"username": user.username, "password": "pw-" + user.username},
                               follow=True)
        assert response.redirect_chain[-1][0] == expected
        assert response.status_code == 200


def test_staff_reach_the_dashboard_from_the_menu(seeded, yuxian_clerk, enterprise_user):
    client = Client()
    client.force_login(yuxian_clerk)
    assert 'data-testid="nav-dashboard"' in client.get(reverse("enterprises:list")).content.decode()
    client.force_login(enterprise_user)
    assert 'data-testid="nav-dashboard"' not in client.get(reverse("enterprises:list")).content.decode()


def test_a_superuser_without_a_jurisdiction_sees_every_province(seeded, admin_user):
    s = snap(admin_user)
    assert s.scope_key == "" and {u.key for u in s.by_jurisdiction} >= {"140000", "410000", "210000"}
    assert s.total.in_scale == 4  # B, C, E and 孝义己公司


def test_a_leader_without_a_jurisdiction_sees_nothing_rather_than_everything(seeded):
    user = User.objects.create_user(username="nobody", password="pw", role=Role.LEADER)
    with pytest.raises(Http404):
        selectors.dashboard_scope(user=user, key="140322")
    with pytest.raises(PermissionDenied):
        selectors.dashboard_scope(user=user, key=None)
    with pytest.raises(PermissionDenied):
        selectors.dashboard_snapshot(user=user, jurisdiction=None, year=YEAR, month=MONTH)
