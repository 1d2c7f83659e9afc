"""Issue 12 "Done when": an anonymous visitor on a 390 px phone checks seed situations end to end
on the public page (no login, no script needed) and sees the amounts and citations."""
import pytest
from django.core.cache import cache

from eligibility import catalog_cache

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    catalog_cache.forget()
    yield
    cache.clear()


def run_check(page, **fields):
    page.set_viewport_size(PHONE)
    page.goto("/check/")
    assert page.locator("[data-testid=current-user]").count() == 0  # anonymous, no staff navigation
    page.fill("#id_year", fields.pop("year"))
    page.fill("#id_place", fields.pop("place"))
    page.select_option("#id_entry_status", fields.pop("entry_status"))
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    with page.expect_navigation():
        page.click("[data-testid=check-submit]")
    page.wait_for_selector("[data-testid=check-result]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing scrolls sideways
    return page


def row(page, table, rule):
    return page.locator(f"[data-testid=decisions-{table}] tr[data-rule={rule}]")


def test_xiaoyi_first_entry_and_a_name_change_reentry(page, policies_loaded):
    run_check(page, year="2024", place="孝义", entry_status="first_entry", first_entry_on="2024-06-01")
    provincial = row(page, "owed", "shanxi-first-entry")
    text = provincial.inner_text()
    assert "30.00" in text and "山西省财政" in text
    assert "晋办发〔2020〕38号 首次“小升规”省级奖励" in text and "第一年省级财政奖励30万元" in text
    assert "孝政办发[2022]44号 三(四)" in text
    assert "30.00" in page.locator("[data-testid=owed-total]").inner_text()

    run_check(page, year="2024", place="孝义市", entry_status="first_entry", first_entry_on="2020-03-01",
              exited_on="2022-01-01", reentered_on="2024-03-01")
    page.check("#id_reentry_name_changed")
    with page.expect_navigation():
        page.click("[data-testid=check-submit]")
    missed = row(page, "missed", "shanxi-first-entry").inner_text()
    assert "仅变更名称再次入规" in missed and "不予享受财政奖励" in missed


def test_pingdingshan_xinhua_split_and_yuxian_with_the_draft(page, policies_loaded):
    run_check(page, year="2024", place="新华区", entry_status="first_entry", first_entry_on="2024-03-01",
              revenue="6200")
    bonus = row(page, "owed", "pingdingshan-revenue-bonus").inner_text()
    assert "3.00" in bonus and "平顶山市财政 1.50" in bonus and "新华区财政 1.50" in bonus
    assert "平政办〔2022〕15号 附件2 四(三)" in bonus
    assert "8.00" in page.locator("[data-testid=owed-total]").inner_text()

    run_check(page, year="2024", place="盂县", entry_status="first_entry", first_entry_on="2024-06-01")
    assert "阳办发[2021]11号 二(二)4" in row(page, "owed", "yangquan-first-entry").inner_text()
    assert "40.00" in page.locator("[data-testid=owed-total]").inner_text()
    draft = page.locator("[data-testid=draft-yangquan-2024-amendment-draft]")
    assert "若该草案通过" in draft.inner_text()
    assert "40.00" in draft.locator("[data-testid=draft-total]").inner_text()


def test_shuncheng_paid_once_and_an_error_names_the_field(page, policies_loaded):
    run_check(page, year="2024", place="顺城区", entry_status="first_entry", first_entry_on="2023-03-01",
              exited_on="2023-12-31", reentered_on="2024-06-01", paid_award_year="2023")
    # paid_award is a select: choose it and check again.
    page.select_option("#id_paid_award", "fushun-city-entry")
    with page.expect_navigation():
        page.click("[data-testid=check-submit]")
    fushun = row(page, "missed", "fushun-city-entry").inner_text()
    assert "每户只享受一次，已于2023年享受" in fushun and "抚政办规〔2023〕4号 第十五条" in fushun

    page.goto("/check/")
    page.fill("#id_year", "2024")
    page.fill("#id_place", "不存在县")
    with page.expect_navigation():
        page.click("[data-testid=check-submit]")
    assert "没有找到名称含“不存在县”的区域" in page.locator("[data-testid=error-place]").inner_text()
