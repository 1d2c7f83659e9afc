"""Every registry screen for every role: who sees, who changes, who is refused."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import VISIBLE, WRITERS
from enterprises import selectors, services
from enterprises.models import MonthlyFigure, Pool, PoolMembership, ScaleEvent

# API clients use tokens only: their web sessions get 403 on every page (enterprises/tests/test_login.py).
PERSONAS = sorted(set(VISIBLE) - {"api_client"})
ALL = {"yu_gxj", "yu_other", "xiaoyi"}


@pytest.fixture
def as_persona(client, all_personas, enterprises):
    def login(name):
        client.force_login(all_personas[name])
        return client
    return login


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_shows_exactly_the_enterprises_in_scope(as_persona, enterprises, persona):
    html = as_persona(persona).get(reverse("enterprises:list")).content.decode()
    shown = {key for key, e in enterprises.items() if e.name in html}
    assert shown == VISIBLE[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_detail_page_opens_in_scope_and_is_404_outside(as_persona, enterprises, persona):
    client = as_persona(persona)
    for key, enterprise in enterprises.items():
        status = client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code
        assert status == (200 if key in VISIBLE[persona] else 404), key


@pytest.mark.parametrize("persona", PERSONAS)
def test_editing_is_for_writers_in_scope_only(as_persona, enterprises, persona):
    client = as_persona(persona)
    for key, enterprise in enterprises.items():
        response = client.post(reverse("enterprises:edit", args=[enterprise.pk]), {
            "name": enterprise.name + "（改）", "jurisdiction": enterprise.jurisdiction_id,
            "department": enterprise.department_id or "", "category": enterprise.category})
        enterprise.refresh_from_db()
        if key not in VISIBLE[persona]:
            assert response.status_code == 404
        elif persona in WRITERS:
            assert response.status_code == 302 and enterprise.name.endswith("（改）")
        else:
            assert response.status_code == 403 and not enterprise.name.endswith("（改）")


@pytest.fixture
def today_is(monkeypatch):
    """Move the registry's clock (Asia/Shanghai date) for services and views alike."""
    def set_today(day):
        monkeypatch.setattr(selectors, "today", lambda: day)
    return set_today


@pytest.mark.parametrize("persona", PERSONAS)
def test_monthly_figures_are_submitted_by_writers_and_the_enterprise_itself(as_persona, enterprises, persona,
                                                                            today_is):
    today_is(date(2024, 6, 5))  # May 2024 is open until 10 June: the enterprise saves it directly
    client = as_persona(persona)
    for key, enterprise in enterprises.items():
        response = client.post(reverse("enterprises:figure_submit", args=[enterprise.pk]),
                               {"year": 2024, "month": 5, "revenue": "180.5"})
        saved = MonthlyFigure.objects.filter(enterprise=enterprise, year=2024, month=5).first()
        if key not in VISIBLE[persona]:
            assert response.status_code == 404 and saved is None
        elif persona in WRITERS or persona == "enterprise_user":
            assert response.status_code == 302 and saved.revenue == Decimal("1805000.00")
        else:
            assert response.status_code == 403 and saved is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_pool_moves_and_scale_events_are_for_writers_in_scope(as_persona, enterprises, persona):
    client = as_persona(persona)
    for key, enterprise in enterprises.items():
        moved = client.post(reverse("enterprises:pool_move", args=[enterprise.pk]),
                            {"pool": Pool.RESERVE, "on": "2024-06-01", "reason": "年营收超500万元"})
        entered = client.post(reverse("enterprises:scale_event_create", args=[enterprise.pk]),
                              {"kind": "first_entry", "on": "2024-12-01"})
        in_pool = PoolMembership.objects.filter(enterprise=enterprise, pool=Pool.RESERVE).exists()
        has_event = ScaleEvent.objects.filter(enterprise=enterprise).exists()
        if key not in VISIBLE[persona]:
            assert (moved.status_code, entered.status_code) == (404, 404)
        elif persona in WRITERS:
            assert (moved.status_code, entered.status_code) == (302, 302) and in_pool and has_event
        else:
            assert (moved.status_code, entered.status_code) == (403, 403)
            assert not in_pool and not has_event


@pytest.mark.parametrize("persona", PERSONAS)
def test_registering_an_enterprise_is_for_writers(as_persona, jurisdictions, persona):
    response = as_persona(persona).get(reverse("enterprises:create"))
    assert response.status_code == (200 if persona in WRITERS else 403)


def test_a_clerk_cannot_place_a_new_enterprise_in_another_county(as_persona, jurisdictions):
    client = as_persona("xiaoyi_clerk")
    response = client.post(reverse("enterprises:create"), {
        "credit_code": "91350100M000100Y43", "name": "越界企业", "jurisdiction": jurisdictions["xiushui"].pk,
        "category": "industry"})
    assert response.status_code == 200
    assert "jurisdiction" in response.context["form"].errors


def test_a_bad_credit_code_on_the_form_says_what_is_wrong(as_persona, jurisdictions):
    response = as_persona("yuxian_clerk").post(reverse("enterprises:create"), {
        "credit_code": "91350100M000100Y44", "name": "错码企业", "jurisdiction": jurisdictions["xiushui"].pk,
        "category": "industry"})
    assert "校验码错误：第18位应为“3”，实际为“4”" in response.content.decode()


def test_a_pool_move_without_reason_is_reported_and_changes_nothing(as_persona, enterprises):
    client = as_persona("yuxian_clerk")
    enterprise = enterprises["yu_gxj"]
    response = client.post(reverse("enterprises:pool_move", args=[enterprise.pk]),
                           {"pool": Pool.RESERVE, "on": "2024-06-01", "reason": ""}, follow=True)
    assert "原因" in response.content.decode()
    assert not PoolMembership.objects.filter(enterprise=enterprise).exists()


def test_the_detail_page_shows_who_changed_what(as_persona, yuxian_clerk, enterprises):
    enterprise = enterprises["yu_gxj"]
    for revenue in ("1000000", "1200000"):
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2024, month=2,
                                       values={"revenue": Decimal(revenue)})
    html = as_persona("yangquan_leader").get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    assert "2024年2月数据" in html and "xiaowang" in html
    assert "当月主营业务收入：100.00万元 → 120.00万元" in html  # 万元 like the rest of the page (issue 9 item 3)


def test_the_detail_page_derives_year_to_date_from_monthly_values(as_persona, yuxian_clerk, enterprises):
    enterprise = enterprises["yu_gxj"]
    for month, revenue in ((1, "1000000"), (2, "1500000"), (3, "2500000")):
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2024, month=month,
                                       values={"revenue": Decimal(revenue)})
    response = as_persona("yuxian_clerk").get(reverse("enterprises:detail", args=[enterprise.pk]) + "?year=2024")
    ytd = [f.ytd_revenue for f in response.context["figures"]]
    assert ytd == [Decimal("1000000"), Decimal("2500000"), Decimal("5000000")]
    assert "500.00" in response.content.decode()  # 5,000,000 yuan shown as 500.00 万元


def test_the_list_page_costs_the_same_queries_for_many_enterprises(client, yuxian_clerk, make_enterprise,
                                                                   django_assert_max_num_queries):
    client.force_login(yuxian_clerk)
    for i in range(40):
        enterprise = make_enterprise(f"企业{i:02d}", "xiushui")
        MonthlyFigure.objects.create(enterprise=enterprise, year=date.today().year, month=1,
                                     revenue=Decimal("1000"), reported_at="2024-02-01T00:00:00+08:00")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("enterprises:list"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 40


def test_a_deep_list_page_skips_rows_without_computing_their_pool_or_revenue(client, yuxian_clerk, make_enterprise):
    client.force_login(yuxian_clerk)
    for i in range(130):
        make_enterprise(f"企业{i:03d}", "xiushui")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("enterprises:list"), {"page": 2})
    page = response.context["page"]
    assert page.number == 2 and page.paginator.count == 130
    assert [e.name for e in page] == [f"企业{i:03d}" for i in range(50, 100)]
    assert all(hasattr(e, "current_pool") and hasattr(e, "ytd_revenue") for e in page)
    skipping = [q["sql"] for q in queries.captured_queries if "OFFSET" in q["sql"]]
    # neither the pool nor the YTD subquery runs for the rows a deep page skips
    assert skipping and not any("monthlyfigure" in sql or "poolmembership" in sql for sql in skipping)
    annotated = [q["sql"] for q in queries.captured_queries
                 if "monthlyfigure" in q["sql"] and "enterprises_enterprise" in q["sql"]]
    assert annotated and all("OFFSET" not in sql for sql in annotated)


def test_pages_past_the_middle_are_read_from_the_end_in_order(client, yuxian_clerk, make_enterprise):
    client.force_login(yuxian_clerk)
    for i in range(130):
        make_enterprise(f"企业{i:03d}", "xiushui")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("enterprises:list"), {"page": 3})
    assert [e.name for e in response.context["page"]] == [f"企业{i:03d}" for i in range(100, 130)]
    ids_query = next(q["sql"] for q in queries.captured_queries if "LIMIT 30" in q["sql"])
    assert "DESC" in ids_query and "OFFSET" not in ids_query  # the last page reads 30 rows, skipping none
    walked = []
    for number in (1, 2, 3):
        walked += [e.name for e in client.get(reverse("enterprises:list"), {"page": number}).context["page"]]
    assert walked == [f"企业{i:03d}" for i in range(130)]  # every row once, in order


def test_the_detail_page_query_count_does_not_grow_with_history(client, yuxian_clerk, enterprises,
                                                                django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries(enterprise):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code == 200
        return len(captured)

    short, long = enterprises["yu_other"], enterprises["yu_gxj"]
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=short, year=2024, month=1,
                                   values={"revenue": Decimal(100000)})
    for month in range(1, 13):
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=long, year=2024, month=month,
                                       values={"revenue": Decimal(month * 100000)})
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=long, year=2024, month=month,
                                       values={"revenue": Decimal(month * 110000)})
    client.force_login(yuxian_clerk)
    # One query per tracked model and per section, one per related model the trail names: fixed.
    assert page_queries(long) == page_queries(short)
    with django_assert_max_num_queries(35):
        client.get(reverse("enterprises:detail", args=[long.pk]))


def test_the_list_filters_by_pool_and_scale(as_persona, yuxian_clerk, enterprises):
    services.pool_move(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], pool=Pool.CULTIVATION, reason="x")
    client = as_persona("yuxian_clerk")
    page = client.get(reverse("enterprises:list"), {"pool": Pool.CULTIVATION}).context["page"]
    assert [e.pk for e in page] == [enterprises["yu_gxj"].pk]


def test_anonymous_visitors_are_sent_to_login(client, enterprises):
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_english_is_available(as_persona, enterprises):
    client = as_persona("yuxian_clerk")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("enterprises:list")).content.decode()
    assert "Enterprise registry" in html


def test_chinese_is_the_default_even_for_an_english_browser(client, yuxian_clerk, enterprises):
    client.force_login(yuxian_clerk)
    html = client.get(reverse("enterprises:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "<h1>企业库</h1>" in html
