"""The lagging rule and the calendar, without a database."""
from decimal import Decimal

import pytest

from reports.domain import progress


def test_a_flow_target_is_expected_pro_rata_of_the_months_ended():
    share = progress.elapsed_share(6)
    assert share == Decimal("0.5000")
    assert progress.expected_to_date("net_increase", 10, share) == Decimal("5.0")
    assert progress.is_lagging(4, Decimal("5.0")) and not progress.is_lagging(5, Decimal("5.0"))
    assert progress.expected_to_date("new_entries", 19, progress.elapsed_share(12)) == Decimal("19.0")


def test_an_in_scale_target_moves_from_the_years_start_towards_the_target():
    # 孝义: 200 in scale by the end of the year, 180 at its start; by June 190 are expected.
    assert progress.expected_to_date("in_scale", 200, progress.elapsed_share(6), baseline=180) == Decimal("190.0")
    # already above it at the start: the target itself is what is expected
    assert progress.expected_to_date("in_scale", 200, progress.elapsed_share(1), baseline=210) == Decimal("200")


def test_completion_and_ranking():
    assert progress.completion(3, 4) == Decimal("0.7500")
    assert progress.completion(2, 0) is None
    keys = sorted([("a", progress.completion(1, 4), 1, 4), ("b", progress.completion(1, 1), 1, 1),
                   ("c", None, 0, 0)], key=lambda r: progress.rank_key(r[1], r[2], r[3], r[0]))
    assert [k[0] for k in keys] == ["b", "c", "a"]  # a zero target met counts as complete


def test_the_declaration_calendar_follows_yuxian_three_four():
    december = {slot.key: current for slot, current in progress.declaration_calendar(12)}
    assert december == {"monthly": True, "prepare": False, "batch_1": False, "batch_2": True}


def test_a_month_out_of_range_is_refused():
    with pytest.raises(ValueError):
        progress.elapsed_share(13)
