"""Monthly figures after the probe: no future months, closed months for enterprise
accounts (a correction request reviewed by staff), and blank fields that keep values.

The probe found (a) an enterprise rewriting 2025-06 revenue from 63万 to 99,999万 long
after the month was reported and (b) an enterprise saving 2026-12 on 2026-11-23.
"""
from datetime import date
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from enterprises import selectors, services, spreadsheets
from enterprises.models import CorrectionStatus, FigureCorrectionRequest, FigureSource, MonthlyFigure
from enterprises.spreadsheets import RowAction

PROBE_DAY = date(2026, 11, 23)
FIGURE_HEADERS = ["统一社会信用代码", "企业名称", "年份", "月份", "主营业务收入（万元）"]
JUNE_2025 = {"revenue": Decimal("630000.00"), "output_value": Decimal("714644.60"), "tax": Decimal("12000.00"),
             "electricity_kwh": Decimal("42000.0"), "employees": 35}


@pytest.fixture
def today_is(monkeypatch):
    """Move the registry's clock (Asia/Shanghai date) for services and views alike."""
    def set_today(day):
        monkeypatch.setattr(selectors, "today", lambda: day)
    set_today(PROBE_DAY)
    return set_today


@pytest.fixture
def june_reported(yuxian_clerk, enterprises):
    """2025-06 of 盂县耐火材料有限公司, reported in time."""
    return services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2025, month=6,
                                          values=JUNE_2025, today=date(2025, 7, 8)).figure


def request_correction(user, enterprise, values, reason="财务复核后更正", year=2025, month=6, today=PROBE_DAY, **kw):
    return services.monthly_figure_upsert(user=user, enterprise=enterprise, year=year, month=month, values=values,
                                          reason=reason, source=FigureSource.ENTERPRISE, today=today, **kw)


def stored(enterprise, year=2025, month=6):
    return MonthlyFigure.objects.get(enterprise=enterprise, year=year, month=month)


# --- no future months ---------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["yuxian_clerk", "enterprise_user"])
@pytest.mark.parametrize("year,month", [(2026, 12), (2026, 11)])
def test_nobody_reports_a_month_that_has_not_ended(all_personas, enterprises, persona, year, month):
    with pytest.raises(ValidationError) as excinfo:
        services.monthly_figure_upsert(user=all_personas[persona], enterprise=enterprises["yu_gxj"], year=year,
                                       month=month, values={"revenue": Decimal("1")}, reason="x", today=PROBE_DAY)
    assert excinfo.value.message_dict["month"] == [f"{year}年{month}月尚未结束，不能填报"]
    assert not MonthlyFigure.objects.exists() and not FigureCorrectionRequest.objects.exists()


def test_a_month_is_reportable_from_the_first_day_after_it(yuxian_clerk, enterprises):
    change = services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2026,
                                            month=11, values={"revenue": Decimal("1")}, today=date(2026, 12, 1))
    assert change.created


def test_an_import_of_a_future_month_is_refused_in_the_preview(yuxian_clerk, enterprises, today_is):
    code = enterprises["yu_gxj"].credit_code
    dataset = tablib.Dataset((code, "", 2026, 12, 100), (code, "", 2026, 10, 100), headers=FIGURE_HEADERS)
    report = spreadsheets.import_figures(user=yuxian_clerk, dataset=dataset, only_valid=True)
    assert [r.action for r in report.rows] == [RowAction.ERROR, RowAction.CREATE]
    assert "2026年12月尚未结束，不能填报" in report.rows[0].error_texts()[0]
    assert list(MonthlyFigure.objects.values_list("year", "month")) == [(2026, 10)]


# --- closed months for enterprise accounts ------------------------------------------------------

def test_before_the_deadline_an_enterprise_saves_directly(enterprise_user, enterprises):
    change = request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("630000")},
                                reason="", today=date(2025, 7, 10))  # the deadline day itself
    assert change.created and change.correction is None
    assert stored(enterprises["yu_gxj"]).reported_by == enterprise_user


def test_after_the_deadline_an_enterprise_change_becomes_a_correction_request(enterprise_user, enterprises,
                                                                            june_reported):
    history_before = MonthlyFigure.history.count()
    change = request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("999990000.00")},
                                reason="录入时漏了一个分公司")
    assert not change.changed and change.figure == june_reported
    assert stored(enterprises["yu_gxj"]).revenue == Decimal("630000.00")  # nothing written
    assert MonthlyFigure.history.count() == history_before
    correction = change.correction
    assert (correction.status, correction.requested_by, correction.reason) == (
        CorrectionStatus.PENDING, enterprise_user, "录入时漏了一个分公司")
    assert correction.proposed == {"revenue": "999990000.00"}  # only the field given
    assert correction.previous == {"revenue": "630000.00"}
    assert correction.history.get().history_user == enterprise_user


def test_the_deadline_follows_the_jurisdiction(enterprise_user, enterprises, jurisdictions, june_reported):
    jurisdictions["yuxian"].report_deadline_day = 25
    jurisdictions["yuxian"].save()
    change = request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("640000")}, reason="",
                                today=date(2025, 7, 25))
    assert change.changed and stored(enterprises["yu_gxj"]).revenue == Decimal("640000")
    with pytest.raises(ValidationError):
        request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("650000")}, reason="",
                           today=date(2025, 7, 26))


def test_a_closed_month_change_needs_a_reason(enterprise_user, enterprises, june_reported):
    with pytest.raises(ValidationError) as excinfo:
        request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("1")}, reason="  ")
    assert "2025年6月已过报送截止日（2025-07-10）" in excinfo.value.message_dict["reason"][0]
    assert not FigureCorrectionRequest.objects.exists()


def test_a_late_first_report_also_goes_to_review(enterprise_user, enterprises):
    change = request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("500000")},
                                reason="逾期补报")
    assert change.correction.previous == {"revenue": None} and not MonthlyFigure.objects.exists()


def test_resubmitting_the_stored_values_of_a_closed_month_changes_nothing(enterprise_user, enterprises,
                                                                         june_reported):
    change = request_correction(enterprise_user, enterprises["yu_gxj"], dict(JUNE_2025), reason="")
    assert not change.changed and change.correction is None and not FigureCorrectionRequest.objects.exists()


def test_one_pending_request_per_month(enterprise_user, enterprises, june_reported):
    request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("650000")})
    with pytest.raises(ValidationError) as excinfo:
        request_correction(enterprise_user, enterprises["yu_gxj"], {"revenue": Decimal("660000")})
    assert "2025年6月已有待审核的更正申请" in excinfo.value.messages[0]
    assert FigureCorrectionRequest.objects.count() == 1


def test_staff_correct_a_closed_month_directly_with_history(yuxian_department_user, enterprises, june_reported):
    change = services.monthly_figure_upsert(user=yuxian_department_user, enterprise=enterprises["yu_gxj"],
                                            year=2025, month=6, values={"revenue": Decimal("640000")},
                                            today=PROBE_DAY)
    assert change.changed and change.correction is None
    latest = stored(enterprises["yu_gxj"]).history.latest("history_date")
    assert (latest.revenue, latest.history_user) == (Decimal("640000.00"), yuxian_department_user)


# --- reviewing -----------------------------------------------------------------------------------

@pytest.fixture
def pending(enterprise_user, enterprises, june_reported):
    return request_correction(enterprise_user, enterprises["yu_gxj"],
                              {"revenue": Decimal("650000.00"), "tax": None}, clear=["employees"]).correction


def test_approving_applies_the_request_as_the_reviewer(yuxian_clerk, enterprises, pending):
    services.figure_correction_approve(user=yuxian_clerk, correction=pending, note="已核对纳税申报表",
                                       today=PROBE_DAY)
    figure = stored(enterprises["yu_gxj"])
    assert (figure.revenue, figure.employees) == (Decimal("650000.00"), None)  # the change and the explicit clear
    assert (figure.output_value, figure.tax) == (JUNE_2025["output_value"], JUNE_2025["tax"])  # not given: kept
    assert (figure.reported_by, figure.source) == (yuxian_clerk, FigureSource.ENTERPRISE)
    latest = figure.history.latest("history_date")
    assert latest.history_user == yuxian_clerk and latest.history_change_reason == f"更正申请#{pending.pk}"
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        CorrectionStatus.APPROVED, yuxian_clerk, "已核对纳税申报表")
    assert pending.decided_at is not None


def test_rejecting_needs_a_note_and_writes_nothing(yuxian_clerk, enterprises, pending):
    with pytest.raises(ValidationError):
        services.figure_correction_reject(user=yuxian_clerk, correction=pending, note=" ")
    services.figure_correction_reject(user=yuxian_clerk, correction=pending, note="与税务数据不符")
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        CorrectionStatus.REJECTED, yuxian_clerk, "与税务数据不符")
    assert stored(enterprises["yu_gxj"]).revenue == JUNE_2025["revenue"]


def test_a_decided_request_is_not_decided_again(yuxian_clerk, pending):
    services.figure_correction_reject(user=yuxian_clerk, correction=pending, note="不符")
    with pytest.raises(ValidationError):
        services.figure_correction_approve(user=yuxian_clerk, correction=pending)


def test_the_requester_cannot_approve_their_own_request(enterprise_user, yuxian_clerk, enterprises, pending):
    with pytest.raises(PermissionDenied):
        services.figure_correction_approve(user=enterprise_user, correction=pending)
    # Whatever their role: a request filed by the clerk is decided by someone else.
    own = FigureCorrectionRequest.objects.create(
        enterprise=enterprises["yu_other"], year=2025, month=6, proposed={"revenue": "1.00"}, reason="代企业提交",
        requested_by=yuxian_clerk, requested_at=pending.requested_at)
    with pytest.raises(PermissionDenied) as excinfo:
        services.figure_correction_approve(user=yuxian_clerk, correction=own)
    assert "本人" in str(excinfo.value)
    assert FigureCorrectionRequest.objects.get(pk=own.pk).is_pending


@pytest.mark.parametrize("persona", ["xiaoyi_clerk", "yangquan_leader"])
def test_staff_outside_scope_and_leaders_cannot_decide(all_personas, pending, persona):
    with pytest.raises(PermissionDenied):
        services.figure_correction_approve(user=all_personas[persona], correction=pending)
    with pytest.raises(PermissionDenied):
        services.figure_correction_reject(user=all_personas[persona], correction=pending, note="x")
    pending.refresh_from_db()
    assert pending.is_pending


def test_department_staff_decide_for_their_departments_enterprises(yuxian_department_user, pending):
    services.figure_correction_approve(user=yuxian_department_user, correction=pending, today=PROBE_DAY)
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.APPROVED


def test_an_enterprise_import_of_a_closed_month_is_refused_in_the_preview(enterprise_user, enterprises,
                                                                        june_reported, today_is):
    code = enterprises["yu_gxj"].credit_code
    changed = spreadsheets.import_figures(user=enterprise_user, only_valid=True,
                                          dataset=tablib.Dataset((code, "", 2025, 6, 99999), headers=FIGURE_HEADERS))
    assert changed.rows[0].action == RowAction.ERROR
    assert "2025年6月已过报送截止日（2025-07-10），修改须在企业页面提交更正申请" in changed.rows[0].error_texts()[0]
    assert stored(enterprises["yu_gxj"]).revenue == JUNE_2025["revenue"]
    same = spreadsheets.preview_figures(user=enterprise_user,
                                        dataset=tablib.Dataset((code, "", 2025, 6, 63), headers=FIGURE_HEADERS))
    assert same.rows[0].action == RowAction.UNCHANGED  # the stored value again: nothing to review


# --- keeping blank fields ------------------------------------------------------------------------

def test_a_value_not_given_or_none_keeps_the_stored_value_and_clear_erases(yuxian_clerk, enterprises,
                                                                          june_reported):
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2025, month=6,
                                   values={"revenue": Decimal("700000"), "tax": None}, clear=["employees"],
                                   today=PROBE_DAY)
    figure = stored(enterprises["yu_gxj"])
    assert (figure.revenue, figure.tax, figure.output_value, figure.employees) == (
        Decimal("700000.00"), JUNE_2025["tax"], JUNE_2025["output_value"], None)


def test_a_new_month_with_nothing_given_is_refused(yuxian_clerk, enterprises):
    with pytest.raises(ValidationError):
        services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2025, month=6,
                                       values={"revenue": None}, today=PROBE_DAY)
    assert not MonthlyFigure.objects.exists()


# --- the form -------------------------------------------------------------------------------------

def detail(client, enterprise, **params):
    return client.get(reverse("enterprises:detail", args=[enterprise.pk]), params)


def submit(client, enterprise, data):
    return client.post(reverse("enterprises:figure_submit", args=[enterprise.pk]), data, follow=True)


def test_changing_one_field_on_the_form_keeps_the_others(client, yuxian_clerk, enterprises, june_reported,
                                                         today_is):
    """The regression: changing only the revenue used to clear output value, tax, electricity and employees."""
    client.force_login(yuxian_clerk)
    response = submit(client, enterprises["yu_gxj"], {"year": 2025, "month": 6, "revenue": "64"})
    assert "已保存2025年6月数据" in response.content.decode()
    figure = stored(enterprises["yu_gxj"])
    assert figure.revenue == Decimal("640000.00")
    assert (figure.output_value, figure.tax, figure.electricity_kwh, figure.employees) == (
        JUNE_2025["output_value"], JUNE_2025["tax"], JUNE_2025["electricity_kwh"], JUNE_2025["employees"])
    assert "714644.60 → —" not in response.content.decode()


def test_the_clear_box_erases_a_value_and_cannot_be_combined_with_one(client, yuxian_clerk, enterprises,
                                                                      june_reported, today_is):
    client.force_login(yuxian_clerk)
    submit(client, enterprises["yu_gxj"], {"year": 2025, "month": 6, "clear_tax": "on"})
    assert stored(enterprises["yu_gxj"]).tax is None
    response = submit(client, enterprises["yu_gxj"], {"year": 2025, "month": 6, "employees": "40",
                                                      "clear_employees": "on"})
    assert "不能同时填写数值和勾选“清空”" in response.content.decode()
    assert stored(enterprises["yu_gxj"]).employees == 35


def test_choosing_a_month_fills_in_its_stored_values(client, yuxian_clerk, enterprises, june_reported, today_is):
    client.force_login(yuxian_clerk)
    response = detail(client, enterprises["yu_gxj"], figure_year=2025, figure_month=6)
    form = response.context["figure_form"]
    assert (form["year"].value(), form["month"].value(), form["loaded_month"].value()) == (2025, 6, 6)
    html = response.content.decode()
    assert 'name="revenue" value="63"' in html and 'name="output_value" value="71.46446"' in html
    assert 'name="employees" value="35"' in html
    empty = detail(client, enterprises["yu_gxj"], figure_year=2025, figure_month=7).context["figure_form"]
    assert empty["revenue"].value() is None and empty["loaded_month"].value() is None


def test_values_loaded_for_one_month_are_not_saved_into_another(client, yuxian_clerk, enterprises, june_reported,
                                                                today_is):
    client.force_login(yuxian_clerk)
    response = submit(client, enterprises["yu_gxj"], {"year": 2025, "month": 7, "loaded_year": 2025,
                                                      "loaded_month": 6, "revenue": "63"})
    assert "请先载入2025年7月再修改" in response.content.decode()
    assert not MonthlyFigure.objects.filter(month=7).exists()


def test_a_future_month_is_refused_on_the_form(client, enterprise_user, enterprises, today_is):
    client.force_login(enterprise_user)
    response = submit(client, enterprises["yu_gxj"], {"year": 2026, "month": 12, "revenue": "10"})
    assert "2026年12月尚未结束，不能填报" in response.content.decode()
    assert not MonthlyFigure.objects.exists()


def test_the_form_tells_an_enterprise_which_month_is_open(client, enterprise_user, enterprises, today_is):
    client.force_login(enterprise_user)
    today_is(date(2026, 11, 5))
    html = detail(client, enterprises["yu_gxj"]).content.decode()
    assert "当前可直接填报：2026年10月（截止2026-11-10）" in html
    today_is(PROBE_DAY)
    html = detail(client, enterprises["yu_gxj"], figure_year=2025, figure_month=6).content.decode()
    assert "当前没有处于报送期内的月份" in html
    assert "2025年6月已过报送截止日（2025-07-10）：修改须填写更正原因，提交后待中小企业服务中心审核" in html
    assert '<textarea name="reason"' in html


def test_staff_see_no_reason_field(client, yuxian_clerk, enterprises, today_is):
    client.force_login(yuxian_clerk)
    html = detail(client, enterprises["yu_gxj"], figure_year=2025, figure_month=6).content.decode()
    assert '<textarea name="reason"' not in html and "工作人员可直接更正" in html


def test_an_enterprise_corrects_a_closed_month_through_review(client, enterprise_user, enterprises, june_reported,
                                                             today_is):
    client.force_login(enterprise_user)
    refused = submit(client, enterprises["yu_gxj"], {"year": 2025, "month": 6, "revenue": "99999"})
    assert "修改须填写更正原因" in refused.content.decode()
    response = submit(client, enterprises["yu_gxj"], {"year": 2025, "month": 6, "revenue": "65",
                                                      "reason": "少计一笔销售收入"})
    html = response.content.decode()
    assert "已提交更正申请，待中小企业服务中心审核" in html
    assert stored(enterprises["yu_gxj"]).revenue == JUNE_2025["revenue"]
    correction = FigureCorrectionRequest.objects.get()
    assert correction.proposed == {"revenue": "650000.00"} and correction.reason == "少计一笔销售收入"
    assert "待审核" in html and "63.00 → 65.00" in html  # shown on the enterprise's page, in 万元


# --- the review pages -----------------------------------------------------------------------------

def test_the_review_list_shows_pending_requests_in_scope_in_wan(client, yuxian_clerk, xiaoyi_clerk, pending):
    client.force_login(yuxian_clerk)
    response = client.get(reverse("enterprises:corrections"))
    html = response.content.decode()
    assert [c.pk for c in response.context["page"].object_list] == [pending.pk]
    assert "当月主营业务收入（万元）：63.00 → 65.00" in html and "当月税收（万元）" not in html
    assert "从业人员（人）：35 → —" in html and "财务复核后更正" in html
    client.force_login(xiaoyi_clerk)
    assert list(client.get(reverse("enterprises:corrections")).context["page"].object_list) == []


@pytest.mark.parametrize("persona", ["yangquan_leader", "enterprise_user", "api_client"])
def test_the_review_list_is_for_registry_writers(client, all_personas, pending, persona):
    client.force_login(all_personas[persona])
    assert client.get(reverse("enterprises:corrections")).status_code == 403


def test_a_clerk_approves_on_the_page_and_the_book_shows_who(client, yuxian_clerk, enterprises, pending, today_is):
    client.force_login(yuxian_clerk)
    page = detail(client, enterprises["yu_gxj"]).content.decode()
    assert reverse("enterprises:correction_approve", args=[pending.pk]) in page
    response = client.post(reverse("enterprises:correction_approve", args=[pending.pk]),
                           {"note": "核对无误", "next": reverse("enterprises:detail", args=[enterprises["yu_gxj"].pk])},
                           follow=True)
    html = response.content.decode()
    assert "已批准盂县耐火材料有限公司 2025年6月更正申请" in html
    assert "当月主营业务收入：63.00万元 → 65.00万元" in html and "xiaowang" in html  # the audit trail, in 万元
    assert stored(enterprises["yu_gxj"]).revenue == Decimal("650000.00")


def test_rejecting_on_the_page_needs_a_note(client, yuxian_clerk, pending):
    client.force_login(yuxian_clerk)
    response = client.post(reverse("enterprises:correction_reject", args=[pending.pk]), {"note": ""}, follow=True)
    assert "驳回更正申请须填写审核意见" in response.content.decode()
    pending.refresh_from_db()
    assert pending.is_pending
    client.post(reverse("enterprises:correction_reject", args=[pending.pk]), {"note": "与报表不符"})
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.REJECTED


def test_staff_outside_scope_get_404_like_a_missing_request(client, xiaoyi_clerk, pending):
    client.force_login(xiaoyi_clerk)
    for name in ("enterprises:correction_approve", "enterprises:correction_reject"):
        assert client.post(reverse(name, args=[pending.pk]), {"note": "x"}).status_code == 404
        assert client.post(reverse(name, args=[pending.pk + 1000]), {"note": "x"}).status_code == 404
    pending.refresh_from_db()
    assert pending.is_pending


def test_the_requester_cannot_approve_on_the_page(client, enterprise_user, enterprises, pending):
    client.force_login(enterprise_user)
    page = detail(client, enterprises["yu_gxj"]).content.decode()
    assert "待中小企业服务中心审核" in page
    assert reverse("enterprises:correction_approve", args=[pending.pk]) not in page
    assert client.post(reverse("enterprises:correction_approve", args=[pending.pk])).status_code == 403
    pending.refresh_from_db()
    assert pending.is_pending


def test_an_unsafe_next_is_ignored(client, yuxian_clerk, pending, today_is):
    client.force_login(yuxian_clerk)
    response = client.post(reverse("enterprises:correction_approve", args=[pending.pk]),
                           {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("enterprises:corrections")
