"""统计上大中小微型企业划分办法（2017）, 工业: both headcount and revenue must reach a class."""
from decimal import Decimal

import pytest

from enterprises.domain.size import industrial_size_class
from enterprises.models import EnterpriseSize

WAN = Decimal(10000)


@pytest.mark.parametrize("employees, revenue_wan, expected", [
    (1000, 40000, "large"),
    (999, 40000, "medium"),        # 从业人员 below 1000: not large, whatever the revenue
    (1500, 39999, "medium"),
    (300, 2000, "medium"),
    (300, 1999, "small"),          # 营业收入 2000万元以下: small even with 300 people
    (20, 300, "small"),
    (19, 5000, "micro"),           # 从业人员20人以下 is micro
    (50, 299, "micro"),            # 营业收入300万元以下 is micro
])
def test_the_industry_row_of_the_2017_classification(employees, revenue_wan, expected):
    assert industrial_size_class(employees, Decimal(revenue_wan) * WAN) == expected


def test_an_unknown_figure_gives_no_class_rather_than_a_guess():
    assert industrial_size_class(None, Decimal(5000) * WAN) is None
    assert industrial_size_class(50, None) is None


def test_every_class_it_gives_is_a_registry_choice():
    assert {"large", "medium", "small", "micro"} <= set(EnterpriseSize.values)
