"""The reporting calendar (enterprises.domain.reporting) and the jurisdiction's deadline day."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from enterprises import selectors
from enterprises.domain import reporting


def test_a_month_ends_on_its_last_day_and_is_reportable_the_next():
    assert not reporting.has_ended(2026, 11, date(2026, 11, 30))
    assert reporting.has_ended(2026, 11, date(2026, 12, 1))
    assert not reporting.has_ended(2026, 12, date(2026, 11, 23))
    assert reporting.has_ended(2026, 12, date(2027, 1, 1))


def test_the_deadline_is_the_given_day_of_the_next_month():
    assert reporting.deadline(2025, 6, 10) == date(2025, 7, 10)
    assert reporting.deadline(2025, 12, 10) == date(2026, 1, 10)
    assert reporting.deadline(2024, 1, 28) == date(2024, 2, 28)


def test_a_month_is_open_from_its_end_through_its_deadline_inclusive():
    assert not reporting.is_open(2026, 10, 10, date(2026, 10, 31))
    assert reporting.is_open(2026, 10, 10, date(2026, 11, 1))
    assert reporting.is_open(2026, 10, 10, date(2026, 11, 10))
    assert not reporting.is_open(2026, 10, 10, date(2026, 11, 11))
    assert reporting.open_months(10, date(2026, 11, 5)) == [(2026, 10)]
    assert reporting.open_months(10, date(2026, 11, 23)) == []
    assert reporting.open_months(10, date(2027, 1, 3)) == [(2026, 12)]


def test_the_nearest_deadline_day_set_wins_else_the_tenth():
    assert reporting.deadline_day([None, None]) == reporting.DEFAULT_DEADLINE_DAY == 10
    assert reporting.deadline_day([None, 15, 5]) == 15
    assert reporting.deadline_day([]) == 10


def test_the_deadline_day_is_inherited_down_the_jurisdiction_tree(jurisdictions, django_assert_num_queries):
    town, county, city = jurisdictions["xiushui"], jurisdictions["yuxian"], jurisdictions["yangquan"]
    assert selectors.report_deadline(town, 2025, 6) == date(2025, 7, 10)  # nothing set anywhere
    city.report_deadline_day = 20
    city.save()
    assert selectors.report_deadline(town, 2025, 6) == date(2025, 7, 20)
    county.report_deadline_day = 15
    county.save()
    assert selectors.report_deadline(town, 2025, 6) == date(2025, 7, 15)
    town.report_deadline_day = 5
    town.save()
    with django_assert_num_queries(1):
        assert selectors.report_deadline(town, 2025, 12) == date(2026, 1, 5)
    assert selectors.report_deadline(jurisdictions["nanlou"], 2025, 6) == date(2025, 7, 15)  # a sibling town
    assert selectors.report_deadline(jurisdictions["xiaoyi"], 2025, 6) == date(2025, 7, 10)  # another branch


@pytest.mark.parametrize("day", [0, 29])
def test_a_deadline_day_must_exist_in_every_month(jurisdictions, day):
    county = jurisdictions["yuxian"]
    county.report_deadline_day = day
    with pytest.raises(ValidationError) as excinfo:
        county.full_clean()
    assert "report_deadline_day" in excinfo.value.message_dict
