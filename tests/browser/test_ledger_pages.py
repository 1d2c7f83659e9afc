"""The 免申即享 ledger in a real browser: the clerk computes a year, reviews the
entitlements, hands finance its list, reads one enterprise's reasons and asks
what the 阳泉 draft would cost; a leader reads, another county sees nothing."""
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from enterprises.services import scale_event_record
from incentives import services
from incentives.models import Entitlement, EntitlementBatch, EntitlementStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YU = "盂县耐火材料有限公司"
SHANXI_ENTRY = "首次“小升规”省级奖励"
YANGQUAN_ENTRY = "首次“小升规”市级一次性配套奖励"


@pytest.fixture
def first_entry(policies_loaded, enterprises, yuxian_clerk):
    """The 盂县 enterprise entered scale for the first time on 2024-12-01."""
    enterprise = enterprises["yu_gxj"]
    scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="first_entry", on=date(2024, 12, 1))
    # A 小微 enterprise, as 阳办发[2021]11号 二(二)4's continued awards require (issue 10 item 3).
    enterprise.size_class = "small"
    enterprise.save(update_fields=["size_class"])
    return enterprise


@pytest.fixture
def computed_2024(first_entry, jurisdictions, yuxian_clerk):
    """The 2024 batch for 盂县, run as the clerk's button would run it."""
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024, requested_by=yuxian_clerk)
    services.entitlement_batch_run(batch_id=batch.pk)
    # 省 30万, 阳泉 10万, and 盂县's county matching (盂促企组办发[2024]1号 三(八)), amount set by 盂县财政.
    assert Entitlement.objects.filter(enterprise=first_entry, year=2024).count() == 3
    return first_entry


def ledger_row(page, rule_title):
    return page.locator("[data-testid=entitlement-table] tbody tr", has_text=rule_title)


def cells_of(row):
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_a_clerk_computes_and_reviews_the_head_approves_and_finance_records_payment(
        login, yuxian_clerk, yuxian_chief, yuxian_finance, first_entry):
    """Separation of duties: 小王 computes and reviews (初审), cannot approve his own review,
    老陈 approves (审批) and exports the finance list, 周丽 of 盂县财政 records payment (拨付)."""
    page = login(yuxian_clerk)
    with page.expect_navigation():
        page.click("header nav >> text=奖补兑现")
    assert "暂无记录" in page.locator("[data-testid=entitlement-table]").inner_text()
    form = page.locator("[data-testid=batch-form]")
    form.locator("[name=jurisdiction]").select_option(label="盂县")
    form.locator("[name=year]").fill("2024")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已提交免申即享计算" in page.locator(".messages").inner_text()

    batch = EntitlementBatch.objects.get()
    assert (batch.jurisdiction.name, batch.year, batch.status) == ("盂县", 2024, EntitlementBatch.Status.FINISHED)
    assert batch.requested_by == yuxian_clerk
    rows = {e.rule.key: e for e in Entitlement.objects.filter(enterprise=first_entry, year=2024).select_related("rule")}
    county = rows.pop("yuxian-county-first-entry")  # due, amount set by 盂县财政 (issue 10 item 2)
    assert county.amount is None and county.payers == [{"payer": "盂县财政", "amount": None}]
    assert set(rows) == {"shanxi-first-entry", "yangquan-first-entry"}
    assert rows["shanxi-first-entry"].amount == Decimal("300000.00")
    assert rows["yangquan-first-entry"].amount == Decimal("100000.00")
    assert {e.status for e in rows.values()} == {EntitlementStatus.PENDING}

    shanxi = ledger_row(page, SHANXI_ENTRY)
    yangquan = ledger_row(page, YANGQUAN_ENTRY)
    for row, payer, amount in ((shanxi, "山西省财政", "30.00"), (yangquan, "阳泉市财政", "10.00")):
        assert row.count() == 1
        cells = cells_of(row)
        assert cells[1] == "2024" and YU in cells[2]
        assert cells[5] == amount
        assert cells[6] == f"{payer} {amount}"
        assert cells[7] == "待审核"

    # 初审 by the clerk who computed them.
    sign(page, rows.values(), "review")
    assert "已初审2条" in page.locator(".messages").inner_text()
    for entitlement in rows.values():
        assert page.locator(f"[data-testid=status-{entitlement.pk}]").inner_text() == "已初审"
        assert "初审：xiaowang" in page.locator(f"[data-testid=signoff-{entitlement.pk}]").inner_text()
        entitlement.refresh_from_db()
        assert (entitlement.status, entitlement.reviewed_by) == (EntitlementStatus.REVIEWED, yuxian_clerk)
    assert page.locator("[data-testid=pay]").count() == 0  # staff do not record payment in 盂县

    # He cannot approve what he reviewed: nothing moves, and the page says how many and why.
    sign(page, rows.values(), "approve")
    said = page.locator(".messages").inner_text()
    assert "已审批0条" in said and "2条由您初审，须由他人审批" in said
    for entitlement in rows.values():
        assert page.locator(f"[data-testid=status-{entitlement.pk}]").inner_text() == "已初审"

    # 审批 by the head of the center.
    page.context.clear_cookies()
    page = login(yuxian_chief)
    page.goto("/incentives/")
    sign(page, rows.values(), "approve")
    assert "已审批2条" in page.locator(".messages").inner_text()
    for entitlement in rows.values():
        assert page.locator(f"[data-testid=status-{entitlement.pk}]").inner_text() == "已审批"
        people = page.locator(f"[data-testid=signoff-{entitlement.pk}]").inner_text()
        assert "初审：xiaowang" in people and "审批：陈刚" in people
        entitlement.refresh_from_db()
        assert entitlement.status == EntitlementStatus.APPROVED
        assert (entitlement.reviewed_by, entitlement.approved_by) == (yuxian_clerk, yuxian_chief)

    with page.expect_download() as info:
        page.click("[data-testid=finance-export]")
    download = info.value
    assert download.suggested_filename.startswith("entitlements-approved-")
    with open(download.path(), "rb") as saved:
        sheet = openpyxl.load_workbook(io.BytesIO(saved.read())).active
    header, *lines = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    assert header[:10] == ("年度", "区域", "企业名称", "统一社会信用代码", "奖补项目", "依据", "出资方", "出资金额（万元）",
                           "合计金额（万元）", "状态")
    assert sorted((line[0], line[2], line[3], line[4], line[6], Decimal(str(line[7])), line[9]) for line in lines) == [
        (2024, YU, first_entry.credit_code, YANGQUAN_ENTRY, "阳泉市财政", Decimal("10"), "已审批"),
        (2024, YU, first_entry.credit_code, SHANXI_ENTRY, "山西省财政", Decimal("30"), "已审批"),
    ]
    assert header[10:14] == ("初审人", "审批人", "拨付登记人", "拨付日期")
    assert all(line[10:13] == ("xiaowang", "陈刚", None) for line in lines)

    # 拨付 recorded by finance, who reads the ledger and signs nothing else.
    page.context.clear_cookies()
    page = login(yuxian_finance)
    page.goto("/incentives/")
    for control in ("review", "approve", "reject", "batch-form"):
        assert page.locator(f"[data-testid={control}]").count() == 0
    page.fill("input[name=paid_on]", "2025-03-01")
    page.fill("[data-testid=payment-reference]", "  晋财拨〔2025〕18号 ")
    sign(page, rows.values(), "pay")
    assert "已登记拨付2条" in page.locator(".messages").inner_text()
    for entitlement in rows.values():
        assert page.locator(f"[data-testid=status-{entitlement.pk}]").inner_text() == "已拨付（2025-03-01，凭证号 晋财拨〔2025〕18号）"
        people = page.locator(f"[data-testid=signoff-{entitlement.pk}]").inner_text()
        assert "初审：xiaowang" in people and "审批：陈刚" in people and "拨付登记：周丽" in people
        entitlement.refresh_from_db()
        assert entitlement.status == EntitlementStatus.PAID and entitlement.paid_on == date(2025, 3, 1)
        assert entitlement.payment_reference == "晋财拨〔2025〕18号"
        assert (entitlement.reviewed_by, entitlement.approved_by, entitlement.paid_by) == (
            yuxian_clerk, yuxian_chief, yuxian_finance)


def sign(page, entitlements, action):
    """Tick the entitlements and press the button of one sign-off step."""
    for entitlement in entitlements:
        page.check(f"input[name=ids][value='{entitlement.pk}']")
    with page.expect_navigation():
        page.click(f"[data-testid={action}]")


def test_the_enterprise_page_gives_the_reasons_for_each_rule(login, yuxian_clerk, computed_2024):
    page = login(yuxian_clerk)
    page.goto("/incentives/")
    with page.expect_navigation():
        ledger_row(page, SHANXI_ENTRY).get_by_role("link", name=YU).click()
    assert page.url.endswith(f"/incentives/enterprises/{computed_2024.pk}/?year=2024")
    table = page.locator("[data-testid=decision-table]")
    table.wait_for()
    assert f"{YU}：2024年应享政策" in page.locator("h1").inner_text()

    shanxi = cells_of(table.locator("tbody tr", has_text=SHANXI_ENTRY))
    assert shanxi[0] == "符合" and shanxi[3] == "30.00"
    assert "首次入规（2024-12-01），奖励30.00万元" in shanxi[5]  # 万元 with 2 decimals
    yangquan = cells_of(table.locator("tbody tr", has_text=YANGQUAN_ENTRY))
    assert yangquan[0] == "符合" and yangquan[3] == "10.00" and "阳泉市财政" in yangquan[4]
    year2 = cells_of(table.locator("tbody tr", has_text="上规入统后连续2年在规配套奖励"))
    assert year2[0] == "不符合"
    assert "2024年为连续在规第1年，本条奖励第2年" in year2[5]
    assert "40.00" in page.locator("[data-testid=owed-total]").inner_text()

    # The next year the second-year award passes.
    form = page.locator("form.filters")
    form.locator("[name=year]").fill("2025")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    year2_2025 = cells_of(page.locator("[data-testid=decision-table] tbody tr", has_text="上规入统后连续2年在规配套奖励"))
    assert year2_2025[0] == "符合" and year2_2025[3] == "5.00"


def test_a_what_if_of_the_yangquan_draft_shows_the_cost_by_year_and_payer(login, yuxian_clerk, first_entry):
    page = login(yuxian_clerk)
    page.goto("/incentives/")
    with page.expect_navigation():
        page.click("text=政策测算（what-if）")
    form = page.locator("[data-testid=what-if-form]")
    form.locator("[name=jurisdiction]").select_option(label="盂县")
    form.locator("[name=document]").select_option("yangquan-2024-amendment-draft")
    form.locator("[name=effective_from]").fill("2025-01-01")
    form.locator("[name=year_from]").fill("2024")
    form.locator("[name=year_to]").fill("2025")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    totals = page.locator("[data-testid=what-if-totals]")
    totals.wait_for()
    assert "自 2025" in page.locator("h2").first.inner_text()
    rows = sorted(tuple(cells_of(totals.locator("tbody tr").nth(i))) for i in range(totals.locator("tbody tr").count()))
    assert rows == [
        ("2024", "山西省财政", "30.00", "30.00", "0.00"),
        ("2024", "阳泉市财政", "10.00", "10.00", "0.00"),
        ("2025", "阳泉市财政", "5.00", "0.00", "-5.00"),
    ]
    changes = page.locator("[data-testid=what-if-changes]")
    changed = cells_of(changes.locator("tbody tr", has_text=YU))
    assert changed[0] == "2025" and changed[2] == "5.00" and changed[3] == "0.00"
    assert "上规入统后连续2年在规配套奖励" in changed[4]
    # A what-if writes nothing.
    assert not Entitlement.objects.exists()
    assert not EntitlementBatch.objects.exists()


def test_a_leader_reads_the_ledger_without_review_controls(login, yangquan_leader, computed_2024):
    page = login(yangquan_leader)
    page.goto("/incentives/")
    table = page.locator("[data-testid=entitlement-table]")
    table.wait_for()
    assert ledger_row(page, SHANXI_ENTRY).count() == 1
    assert ledger_row(page, YANGQUAN_ENTRY).count() == 1
    assert page.locator("[data-testid=batch-form]").count() == 0
    # no boxes to tick in the ledger (the phone menu's toggle in the header is a checkbox too)
    assert page.locator("main input[type=checkbox]").count() == 0
    assert page.locator("[data-testid=approve]").count() == 0


def test_a_xiaoyi_clerk_sees_none_of_the_yuxian_rows_and_cannot_approve_them(login, xiaoyi_clerk, computed_2024):
    page = login(xiaoyi_clerk)
    page.goto("/incentives/")
    table = page.locator("[data-testid=entitlement-table]")
    table.wait_for()
    assert YU not in table.inner_text()
    assert "暂无记录" in table.inner_text()
    assert "盂县" not in page.locator("[data-testid=batch-form] [name=jurisdiction]").inner_text()

    # Even a hand-made approval of the 盂县 rows changes nothing.
    ids = list(Entitlement.objects.values_list("pk", flat=True))
    page.evaluate("""ids => {
        const form = document.querySelector('[data-testid=review-form]');
        for (const id of ids) { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'ids';
                                i.value = id; form.appendChild(i); }
        const a = document.createElement('input'); a.type = 'hidden'; a.name = 'action'; a.value = 'approve';
        form.appendChild(a);
    }""", ids)
    with page.expect_navigation():
        page.evaluate("document.querySelector('[data-testid=review-form]').submit()")
    said = page.locator(".messages").inner_text()
    assert "已审批0条" in said and f"{len(ids)}条状态不符，未处理" in said  # as if they did not exist
    assert set(Entitlement.objects.values_list("status", flat=True)) == {EntitlementStatus.PENDING}

    response = page.goto(f"/incentives/enterprises/{computed_2024.pk}/?year=2024")
    assert response.status == 404



def test_a_mistyped_year_in_the_address_of_the_decision_page_is_not_a_server_error(login, yuxian_clerk, first_entry):
    page = login(yuxian_clerk)
    for year in ("abc", "0", "99999"):
        response = page.goto(f"/incentives/enterprises/{first_entry.pk}/?year={year}")
        assert response.status < 500, f"?year={year} gave {response.status}"


def test_the_finance_export_link_works_when_the_ledger_ignored_a_bad_year(login, yuxian_clerk, computed_2024):
    page = login(yuxian_clerk)
    response = page.goto("/incentives/?year=abc")
    assert response.status == 200
    assert ledger_row(page, SHANXI_ENTRY).count() == 1  # the bad filter was ignored: all rows shown
    href = page.locator("[data-testid=finance-export]").get_attribute("href")
    export = page.request.get(href)
    assert export.status == 200, f"{href} gave {export.status}"
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("persona", ["enterprise_user", "yuxian_department_user"])
def test_the_finance_export_link_is_offered_only_to_those_allowed_to_use_it(request, login, persona, computed_2024):
    user = request.getfixturevalue(persona)
    page = login(user)
    page.goto("/incentives/")
    page.locator("[data-testid=entitlement-table]").wait_for()
    link = page.locator("[data-testid=finance-export]")
    if link.count():
        export = page.request.get(link.get_attribute("href"))
        assert export.status == 200, f"{persona} is offered the finance export but gets {export.status}"
