"""平政办〔2022〕15号（平顶山）: 正文二, 正文末段 (funding split), 附件2 四(三)/四(七), 附件3 二(二)/二(七).

Source text: policies/data/texts/pingdingshan-2022-15.txt.
"""
from datetime import date
from decimal import Decimal

import pytest

from enterprises.domain.scale import Event
from policies.engine import EnterpriseFacts, ListingMilestone, PlatformGrade, RecognitionFact, Refinancing

from .conftest import entered, exited

EFFECTIVE = date(2022, 5, 24)  # 落款 2022-05-24
CITY = "平顶山市财政"
# The 12 county-level units of 平顶山 (附件2 二 lists the same twelve) → who pays the local part
# (正文末段：涉及市内五区的由市区两级各承担50%，涉及县(市)、石龙区的全部由当地财政承担).
UNITS = {
    "410402": ("新华区", "新华区财政", True),
    "410403": ("卫东区", "卫东区财政", True),
    "410411": ("湛河区", "湛河区财政", True),
    "410400-cxyth": ("城乡一体化示范区", "城乡一体化示范区财政", True),
    "410400-gxq": ("高新区", "高新区财政", True),
    "410404": ("石龙区", "石龙区财政", False),
    "410482": ("汝州市", "汝州市财政", False),
    "410481": ("舞钢市", "舞钢市财政", False),
    "410421": ("宝丰县", "宝丰县财政", False),
    "410425": ("郏县", "郏县财政", False),
    "410423": ("鲁山县", "鲁山县财政", False),
    "410422": ("叶县", "叶县财政", False),
}


def pfacts(unit="410403", events=(), **kwargs):
    """An enterprise in one of 平顶山's county-level units (default 卫东区)."""
    return EnterpriseFacts(key="P1", name="平顶山甲公司", jurisdiction_path=("410000", "410400", unit),
                           scale_events=tuple(Event(k, d, n) for k, d, n in events) if events is not None else None,
                           **kwargs)


def payers(decision):
    return {(p.payer, p.amount) for p in decision.payers}


def local(amount, unit="410403"):
    """The expected payers of a 100 % local award in `unit`."""
    _, district, halves = UNITS[unit]
    amount = Decimal(amount)
    if halves:
        return {(CITY, amount / 2), (district, amount / 2)}
    return {(district, amount)}


def in_scale_2021():
    return [entered(date(2021, 12, 1))]


# -- 正文二：2022年一季度满负荷生产且营收同比增长10%以上，20万元，省级和属地1∶1 ------------

def q1(unit="410403", events=None, full=True, growth="0.12"):
    kwargs = {}
    if full is not None:
        kwargs["q1_full_capacity"] = {2022: full}
    if growth is not None:
        kwargs["q1_revenue_growth"] = {2022: Decimal(growth)}
    return pfacts(unit, in_scale_2021() if events is None else events, **kwargs)


def test_二_full_capacity_and_10_percent_growth_gets_200000_split_province_and_local(decide):
    """二 对2022年第一季度保持连续满负荷生产且实现主营业务收入同比增长10%以上的规模以上工业企业，给予20万元的
    财政奖励，奖补资金由省级和属地财政按照1∶1比例分担，其中属地财政部分，按照现行财政体制分级负担。"""
    decision = decide(q1("410403"), 2022)["pingdingshan-full-capacity-2022"]
    assert decision.outcome == "pass" and decision.amount == Decimal("200000.00")
    assert payers(decision) == {("河南省财政", Decimal("100000.00")), (CITY, Decimal("50000.00")),
                                ("卫东区财政", Decimal("50000.00"))}
    assert str(decision.citation) == "平政办〔2022〕15号 二"
    assert decision.reference_date == date(2022, 3, 31)


def test_二_in_a_county_the_local_half_is_all_the_countys(decide):
    """二 + 正文末段 涉及县(市)的全部由当地财政承担: 汝州 pays the whole local half."""
    decision = decide(q1("410482"), 2022)["pingdingshan-full-capacity-2022"]
    assert payers(decision) == {("河南省财政", Decimal("100000.00")), ("汝州市财政", Decimal("100000.00"))}


def test_二_growth_of_exactly_10_percent_passes(decide):
    """二 同比增长10%以上: 10 % itself is enough (以上 includes the bound)."""
    assert decide(q1(growth="0.10"), 2022)["pingdingshan-full-capacity-2022"].outcome == "pass"


def test_二_growth_just_below_10_percent_fails(decide):
    """二 同比增长10%以上: 9.9 % fails."""
    decision = decide(q1(growth="0.099"), 2022)["pingdingshan-full-capacity-2022"]
    assert decision.outcome == "fail" and decision.amount is None and "未达10%" in decision.reason


def test_二_missing_growth_is_unknown(decide):
    """二: growth not recorded → unknown."""
    decision = decide(q1(growth=None), 2022)["pingdingshan-full-capacity-2022"]
    assert decision.outcome == "unknown" and "同比增速" in decision.reason


def test_二_missing_full_capacity_is_unknown(decide):
    """二 保持连续满负荷生产: not recorded → unknown."""
    decision = decide(q1(full=None), 2022)["pingdingshan-full-capacity-2022"]
    assert decision.outcome == "unknown" and "满负荷" in decision.reason


def test_二_not_at_full_capacity_fails(decide):
    """二 保持连续满负荷生产: recorded as not → fail, whatever the growth."""
    decision = decide(q1(full=False, growth="0.50"), 2022)["pingdingshan-full-capacity-2022"]
    assert decision.outcome == "fail" and "满负荷" in decision.reason


def test_二_an_enterprise_not_in_scale_on_31_march_fails(decide):
    """二 规模以上工业企业 in the first quarter: entered on 2022-04-01 → fail."""
    decision = decide(q1(events=[entered(date(2022, 4, 1))]), 2022)["pingdingshan-full-capacity-2022"]
    assert decision.outcome == "fail" and "第一季度不是规模以上" in decision.reason


def test_二_an_enterprise_in_scale_on_31_march_passes(decide):
    """二: in scale at the quarter's end (entered 2022-03-31) is a 规上 enterprise for Q1 as the engine reads it."""
    assert decide(q1(events=[entered(date(2022, 3, 31))]), 2022)["pingdingshan-full-capacity-2022"].outcome == "pass"


def test_二_an_enterprise_that_left_scale_in_q1_fails(decide):
    """二 规模以上工业企业: exited on 2022-02-15 → fail."""
    events = [entered(date(2020, 12, 1)), exited(date(2022, 2, 15))]
    assert decide(q1(events=events), 2022)["pingdingshan-full-capacity-2022"].outcome == "fail"


def test_二_without_scale_events_is_unknown(decide):
    """二: no scale events → unknown."""
    f = pfacts("410403", events=None, q1_full_capacity={2022: True}, q1_revenue_growth={2022: Decimal("0.2")})
    assert decide(f, 2022)["pingdingshan-full-capacity-2022"].outcome == "unknown"


@pytest.mark.parametrize("year", [2021, 2023, 2024])
def test_二_is_a_2022_only_measure(decide, year):
    """二 对2022年第一季度……: the rule does not exist for other years."""
    f = pfacts("410403", in_scale_2021(), q1_full_capacity={year: True}, q1_revenue_growth={year: Decimal("0.5")})
    assert "pingdingshan-full-capacity-2022" not in decide(f, year)


# -- 附件2 四(三)：首次入库5万元；年主营业务收入5000万元及以上再3万元 ------------------------

def test_四三_first_entry_gets_50000_paid_locally(decide):
    """附件2 四(三) 对首次入库的工业企业，给予5万元一次性奖励。"""
    decision = decide(pfacts("410403", [entered(date(2023, 12, 1))]), 2023)["pingdingshan-first-entry"]
    assert decision.outcome == "pass" and decision.amount == Decimal("50000.00")
    assert payers(decision) == local(50000)
    assert str(decision.citation) == "平政办〔2022〕15号 附件2 四(三)"


def test_四三_a_treated_entry_is_a_first_entry_into_the_库(decide):
    """附件2 四(三) 首次入库: a 新开工(投产) enterprise (三(一) 帮扶新开工(投产)工业企业投产升规模) enters the 库 for the first time."""
    f = pfacts("410482", [entered(date(2023, 12, 1), kind="treated_entry")])
    decision = decide(f, 2023)["pingdingshan-first-entry"]
    assert decision.outcome == "pass" and decision.amount == Decimal("50000.00")


@pytest.mark.parametrize("kind", ["reentry", "name_change_reentry"])
def test_四三_a_reentry_is_not_首次入库(decide, kind):
    """附件2 四(三) 首次入库: a return to the 库 gets neither award."""
    events = [entered(date(2021, 12, 1)), exited(date(2022, 12, 1)), entered(date(2023, 12, 1), kind=kind)]
    decisions = decide(pfacts("410403", events, annual_revenue={2023: Decimal("90000000")}), 2023)
    assert decisions["pingdingshan-first-entry"].outcome == "fail"
    assert decisions["pingdingshan-revenue-bonus"].outcome == "fail"


def test_四三_the_effective_date_bounds_the_entry(decide):
    """附件2 四(三) applies from the notice's date 2022-05-24: an entry the day before is not covered."""
    on = decide(pfacts("410403", [entered(EFFECTIVE)]), 2022)["pingdingshan-first-entry"]
    before = decide(pfacts("410403", [entered(date(2022, 5, 23))]), 2022)["pingdingshan-first-entry"]
    assert on.outcome == "pass"
    assert before.outcome == "fail" and "不在本条有效期内" in before.reason


def test_四三_revenue_of_exactly_50_million_gets_the_30000_bonus(decide):
    """附件2 四(三) 年主营业务收入达到5000万元及以上的企业，再给予3万元奖励。"""
    f = pfacts("410403", [entered(date(2023, 12, 1))], annual_revenue={2023: Decimal("50000000")})
    decisions = decide(f, 2023)
    bonus = decisions["pingdingshan-revenue-bonus"]
    assert bonus.outcome == "pass" and bonus.amount == Decimal("30000.00")
    assert payers(bonus) == local(30000)
    total = sum(d.amount for d in decisions.values() if d.outcome == "pass" and d.amount)
    assert total == Decimal("80000.00")


def test_四三_revenue_one_cent_below_50_million_fails(decide):
    """附件2 四(三) 达到5000万元: 49,999,999.99 fails; the 5万 stays."""
    f = pfacts("410403", [entered(date(2023, 12, 1))], annual_revenue={2023: Decimal("49999999.99")})
    decisions = decide(f, 2023)
    assert decisions["pingdingshan-revenue-bonus"].outcome == "fail"
    # 万元 with 2 decimals, but never rounded up to the line it misses by one cent.
    assert "主营业务收入4,999.999999万元，未达5,000.00万元" in decisions["pingdingshan-revenue-bonus"].reason
    assert decisions["pingdingshan-first-entry"].outcome == "pass"


def test_四三_missing_revenue_is_unknown(decide):
    """附件2 四(三): revenue of the entry year not recorded → unknown (another year's does not count)."""
    f = pfacts("410403", [entered(date(2023, 12, 1))], annual_revenue={2022: Decimal("90000000")})
    decision = decide(f, 2023)["pingdingshan-revenue-bonus"]
    assert decision.outcome == "unknown" and decision.amount is None and "主营业务收入" in decision.reason


def test_四三_no_entry_in_the_year_fails_both(decide):
    """附件2 四(三) 一次性奖励: the year after the entry owes nothing."""
    f = pfacts("410403", [entered(date(2023, 12, 1))], annual_revenue={2024: Decimal("90000000")})
    decisions = decide(f, 2024)
    assert decisions["pingdingshan-first-entry"].outcome == "fail"
    assert decisions["pingdingshan-revenue-bonus"].outcome == "fail"


# -- 附件2 四(七)：上市挂牌分段奖励、再融资2‰ ---------------------------------------------

def listing(*milestones):
    return pfacts("410403", in_scale_2021(), listing_milestones=tuple(ListingMilestone(*m) for m in milestones))


@pytest.mark.parametrize("board, stage, amount", [
    ("main_board", "tutoring_filed", 3000000),
    ("main_board", "application_accepted", 3000000),
    ("main_board", "listed", 4000000),
    ("star", "tutoring_filed", 3000000),
    ("chinext", "application_accepted", 3000000),
    ("bse", "listed", 4000000),
    ("neeq", "listed", 2000000),
    ("zyeq_trading", "listed", 300000),
])
def test_四七_listing_milestone_amounts(decide, board, stage, amount):
    """附件2 四(七) 对主板、科创板、创业板及北京证券交易所上市的企业，按照辅导备案、受理申报、上市交易三个节点，
    分别给予300万、300万和400万的奖励，对新三板挂牌成功的，给予200万元奖励；对在中原股权交易中心交易板挂牌的企业，
    一次性给予30万奖励。"""
    decision = decide(listing((board, stage, date(2023, 6, 1))), 2023)["pingdingshan-listing"]
    assert decision.outcome == "pass" and decision.amount == Decimal(amount).quantize(Decimal("0.01"))
    assert payers(decision) == local(amount)
    assert str(decision.citation) == "平政办〔2022〕15号 附件2 四(七)"


def test_四七_two_milestones_in_one_year_add_up(decide):
    """附件2 四(七) 分段奖励: 辅导备案 and 受理申报 in the same year → 300万 + 300万."""
    decision = decide(listing(("main_board", "tutoring_filed", date(2023, 3, 1)),
                              ("main_board", "application_accepted", date(2023, 11, 1))), 2023)["pingdingshan-listing"]
    assert decision.amount == Decimal("6000000.00")
    assert payers(decision) == {(CITY, Decimal("3000000.00")), ("卫东区财政", Decimal("3000000.00"))}
    assert "辅导备案" in decision.reason and "受理申报" in decision.reason
    assert decision.reference_date == date(2023, 11, 1)


def test_四七_each_milestone_is_paid_in_its_own_year(decide):
    """附件2 四(七) 分段奖励: milestones of other years are not counted again."""
    f = listing(("main_board", "tutoring_filed", date(2022, 8, 1)), ("main_board", "listed", date(2024, 9, 1)))
    assert decide(f, 2022)["pingdingshan-listing"].amount == Decimal("3000000.00")
    assert decide(f, 2023)["pingdingshan-listing"].outcome == "fail"
    assert decide(f, 2024)["pingdingshan-listing"].amount == Decimal("4000000.00")


def test_四七_a_neeq_filing_is_not_a_listed_stage(decide):
    """附件2 四(七) 对新三板挂牌成功的: only a successful 新三板 listing is rewarded."""
    decision = decide(listing(("neeq", "tutoring_filed", date(2023, 6, 1))), 2023)["pingdingshan-listing"]
    assert decision.outcome == "fail" and decision.amount is None


def test_四七_no_milestones_recorded_is_unknown(decide):
    """附件2 四(七): listing progress not recorded → unknown."""
    f = pfacts("410403", in_scale_2021(), listing_milestones=None)
    assert decide(f, 2023)["pingdingshan-listing"].outcome == "unknown"


def test_四七_an_empty_milestone_list_fails(decide):
    """附件2 四(七): recorded, but nothing reached → fail."""
    assert decide(listing(), 2023)["pingdingshan-listing"].outcome == "fail"


def test_四七_a_milestone_before_the_notice_is_not_rewarded(decide):
    """附件2 四(七) applies from 2022-05-24: a 辅导备案 of 2022-05-23 is outside the rule's validity."""
    decision = decide(listing(("main_board", "tutoring_filed", date(2022, 5, 23))), 2022)["pingdingshan-listing"]
    assert decision.outcome == "fail" and "不在本条有效期" in decision.reason
    on = decide(listing(("main_board", "tutoring_filed", EFFECTIVE)), 2022)["pingdingshan-listing"]
    assert on.amount == Decimal("3000000.00")


def refinancing(*items):
    return pfacts("410403", in_scale_2021(),
                  refinancings=tuple(Refinancing(date(2023, m, 1), Decimal(a), v, None if s is None else Decimal(s))
                                     for m, a, v, s in items))


def test_四七_refinancing_gets_two_per_mille(decide):
    """附件2 四(七) 中原股权交易中心挂牌企业……实现再融资，且募集资金80%以上投资于我市的，按照融资额度的2‰给予一次性奖励。"""
    decision = decide(refinancing((6, "100000000", "zyeq", "0.80")), 2023)["pingdingshan-refinancing"]
    assert decision.outcome == "pass" and decision.amount == Decimal("200000.00")
    assert payers(decision) == local(200000)


def test_四七_refinancing_reaching_the_cap_exactly(decide):
    """附件2 四(七) 每户企业年度奖励最高限额100万元: 5亿 × 2‰ = 100万 exactly."""
    decision = decide(refinancing((6, "500000000", "zyeq", "0.9")), 2023)["pingdingshan-refinancing"]
    assert decision.amount == Decimal("1000000.00") and "超过年度上限" not in decision.reason


def test_四七_refinancing_is_capped_at_one_million_a_year(decide):
    """附件2 四(七) 每户企业年度奖励最高限额100万元: 8亿 × 2‰ = 160万 → 100万."""
    decision = decide(refinancing((6, "800000000", "zyeq", "1")), 2023)["pingdingshan-refinancing"]
    assert decision.amount == Decimal("1000000.00") and "超过年度上限" in decision.reason


def test_四七_the_cap_applies_to_the_years_sum(decide):
    """附件2 四(七) 年度奖励最高限额: two 3亿 raisings in one year → 120万 → 100万."""
    decision = decide(refinancing((3, "300000000", "zyeq", "0.9"), (9, "300000000", "zyeq", "0.85")),
                      2023)["pingdingshan-refinancing"]
    assert decision.amount == Decimal("1000000.00")


def test_四七_local_share_below_80_percent_fails(decide):
    """附件2 四(七) 募集资金80%以上投资于我市: 79 % fails."""
    decision = decide(refinancing((6, "100000000", "zyeq", "0.79")), 2023)["pingdingshan-refinancing"]
    assert decision.outcome == "fail" and decision.amount is None


def test_四七_unknown_local_share_is_unknown(decide):
    """附件2 四(七) 投资于我市的比例 not recorded → unknown."""
    decision = decide(refinancing((6, "100000000", "zyeq", None)), 2023)["pingdingshan-refinancing"]
    assert decision.outcome == "unknown" and "80%" in decision.reason


def test_四七_an_unknown_share_beside_a_qualifying_one_is_left_out_and_said(decide):
    """附件2 四(七): the qualifying raising is paid, the one with no recorded share is named as not counted."""
    decision = decide(refinancing((3, "100000000", "zyeq", "0.9"), (9, "100000000", "zyeq", None)),
                      2023)["pingdingshan-refinancing"]
    assert decision.amount == Decimal("200000.00") and "未计入" in decision.reason


def test_四七_refinancing_outside_中原股权交易中心_is_ignored(decide):
    """附件2 四(七) 在中原股权交易中心挂牌企业: a raising on another venue is not counted."""
    assert decide(refinancing((6, "100000000", "sse", "1")), 2023)["pingdingshan-refinancing"].outcome == "fail"
    mixed = decide(refinancing((3, "100000000", "sse", "1"), (9, "100000000", "zyeq", "1")), 2023)
    assert mixed["pingdingshan-refinancing"].amount == Decimal("200000.00")


def test_四七_refinancing_of_another_year_is_not_counted(decide):
    """附件2 四(七) 年度: a 2023 raising owes nothing in 2024."""
    assert decide(refinancing((6, "100000000", "zyeq", "1")), 2024)["pingdingshan-refinancing"].outcome == "fail"


def test_四七_no_refinancing_recorded_is_unknown(decide):
    """附件2 四(七): refinancing not recorded → unknown."""
    f = pfacts("410403", in_scale_2021(), refinancings=None)
    assert decide(f, 2023)["pingdingshan-refinancing"].outcome == "unknown"


# -- 附件3 二(二)：小巨人50万、省级专精特新20万；二(七)：示范平台50万/30万，考核20/10/5万 --------

def recognised(kind, on=date(2023, 7, 1), is_first=True, unit="410403"):
    return pfacts(unit, in_scale_2021(), recognitions=(RecognitionFact(kind=kind, valid_from=on, is_first=is_first),))


@pytest.mark.parametrize("kind, key, amount", [
    ("national_little_giant", "pingdingshan-little-giant", 500000),
    ("provincial_srdi", "pingdingshan-provincial-srdi", 200000),
])
def test_附件3_二二_first_recognition_awards(decide, kind, key, amount):
    """附件3 二(二) 对首次认定的国家级专精特新“小巨人”企业给予一次性财政资金奖励50万元、
    省级“专精特新”中小企业给予一次性财政资金奖励20万元。"""
    decisions = decide(recognised(kind), 2023)
    decision = decisions[key]
    assert decision.outcome == "pass" and decision.amount == Decimal(amount).quantize(Decimal("0.01"))
    assert payers(decision) == local(amount)
    assert str(decision.citation) == "平政办〔2022〕15号 附件3 二(二)"
    others = {"pingdingshan-little-giant", "pingdingshan-provincial-srdi"} - {key}
    assert decisions[others.pop()].outcome == "fail"


@pytest.mark.parametrize("kind, key", [("national_little_giant", "pingdingshan-little-giant"),
                                       ("provincial_srdi", "pingdingshan-provincial-srdi")])
def test_附件3_二二_a_repeat_recognition_fails(decide, kind, key):
    """附件3 二(二) 首次认定: a re-examination (复核) is not rewarded."""
    decision = decide(recognised(kind, is_first=False), 2023)[key]
    assert decision.outcome == "fail" and "首次认定" in decision.reason


def test_附件3_二二_a_recognition_of_another_year_fails(decide):
    """附件3 二(二) 一次性: a 2022 recognition owes nothing in 2023."""
    decision = decide(recognised("national_little_giant", on=date(2022, 7, 1)), 2023)["pingdingshan-little-giant"]
    assert decision.outcome == "fail"


def test_附件3_二二_a_recognition_before_the_notice_fails(decide):
    """附件3 二(二) applies from 2022-05-24: a recognition of 2022-03-01 is outside the rule's validity."""
    decision = decide(recognised("national_little_giant", on=date(2022, 3, 1)), 2022)["pingdingshan-little-giant"]
    assert decision.outcome == "fail" and "不在本条有效期内" in decision.reason


def test_附件3_二二_no_recognitions_recorded_is_unknown(decide):
    """附件3 二(二): recognitions not recorded → unknown."""
    decisions = decide(pfacts("410403", in_scale_2021(), recognitions=None), 2023)
    assert decisions["pingdingshan-little-giant"].outcome == "unknown"
    assert decisions["pingdingshan-provincial-srdi"].outcome == "unknown"


@pytest.mark.parametrize("kind, key, amount", [
    ("national_service_platform", "pingdingshan-platform-national", 500000),
    ("national_demo_base", "pingdingshan-platform-national", 500000),
    ("provincial_service_platform", "pingdingshan-platform-provincial", 300000),
    ("provincial_demo_base", "pingdingshan-platform-provincial", 300000),
])
def test_附件3_二七_first_recognised_platforms(decide, kind, key, amount):
    """附件3 二(七) 对首次认定的国家级、省级中小企业公共服务示范平台和小型微型企业创业创新示范基地
    分别给予50万元、30万元的一次性奖励。"""
    decision = decide(recognised(kind, unit="410482"), 2023)[key]
    assert decision.outcome == "pass" and decision.amount == Decimal(amount).quantize(Decimal("0.01"))
    assert payers(decision) == local(amount, "410482")
    assert str(decision.citation) == "平政办〔2022〕15号 附件3 二(七)"


def test_附件3_二七_a_repeat_platform_recognition_fails(decide):
    """附件3 二(七) 首次认定 only."""
    decision = decide(recognised("provincial_service_platform", is_first=False), 2023)
    assert decision["pingdingshan-platform-provincial"].outcome == "fail"


def test_附件3_二七_a_first_demo_base_counts_even_after_a_platform_re_examination(decide):
    """附件3 二(七) 对首次认定的国家级……示范平台和……示范基地: a first 示范基地 recognition in June is rewarded
    although the same year's March 示范平台 recognition was a re-examination."""
    f = pfacts("410403", in_scale_2021(), recognitions=(
        RecognitionFact(kind="national_service_platform", valid_from=date(2023, 3, 1), is_first=False),
        RecognitionFact(kind="national_demo_base", valid_from=date(2023, 6, 1), is_first=True)))
    decision = decide(f, 2023)["pingdingshan-platform-national"]
    assert decision.outcome == "pass" and decision.amount == Decimal("500000.00")


@pytest.mark.parametrize("grade, amount", [(1, 200000), (2, 100000), (3, 50000)])
def test_附件3_二七_platform_grade_awards(decide, grade, amount):
    """附件3 二(七) 根据省工业和信息化厅对省级以上中小企业公共服务示范平台年度考核结果，
    对获得一、二、三等奖的分别给予20万元、10万元、5万元的资金奖励。"""
    f = pfacts("410400-gxq", in_scale_2021(), platform_grades=(PlatformGrade(2023, grade),))
    decision = decide(f, 2023)["pingdingshan-platform-grade"]
    assert decision.outcome == "pass" and decision.amount == Decimal(amount).quantize(Decimal("0.01"))
    assert payers(decision) == local(amount, "410400-gxq")


def test_附件3_二七_grade_four_fails(decide):
    """附件3 二(七) 一、二、三等奖 only."""
    f = pfacts("410403", in_scale_2021(), platform_grades=(PlatformGrade(2023, 4),))
    decision = decide(f, 2023)["pingdingshan-platform-grade"]
    assert decision.outcome == "fail" and decision.amount is None


def test_附件3_二七_a_grade_of_another_year_fails_and_none_recorded_is_unknown(decide):
    """附件3 二(七) 年度考核: the year's own grade counts; no assessments recorded → unknown."""
    f = pfacts("410403", in_scale_2021(), platform_grades=(PlatformGrade(2022, 1),))
    assert decide(f, 2023)["pingdingshan-platform-grade"].outcome == "fail"
    assert decide(f, 2022)["pingdingshan-platform-grade"].amount == Decimal("200000.00")
    unknown = pfacts("410403", in_scale_2021(), platform_grades=None)
    assert decide(unknown, 2023)["pingdingshan-platform-grade"].outcome == "unknown"


def test_附件3_二七_no_grade_award_before_the_notice_year(decide):
    """The notice dates from 2022-05-24: no assessment award for 2021."""
    f = pfacts("410403", in_scale_2021(), platform_grades=(PlatformGrade(2021, 1),))
    assert "pingdingshan-platform-grade" not in decide(f, 2021)


# -- 正文末段：资金分担 ---------------------------------------------------------------

@pytest.mark.parametrize("unit", sorted(UNITS))
def test_正文末段_split_for_every_county_level_unit(decide, unit):
    """正文末段 本通知中所列我市各项财政支持资金，涉及市内五区的由市区两级各承担50%，
    涉及县(市)、石龙区的全部由当地财政承担。"""
    name, payer, halves = UNITS[unit]
    decision = decide(pfacts(unit, [entered(date(2023, 12, 1))]), 2023)["pingdingshan-first-entry"]
    if halves:
        assert payers(decision) == {(CITY, Decimal("25000.00")), (payer, Decimal("25000.00"))}, name
    else:
        assert payers(decision) == {(payer, Decimal("50000.00"))}, name
    assert sum(p.amount for p in decision.payers) == decision.amount


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_二_split_of_the_local_half_for_every_county_level_unit(decide, unit):
    """二 属地财政部分，按照现行财政体制分级负担 + 正文末段: the province pays half everywhere."""
    name, payer, halves = UNITS[unit]
    decision = decide(q1(unit), 2022)["pingdingshan-full-capacity-2022"]
    expected = {("河南省财政", Decimal("100000.00"))}
    expected |= {(CITY, Decimal("50000.00")), (payer, Decimal("50000.00"))} if halves \
        else {(payer, Decimal("100000.00"))}
    assert payers(decision) == expected, name


def test_the_split_table_cites_the_closing_paragraph(catalog):
    """正文末段 is the clause the split table encodes."""
    split = catalog.splits["pingdingshan"]
    assert str(split.citation) == "平政办〔2022〕15号 正文末段"
    assert set(split.by_jurisdiction) == set(UNITS)


def test_the_rules_of_平顶山_apply_nowhere_else(decide):
    """平政办〔2022〕15号 is 平顶山's: nothing of it in 孝义, 盂县 or 顺城."""
    from .conftest import facts
    for place in ("xiaoyi", "yuxian", "shuncheng"):
        keys = decide(facts(place, [entered(date(2023, 12, 1))]), 2023)
        assert not any(k.startswith("pingdingshan") for k in keys), place
