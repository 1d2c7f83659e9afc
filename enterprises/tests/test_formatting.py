"""Figures and people the way staff read them (issue 9 item 3): plain functions, no database."""
from decimal import Decimal

import pytest
from django.template import Context, Template

from enterprises.domain import formatting
from enterprises.models import User


class TestMoney:
    def test_yuan_are_shown_in_wan_with_two_decimals_and_separators(self):
        assert formatting.wan_yuan(Decimal("56387805.54")) == "5,638.78万元"
        assert formatting.wan(Decimal("56387805.54")) == "5,638.78"

    def test_the_policy_reasons_example_rounds_half_up(self):
        # 5638.780554万元 in the issue: 56,387,805.54 yuan
        assert formatting.wan_yuan(Decimal("56387805.54")) == "5,638.78万元"
        assert formatting.wan_yuan(Decimal("50")) == "0.01万元"  # 0.005 → 0.01
        assert formatting.wan_yuan(Decimal("300000")) == "30.00万元"

    def test_unknown_money_is_a_dash_never_zero(self):
        assert formatting.wan_yuan(None) == "—"
        assert formatting.wan_yuan("") == "—"
        assert formatting.wan_yuan("not a number") == "—"
        assert formatting.wan_yuan(0) == "0.00万元"

    def test_text_and_floats_from_stored_json_are_read_as_numbers(self):
        assert formatting.wan_yuan("23363400.00") == "2,336.34万元"
        assert formatting.wan_yuan(12345.6) == "1.23万元"

    def test_negative_amounts_keep_their_sign_and_no_negative_zero(self):
        assert formatting.wan_yuan(Decimal("-1234500")) == "-123.45万元"
        assert formatting.wan_yuan(Decimal("-1")) == "0.00万元"

    def test_an_amount_just_below_a_line_is_not_rounded_onto_it(self):
        assert formatting.wan_yuan_apart(Decimal("49999999.99"), Decimal("50000000")) == "4,999.999999万元"
        assert formatting.wan_yuan_apart(Decimal("40000000"), Decimal("50000000")) == "4,000.00万元"
        assert formatting.wan_yuan_apart(Decimal("49999500"), Decimal("50000000")) == "4,999.95万元"


class TestPercent:
    def test_a_ratio_is_a_signed_percentage_with_one_decimal(self):
        assert formatting.percent(Decimal("0.1712")) == "+17.1%"
        assert formatting.percent("0.1712") == "+17.1%"  # as older evidence rows hold it
        assert formatting.percent(Decimal("-0.2500")) == "-25.0%"
        assert formatting.percent(0) == "0.0%"
        assert formatting.percent(None) == "—"

    def test_a_share_is_unsigned_without_needless_zeros(self):
        assert formatting.percent(Decimal("0.8"), signed=False) == "80.0%"
        assert formatting.share(Decimal("0.5")) == "50%"
        assert formatting.share(1) == "100%"
        assert formatting.share(Decimal(1) / 3) == "33.33%"
        assert formatting.share(None) == "—"


class TestKwh:
    def test_electricity_is_whole_kwh_with_separators(self):
        assert formatting.kwh(Decimal("166078.800000000")) == "166,079"
        assert formatting.kwh("166078.800000000") == "166,079"
        assert formatting.kwh(Decimal("0.4")) == "0"
        assert formatting.kwh(None) == "—"


class TestOtherNumbers:
    def test_a_factor_is_written_as_by_hand(self):
        assert formatting.plain(Decimal("3.00")) == "3"
        assert formatting.plain(Decimal("2.50")) == "2.5"
        assert formatting.plain(Decimal("2.000")) == "2"

    def test_counts_read_as_a_sentence_in_the_labels_order(self):
        labels = {"exit_risk": "退规风险", "unchanged": "未变化", "created": "新增"}
        text = formatting.counts_text({"unchanged": 8, "exit_risk": 2, "mystery": 1}, labels)
        assert text == "退规风险 2 条、未变化 8 条、mystery 1 条"
        assert formatting.counts_text({}, labels) == ""
        assert formatting.counts_text(None, labels) == ""


class TestPerson:
    def test_a_chinese_name_is_family_name_then_given_name_without_a_space(self):
        assert formatting.person(User(username="clerk_yuxian", last_name="王", first_name="小明")) == "王小明"

    def test_a_full_name_in_one_field_is_used_as_it_is(self):
        assert formatting.person(User(username="clerk_yuxian", first_name="王小明")) == "王小明"

    def test_a_western_name_follows_get_full_name(self):
        assert formatting.person(User(username="jdoe", first_name="Jane", last_name="Doe")) == "Jane Doe"

    def test_without_a_name_the_user_name_is_shown(self):
        assert formatting.person(User(username="clerk_yuxian")) == "clerk_yuxian"
        assert formatting.person(User(username="clerk_yuxian", first_name="  ")) == "clerk_yuxian"

    def test_nobody_is_a_dash(self):
        assert formatting.person(None) == "—"

    def test_a_user_prints_as_their_name_everywhere(self):
        """Forms, pages, e-mails and exports print users with str(): it is their name."""
        assert str(User(username="clerk_yuxian", last_name="王", first_name="小明")) == "王小明"


class TestTemplateFilters:
    @pytest.mark.parametrize("source, expected", [
        ("{{ amount|wan_yuan }}", "5,638.78万元"),
        ("{{ ratio|percent }}", "+17.1%"),
        ("{{ electricity|kwh }}", "166,079"),
        ("{{ part|share }}", "50%"),
        ("{{ clerk|person }}", "王小明"),
        ("{{ nobody|person }}", "—"),
    ])
    def test_each_filter(self, source, expected):
        context = Context({"amount": Decimal("56387805.54"), "ratio": Decimal("0.1712"),
                           "electricity": Decimal("166078.800000000"), "part": Decimal("0.5"),
                           "clerk": User(username="clerk_yuxian", last_name="王", first_name="小明"), "nobody": None})
        assert Template("{% load formatting %}" + source).render(context) == expected

    def test_the_wan_filter_shares_the_rules(self):
        assert Template("{% load money %}{{ v|wan }}").render(Context({"v": Decimal("56387805.54")})) == "5,638.78"
