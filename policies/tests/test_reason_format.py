"""Decision reasons read the way staff read (issue 9 item 3): money in 万元 with 2 decimals and
thousands separators (never "5638.780554万元"), rates as written by hand, labels not keys."""
import re
from datetime import date
from decimal import Decimal

from .conftest import entered
from .test_rules_pingdingshan import listing, pfacts, refinancing

WAN_AMOUNT = re.compile(r"([\d,]+(?:\.\d+)?)万元")


def amounts_in(reason):
    return WAN_AMOUNT.findall(reason)


def test_the_revenue_in_a_reason_has_two_decimals(decide):
    f = pfacts("410403", [entered(date(2023, 12, 1))], annual_revenue={2023: Decimal("56387805.54")})
    reason = decide(f, 2023)["pingdingshan-revenue-bonus"].reason
    assert "主营业务收入5,638.78万元≥5,000.00万元" in reason
    assert "5638.780554" not in reason


def test_award_amounts_in_reasons_have_two_decimals(decide):
    decisions = decide(pfacts("410403", [entered(date(2023, 12, 1))]), 2023)
    reason = decisions["pingdingshan-first-entry"].reason
    assert "奖励5.00万元" in reason
    for decision in decisions.values():
        for amount in amounts_in(decision.reason):
            assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", amount), decision.reason


def test_a_refinancing_reason_reads_its_rate_as_written(decide):
    reason = decide(refinancing((6, "100000000", "zyeq", "0.80")), 2023)["pingdingshan-refinancing"].reason
    assert reason == "2023年符合条件的再融资10,000.00万元，按2‰计20.00万元"


def test_a_milestone_outside_the_rule_is_named_not_keyed(decide):
    reason = decide(listing(("main_board", "tutoring_filed", date(2022, 5, 23))), 2022)["pingdingshan-listing"].reason
    assert "main_board" not in reason and "tutoring_filed" not in reason
    assert "主板辅导备案：不在本条有效期" in reason
