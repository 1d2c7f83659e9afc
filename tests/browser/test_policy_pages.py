"""The policy catalog as a clerk reads it: documents, their rules, and what a
draft amendment would change if adopted."""
import pytest

from policies.models import IncentiveRule, PolicyDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT_NUMBER = "阳泉市中小企业发展中心修改意见（征求意见稿）"


def rule_row(page, title):
    return page.locator("[data-testid=rule-table] tbody tr", has_text=title)


def column_index(table, heading):
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    return next(i for i, text in enumerate(headings) if text.startswith(heading))


def open_document(page, number):
    page.goto("/")
    with page.expect_navigation():
        page.click("header nav >> text=政策文件")
    page.wait_for_selector("[data-testid=document-table]")
    with page.expect_navigation():
        page.locator("[data-testid=document-table]").get_by_role("link", name=number, exact=True).click()
    page.wait_for_selector("[data-testid=rule-table]")


def test_the_list_shows_every_document_of_the_catalog(login, yuxian_clerk, policies_loaded):
    page = login(yuxian_clerk)
    with page.expect_navigation():
        page.click("header nav >> text=政策文件")
    table = page.locator("[data-testid=document-table]")
    text = table.inner_text()
    for number in PolicyDocument.objects.values_list("number", flat=True):
        assert number in text
    draft_row = table.locator("tbody tr", has_text=DRAFT_NUMBER)
    assert "阳办发[2021]11号" in draft_row.inner_text()  # the document it amends


def test_the_yangquan_rules_show_that_the_draft_would_delete_the_continued_award(
        login, yuxian_clerk, policies_loaded):
    page = login(yuxian_clerk)
    open_document(page, "阳办发[2021]11号")
    assert page.locator("[data-testid=document-title]").inner_text() == "关于进一步推动我市中小微工业企业上规升级的实施意见"
    assert DRAFT_NUMBER in page.locator("main p", has_text="被修改").inner_text()

    table = page.locator("[data-testid=rule-table]")
    draft_column = column_index(table, f"若采纳{DRAFT_NUMBER}")
    live_column = column_index(table, "现行版本")
    amount_column = column_index(table, "金额（万元）")

    year2 = rule_row(page, "上规入统后连续2年在规配套奖励")
    assert year2.count() == 1
    cells = year2.locator("td")
    assert cells.nth(amount_column).inner_text() == "5.00"
    assert "删除" not in cells.nth(live_column).inner_text()     # in force today
    if_adopted = cells.nth(draft_column).inner_text()
    assert "删除" in if_adopted and DRAFT_NUMBER in if_adopted   # the draft deletes it
    assert "2024年11月21日" in if_adopted                         # the day before the draft's date

    year3 = rule_row(page, "上规入统后连续3年在规配套奖励")
    assert "删除" in year3.locator("td").nth(draft_column).inner_text()
    first_entry = rule_row(page, "首次“小升规”市级一次性配套奖励")
    assert first_entry.locator("td").nth(amount_column).inner_text() == "10.00"
    assert "删除" not in first_entry.locator("td").nth(draft_column).inner_text()  # item 3 keeps it

    # The draft changes nothing in the catalog itself.
    assert IncentiveRule.objects.filter(key="yangquan-continued-year2").exists()


def test_the_draft_page_lists_its_amendments(login, yuxian_clerk, policies_loaded):
    page = login(yuxian_clerk)
    open_document(page, "阳办发[2021]11号")
    with page.expect_navigation():
        page.get_by_role("link", name=DRAFT_NUMBER, exact=True).click()
    page.wait_for_selector("[data-testid=amendment-table]")
    main = page.locator("main").inner_text()
    assert "征求意见稿" in main
    assert "阳办发[2021]11号" in page.locator("main p", has_text="修改：").inner_text()
    amendments = page.locator("[data-testid=amendment-table]")
    deleted_rule = amendments.locator("tbody tr", has_text="规则 上规入统后连续2年在规配套奖励")
    assert deleted_rule.count() == 1
    assert "删除" in deleted_rule.inner_text()
    assert "3" in deleted_rule.locator("td").nth(2).inner_text()    # item 3 of the draft
    changed_clause = amendments.locator("tbody tr", has_text="二(二)4")
    assert "对当年首次“小升规”的工业企业" in changed_clause.inner_text()
    # A draft encodes no rules of its own.
    assert "本文件没有编码的奖补规则" in page.locator("[data-testid=rule-table]").inner_text()


def test_pingdingshan_entry_awards_are_shown_in_wan(login, yuxian_clerk, policies_loaded):
    page = login(yuxian_clerk)
    open_document(page, "平政办〔2022〕15号")
    rows = page.locator("[data-testid=rule-table] tbody tr", has_text="附件2 四(三)")
    assert rows.count() == 2
    table = page.locator("[data-testid=rule-table]")
    amount_column = column_index(table, "金额（万元）")
    amounts = sorted(rows.nth(i).locator("td").nth(amount_column).inner_text() for i in range(rows.count()))
    assert amounts == ["3.00", "5.00"]
    stored = sorted(IncentiveRule.objects.filter(document__key="pingdingshan-2022-15", clause__path="附件2 四(三)")
                    .values_list("amount", flat=True))
    assert [int(a) for a in stored] == [30000, 50000]  # yuan in the database
