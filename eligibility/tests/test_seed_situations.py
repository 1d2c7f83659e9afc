"""Issue 12 "Done when": the seed situations through the JSON endpoint, with the amounts and
clauses of policies/data/documents/*.yaml."""
import pytest

from .conftest import by_rule, payers

pytestmark = pytest.mark.django_db


def test_xiaoyi_first_entry_gets_the_provincial_300000_citing_孝义_三四(check_api):
    """晋办发〔2020〕38号 (restated by 孝政办发[2022]44号 三(四)): 第一年省级财政奖励30万元."""
    response = check_api(year=2024, place="孝义", entry_status="first_entry", first_entry_on="2024-06-01")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["jurisdiction"] == "141181" and body["jurisdiction_name"] == "山西省 吕梁市 孝义市"
    provincial = by_rule(body)["shanxi-first-entry"]
    assert provincial["outcome"] == "pass" and provincial["outcome_label"] == "可享受"
    assert provincial["amount"] == "300000.00" and provincial["amount_wan"] == "30.000000"
    assert payers(provincial) == [("山西省财政", "300000.00")]
    assert provincial["citation"]["citation"] == "晋办发〔2020〕38号 首次“小升规”省级奖励"
    assert "第一年省级财政奖励30万元" in provincial["citation"]["text"]
    restated = provincial["also_cited"]
    assert [c["citation"] for c in restated] == ["孝政办发[2022]44号 三(四)"]
    assert "对已入规退库只变更企业名称再次入规的企业不予享受财政奖励" in restated[0]["text"]
    assert body["owed_total"] == "300000.00"


def test_xiaoyi_reentry_with_only_a_name_change_gets_no_award_by_三四(check_api):
    """孝政办发[2022]44号 三(四): 对已入规退库只变更企业名称再次入规的企业不予享受财政奖励."""
    response = check_api(year=2024, jurisdiction="141181", entry_status="first_entry", first_entry_on="2020-03-01",
                         exited_on="2022-01-01", reentered_on="2024-03-01", reentry_name_changed=True)
    body = response.json()
    provincial = by_rule(body)["shanxi-first-entry"]
    assert provincial["outcome"] == "fail" and provincial["amount"] is None
    assert "仅变更名称再次入规" in provincial["reason"]
    assert "孝政办发[2022]44号 三(四)" in provincial["reason"]
    assert "不予享受财政奖励" in provincial["reason"]
    assert body["owed_total"] == "0.00"


def test_pingdingshan_xinhua_first_entry_over_50_million_split_between_city_and_district(check_api):
    """平政办〔2022〕15号 附件2 四(三) 5万 + 3万 (≥5000万元); 正文末段: 市内五区 市区两级各承担50%."""
    body = check_api(year=2024, place="新华区", entry_status="first_entry", first_entry_on="2024-03-01",
                     revenue="6200").json()
    decisions = by_rule(body)
    first, bonus = decisions["pingdingshan-first-entry"], decisions["pingdingshan-revenue-bonus"]
    assert first["amount"] == "50000.00" and bonus["amount"] == "30000.00"
    assert payers(first) == [("平顶山市财政", "25000.00"), ("新华区财政", "25000.00")]
    assert payers(bonus) == [("平顶山市财政", "15000.00"), ("新华区财政", "15000.00")]
    for decision in (first, bonus):
        assert decision["citation"]["citation"] == "平政办〔2022〕15号 附件2 四(三)"
        assert "年主营业务收入达到5000万元及以上的企业，再给予3万元奖励" in decision["citation"]["text"]
    assert body["owed_total"] == "80000.00"


def test_pingdingshan_below_50_million_says_how_much_is_missing(check_api):
    body = check_api(year=2024, place="新华区", entry_status="first_entry", first_entry_on="2024-03-01",
                     revenue="4688").json()
    bonus = by_rule(body)["pingdingshan-revenue-bonus"]
    assert bonus["outcome"] == "fail"
    assert "主营业务收入还差 312.00万元" in bonus["hint"]
    assert bonus["gap_wan"] == "312.000000"


def test_pingdingshan_revenue_not_given_is_unknown_and_asks_for_it(check_api):
    body = check_api(year=2024, place="新华区", entry_status="first_entry", first_entry_on="2024-03-01").json()
    bonus = by_rule(body)["pingdingshan-revenue-bonus"]
    assert bonus["outcome"] == "unknown" and bonus["outcome_label"] == "信息不足"
    assert bonus["hint"] == "请告诉我们：查询年度主营业务收入"


def test_yuxian_first_entry_stacks_province_and_yangquan_and_the_same_if_the_draft_is_adopted(check_api):
    """晋办发〔2020〕38号 30万 + 阳办发[2021]11号 二(二)4 10万, both restated by 盂促企组办发[2024]1号 三(八);
    the 阳泉 draft (修改意见 3) keeps the first-entry award, so 40万 also if it is adopted."""
    body = check_api(year=2024, place="盂县", entry_status="first_entry", first_entry_on="2024-06-01").json()
    decisions = by_rule(body)
    assert decisions["shanxi-first-entry"]["amount"] == "300000.00"
    city = decisions["yangquan-first-entry"]
    assert city["amount"] == "100000.00" and payers(city) == [("阳泉市财政", "100000.00")]
    assert city["citation"]["citation"] == "阳办发[2021]11号 二(二)4"
    assert "市级财政再给予10万元的一次性配套奖励" in city["citation"]["text"]
    assert "盂促企组办发[2024]1号 三(八)" in [c["citation"] for c in city["also_cited"]]
    county = decisions["yuxian-county-first-entry"]
    assert county["outcome"] == "pass" and county["amount"] is None and payers(county) == [("盂县财政", None)]
    assert body["owed_total"] == "400000.00"

    draft = next(d for d in body["drafts"] if d["document_key"] == "yangquan-2024-amendment-draft")
    assert draft["assumed_effective_from"] == "2024-01-01"
    adopted = by_rule(body, "yangquan-2024-amendment-draft")
    assert adopted["shanxi-first-entry"]["amount"] == "300000.00"
    assert adopted["yangquan-first-entry"]["amount"] == "100000.00" and not adopted["yangquan-first-entry"]["changed"]
    assert draft["owed_total"] == "400000.00"
    assert any("上规入统后连续2年在规配套奖励：删除（第3项）" == c["citation"] for c in draft["changes"])


def test_yuxian_second_year_loses_the_city_award_if_the_draft_is_adopted(check_api):
    """阳办发[2021]11号 二(二)4 连续2年 5万 (小微); 修改意见 3 deletes it."""
    body = check_api(year=2024, place="秀水镇", entry_status="first_entry", first_entry_on="2023-06-01",
                     size_class="small").json()
    assert body["jurisdiction"] == "140322-xiushui"
    assert by_rule(body)["yangquan-continued-year2"]["amount"] == "50000.00"
    adopted = by_rule(body, "yangquan-2024-amendment-draft")["yangquan-continued-year2"]
    assert adopted["outcome"] == "fail" and adopted["changed"] and adopted["amount"] is None


def test_yangquan_size_class_not_given_is_unknown(check_api):
    body = check_api(year=2024, place="盂县", entry_status="first_entry", first_entry_on="2023-06-01").json()
    decision = by_rule(body)["yangquan-continued-year2"]
    assert decision["outcome"] == "unknown" and decision["hint"] == "请告诉我们：企业规模（大中小微）"


def test_shuncheng_enterprise_already_paid_the_fushun_award_once(check_api):
    """抚政办规〔2023〕4号 第十五条: 每户10万元（每户企业只享受一次资金奖励）."""
    body = check_api(year=2024, place="顺城区", entry_status="first_entry", first_entry_on="2023-03-01",
                     exited_on="2023-12-31", reentered_on="2024-06-01", paid_award="fushun-city-entry",
                     paid_award_year=2023).json()
    city = by_rule(body)["fushun-city-entry"]
    assert city["outcome"] == "fail" and city["amount"] is None
    assert "每户只享受一次，已于2023年享受" in city["reason"]
    assert city["citation"]["citation"] == "抚政办规〔2023〕4号 第十五条"
    assert "每户企业只享受一次资金奖励" in city["citation"]["text"]
    assert by_rule(body)["liaoning-first-entry"]["outcome"] == "fail"  # a re-entry is no 首次
    draft = next(d for d in body["drafts"] if d["document_key"] == "shuncheng-draft")
    assert draft["changes"] == [] and not any(d["changed"] for d in draft["decisions"])


def test_shuncheng_first_entry_not_yet_paid_gets_the_fushun_award(check_api):
    body = check_api(year=2024, place="顺城区", entry_status="first_entry", first_entry_on="2024-06-01",
                     paid_award="none").json()
    city = by_rule(body)["fushun-city-entry"]
    assert city["amount"] == "100000.00" and payers(city) == [("抚顺市财政", "100000.00")]


def test_nothing_known_is_unknown_never_not_eligible(check_api):
    body = check_api(year=2024, place="孝义").json()
    provincial = by_rule(body)["shanxi-first-entry"]
    assert provincial["outcome"] == "unknown"
    assert provincial["hint"] == "请告诉我们：入规情况和首次入规日期"
