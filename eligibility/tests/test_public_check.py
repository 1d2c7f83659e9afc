"""The public page and the API: same validation messages, no login, rate limits, no registry
read, the catalog read at most once, and the contact request's consent and staff scoping."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from eligibility import catalog_cache
from eligibility.forms import FactsForm
from eligibility.models import ContactRequest, FollowUpStatus

from .conftest import API

pytestmark = pytest.mark.django_db

PAGE = "/check/"
YUXIAN = {"year": "2024", "jurisdiction": "140322", "entry_status": "first_entry", "first_entry_on": "2024-06-01"}


def form(data):
    return FactsForm(data, catalog=catalog_cache.public_catalog())


# -- validation: one form, Chinese messages naming the field, page and API alike -----------------

@pytest.mark.parametrize("data, field, message", [
    ({"jurisdiction": "140322"}, "year", "请填写“查询年度”"),
    ({"year": "abc", "jurisdiction": "140322"}, "year", "“查询年度”应为整数"),
    ({"year": "2024"}, "jurisdiction", "请选择“企业注册所在区域”，或输入区域名称查找"),
    ({"year": "2024", "place": "不存在县"}, "place", "没有找到名称含“不存在县”的区域，请换个写法或在列表中选择"),
    ({"year": "2024", "jurisdiction": "140322", "revenue": "很多"}, "revenue", "“查询年度主营业务收入（万元）”应为数字"),
    ({"year": "2024", "jurisdiction": "140322", "revenue": "-1"}, "revenue", "“查询年度主营业务收入（万元）”不能小于0"),
    ({"year": "2024", "jurisdiction": "140322", "first_entry_on": "2024-13-45"}, "first_entry_on",
     "“首次入规日期”应为日期，如 2024-12-01"),
    ({"year": "2024", "jurisdiction": "140322", "entry_status": "first_entry"}, "first_entry_on",
     "已入规时请填写“首次入规日期”"),
    ({"year": "2024", "jurisdiction": "140322", "first_entry_on": "2024-06-01", "exited_on": "2024-01-01"},
     "exited_on", "“退规日期”应晚于“首次入规日期”"),
    ({"year": "2024", "jurisdiction": "140322", "reentered_on": "2024-06-01"}, "reentered_on",
     "填写“再次入规日期”前请先填写“退规日期”"),
    ({"year": "2024", "jurisdiction": "140322", "paid_award": "fushun-city-entry"}, "paid_award_year",
     "选择了已享受的奖励时请填写“享受该奖励的年度”"),
    ({"year": "2024", "jurisdiction": "140322", "listing_board": "moon"}, "listing_board", "“上市挂牌板块”的选项无效"),
])
def test_the_form_names_the_field_in_chinese(policies_loaded, data, field, message):
    facts = form(data)
    assert not facts.is_valid()
    assert message in facts.errors[field]


def test_a_name_matching_several_places_lists_them(policies_loaded, jurisdictions):
    facts = form({"year": "2024", "place": "镇"})
    assert not facts.is_valid()
    assert "“镇”对应多个区域：山西省 阳泉市 盂县 南娄镇、山西省 阳泉市 盂县 秀水镇" in facts.errors["place"][0]


def test_the_api_gives_the_same_messages_as_the_page(client, policies_loaded):
    data = {"year": 2024, "jurisdiction": "140322", "first_entry_on": "2024-06-01", "exited_on": "2024-01-01",
            "revenue": "很多"}
    api = client.post(API, data, content_type="application/json")
    assert api.status_code == 400
    page = client.post(PAGE, data)
    assert page.status_code == 200
    page_text = page.content.decode()
    errors = api.json()["errors"]
    for field in ("exited_on", "revenue"):
        messages = [e["message"] for e in errors if e["field"] == field]
        assert messages
        for message in messages:
            assert message in page_text
    assert [e["message"] for e in errors if e["field"] == "revenue"] == ["“查询年度主营业务收入（万元）”应为数字"]


def test_the_api_refuses_a_body_that_is_not_an_object(client, policies_loaded):
    response = client.post(API, [1, 2], content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": None, "code": "invalid", "message": "请求体应为JSON对象"}]}


def test_only_facts_some_rule_reads_are_asked(policies_loaded):
    fields = set(form(None).fields)
    assert {"entry_status", "revenue", "q1_growth", "recognitions", "listing_board", "refinancing_amount",
            "platform_grade", "paid_award", "size_class", "development_sound", "category"} <= fields
    # Listing boards offered are those of the catalog's schedules, each with its Chinese label.
    assert dict(form(None).fields["listing_board"].choices)["zyeq_trading"] == "中原股权交易中心交易板"


# -- the page ------------------------------------------------------------------------------------

def test_an_anonymous_visitor_gets_the_page_and_an_answer_with_csrf(policies_loaded):
    client = Client(enforce_csrf_checks=True)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "小升规奖励资格自测" in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post(PAGE, YUXIAN).status_code == 403  # no token, no check
    token = page.context["csrf_token"]
    answer = client.post(PAGE, {**YUXIAN, "csrfmiddlewaretoken": str(token)})
    text = answer.content.decode()
    assert answer.status_code == 200
    assert "40.00" in text and "阳办发[2021]11号 二(二)4" in text and "市级财政再给予10万元的一次性配套奖励" in text
    assert "若该草案通过：阳泉市中小企业发展中心修改意见（征求意见稿）" in text
    assert "/enterprises/" not in text and "data-testid=\"current-user\"" not in text  # no staff navigation


def test_an_anonymous_visitor_at_the_root_lands_on_the_check_with_a_way_to_log_in(client, policies_loaded):
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == PAGE and landing.status_code == 200
    assert 'data-testid="nav-login"' in landing.content.decode()


def test_the_page_is_rate_limited_with_a_chinese_429(client, policies_loaded, settings):
    settings.ELIGIBILITY_PAGE_RATE = "3/m"
    codes = [client.post(PAGE, YUXIAN).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(PAGE)
    assert limited.status_code == 429 and "请求过于频繁" in limited.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert other.get(PAGE).status_code == 200  # per address


def test_the_api_is_throttled_per_client(client, policies_loaded, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"eligibility_check": "2/minute"}}
    from rest_framework.throttling import ScopedRateThrottle
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {"eligibility_check": "2/minute"}
    try:
        data = {"year": 2024, "jurisdiction": "140322"}
        codes = [client.post(API, data, content_type="application/json").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        throttled = client.post(API, data, content_type="application/json")
        assert [e["code"] for e in throttled.json()["errors"]] == ["throttled"] and throttled["Retry-After"]
        other = Client(REMOTE_ADDR="10.0.0.3")
        assert other.post(API, data, content_type="application/json").status_code == 200
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original


# -- no registry read; the catalog once ------------------------------------------------------------

REGISTRY_TABLES = ("enterprises_enterprise", "enterprises_monthlyfigure", "enterprises_scaleevent",
                   "enterprises_recognition", "enterprises_listingmilestone", "enterprises_refinancing",
                   "enterprises_annualattestation", "enterprises_poolmembership", "enterprises_contact",
                   "enterprises_enterprisename", "incentives_", "monitoring_", "reports_")


def test_a_check_reads_no_registry_table_and_the_catalog_at_most_once(client, policies_loaded, enterprises):
    def run(data):
        with CaptureQueriesContext(connection) as queries:
            assert client.post(API, data, content_type="application/json").status_code == 200
        return [q["sql"] for q in queries.captured_queries]

    cold = run({"year": 2024, "jurisdiction": "140322", "entry_status": "first_entry", "first_entry_on": "2024-06-01"})
    assert cold and not [sql for sql in cold if any(t in sql for t in REGISTRY_TABLES)]
    assert all("policies_" in sql or "enterprises_jurisdiction" in sql for sql in cold)
    warm = run({"year": 2023, "place": "新华区", "revenue": "6000"})
    assert warm == []  # the catalog is held in this process until it changes

    catalog_cache.forget()
    again = run({"year": 2022, "place": "顺城区"})
    assert len(again) == len(cold)  # a constant number, whatever the facts


def test_a_catalog_change_is_seen_by_the_next_check(client, policies_loaded):
    from policies.models import IncentiveRule
    first = catalog_cache.public_catalog()
    rule = IncentiveRule.objects.get(key="yangquan-first-entry")
    rule.amount = 120000
    rule.save()
    assert catalog_cache.public_catalog() is not first
    body = client.post(API, {"year": 2024, **{k: v for k, v in YUXIAN.items() if k != "year"}},
                       content_type="application/json").json()
    assert next(d for d in body["decisions"] if d["rule_key"] == "yangquan-first-entry")["amount"] == "120000.00"


# -- contact requests ------------------------------------------------------------------------------

CONTACT = {"jurisdiction_key": "140322-xiushui", "contact_name": "王经理", "phone": "13800000000",
           "enterprise_name": "盂县某机械厂", "question": "二次入规能否享受奖励"}


def test_nothing_is_stored_by_a_check(client, policies_loaded):
    client.post(PAGE, YUXIAN)
    client.post(API, {"year": 2024, "jurisdiction": "140322"}, content_type="application/json")
    assert ContactRequest.objects.count() == 0


def test_a_contact_request_needs_consent(client, policies_loaded):
    refused = client.post("/check/contact/", CONTACT)
    assert refused.status_code == 400
    assert "请勾选同意后再提交：未经同意不保存任何联系方式" in refused.content.decode()
    assert ContactRequest.objects.count() == 0
    accepted = client.post("/check/contact/", {**CONTACT, "consent": "on"})
    assert accepted.status_code == 200 and "会尽快与您联系" in accepted.content.decode()
    saved = ContactRequest.objects.get()
    assert saved.jurisdiction_path == "/140000/140300/140322/140322-xiushui/"
    assert "只供所选区域的中小企业服务中心工作人员" in saved.consent_text and saved.consented_at
    assert saved.status == FollowUpStatus.NEW


def test_a_contact_request_checks_the_phone_and_the_place(client, policies_loaded):
    response = client.post("/check/contact/", {**CONTACT, "phone": "12", "jurisdiction_key": "nowhere",
                                               "consent": "on"})
    text = response.content.decode()
    assert "“联系电话”应为7至15位数字" in text and "请先完成资格自测" in text
    assert ContactRequest.objects.count() == 0


def _request(key, path, name):
    from django.utils import timezone
    return ContactRequest.objects.create(jurisdiction_key=key, jurisdiction_path=path, jurisdiction_name=name,
                                         contact_name="联系人" + key, phone="13800000000", consent_text="x",
                                         consented_at=timezone.now())


def test_staff_see_and_follow_up_the_requests_of_their_subtree_only(client, policies_loaded, yuxian_clerk,
                                                                      xiaoyi_clerk, yangquan_leader):
    yuxian = _request("140322-xiushui", "/140000/140300/140322/140322-xiushui/", "秀水镇")
    xiaoyi = _request("141181", "/140000/141100/141181/", "孝义市")
    client.force_login(yuxian_clerk)
    page = client.get("/check/requests/")
    assert page.status_code == 200
    assert [r.pk for r in page.context["requests"]] == [yuxian.pk]
    # A foreign request cannot be followed up by posting its id.
    refused = client.post("/check/requests/", {"request": xiaoyi.pk, "status": "contacted"})
    assert "“咨询登记”的选项无效" in refused.content.decode()
    xiaoyi.refresh_from_db()
    assert xiaoyi.status == FollowUpStatus.NEW
    client.post("/check/requests/", {"request": yuxian.pk, "status": "contacted", "note": "已电话联系"})
    yuxian.refresh_from_db()
    assert yuxian.status == FollowUpStatus.CONTACTED and yuxian.handled_by == yuxian_clerk

    client.force_login(xiaoyi_clerk)
    assert [r.pk for r in client.get("/check/requests/").context["requests"]] == [xiaoyi.pk]
    client.force_login(yangquan_leader)  # reads its subtree, follows up nothing
    page = client.get("/check/requests/")
    assert [r.pk for r in page.context["requests"]] == [yuxian.pk] and not page.context["may_follow_up"]


def test_the_request_list_pages_through_every_request_with_bounded_queries(client, policies_loaded, yuxian_clerk,
                                                                          django_assert_max_num_queries):
    made = [_request("140322-xiushui", "/140000/140300/140322/140322-xiushui/", "秀水镇").pk for _ in range(120)]
    client.force_login(yuxian_clerk)
    seen = []
    for number in (1, 2, 3):
        with django_assert_max_num_queries(12):
            page = client.get("/check/requests/", {"page": number})
        seen += [r.pk for r in page.context["requests"]]
    assert sorted(seen) == sorted(made)  # none hidden behind a cap, none twice
    assert "第 3 / 3 页" in page.content.decode()
    assert client.get("/check/requests/", {"page": "x' OR 1=1"}).status_code == 200  # a bad page is the first


def test_the_request_list_is_for_staff_only(client, policies_loaded, enterprise_user):
    assert client.get("/check/requests/").status_code == 302  # to the login page
    client.force_login(enterprise_user)
    assert client.get("/check/requests/").status_code == 403


def test_the_benchmark_runs_and_a_warm_check_runs_no_query(policies_loaded):
    from io import StringIO

    from django.core.management import call_command
    out = StringIO()
    call_command("bench_public_check", "--repeat", "1", stdout=out)
    assert ", 0 queries; target p95" in out.getvalue()
