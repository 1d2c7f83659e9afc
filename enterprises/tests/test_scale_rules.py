from datetime import date

from enterprises.domain.scale import Event, check_next, classify_entry, consecutive_years_in_scale, in_scale_on


def ev(kind, day, name="甲公司"):
    return Event(kind, day, name)


def test_a_first_entry_needs_no_history():
    assert check_next([], "first_entry", date(2023, 12, 1)) is None


def test_an_exit_needs_the_enterprise_in_scale():
    assert check_next([], "exit", date(2023, 12, 1)) == "企业当前不在规上，不能登记退规"


def test_a_second_first_entry_is_refused():
    history = [ev("first_entry", date(2022, 12, 1)), ev("exit", date(2023, 12, 1))]
    assert check_next(history, "first_entry", date(2024, 12, 1)) == "企业此前已入规，应登记为二次入规"


def test_events_must_be_recorded_in_date_order():
    history = [ev("first_entry", date(2022, 12, 1))]
    assert "之后已有规模状态事件" in check_next(history, "exit", date(2022, 6, 1))


def test_a_reentry_under_the_same_name_is_a_plain_reentry():
    history = [ev("first_entry", date(2021, 12, 1)), ev("exit", date(2022, 12, 1))]
    assert classify_entry(history, "reentry", "甲公司") == "reentry"


def test_a_reentry_under_a_new_name_is_a_name_change_reentry_whatever_was_asked():
    history = [ev("first_entry", date(2021, 12, 1)), ev("exit", date(2022, 12, 1))]
    assert classify_entry(history, "first_entry", "乙公司") == "name_change_reentry"


def test_status_on_a_day_follows_the_events():
    history = [ev("first_entry", date(2021, 12, 1)), ev("exit", date(2023, 6, 1))]
    assert in_scale_on(history, date(2022, 1, 1))
    assert not in_scale_on(history, date(2023, 12, 31))
    assert not in_scale_on(history, date(2021, 1, 1))


def test_consecutive_years_counts_year_ends_without_a_break():
    history = [ev("first_entry", date(2021, 11, 15))]
    assert consecutive_years_in_scale(history, 2023) == 3
    broken = history + [ev("exit", date(2022, 3, 1)), ev("reentry", date(2022, 12, 1))]
    assert consecutive_years_in_scale(broken, 2023) == 2
