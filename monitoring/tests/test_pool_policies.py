"""Whose pool rule applies (issue 9 item 7, issue 14): each enterprise is checked under the policy
of its own jurisdiction, so a province's or city's run applies every county's own rule, grouped by
policy, in a fixed number of queries; and 孝义's rule sizes its pools on the goal its document states."""
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import new_credit_code
from enterprises import services as registry
from enterprises.models import Jurisdiction, User
from monitoring import services
from monitoring.domain import pools
from monitoring.models import CheckPolicy, CheckRun, EarlyWarning

from .test_monthly_check import figures

pytestmark = pytest.mark.django_db
TEXTS = Path(__file__).resolve().parents[2] / "policies" / "data" / "texts"
XIAOYI_RULE = "孝政办发[2022]44号 四(十七)"
YUXIAN_RULE = "盂促企组办发[2024]1号 三(一)(二)"


@pytest.fixture
def county_rules(jurisdictions):
    """孝义 and 盂县 with their own rules, as check_policies.yaml sets them; 山西省 and 阳泉市 have none."""
    CheckPolicy.objects.create(jurisdiction=jurisdictions["xiaoyi"], pool_rule="xiaoyi", pool_rule_citation=XIAOYI_RULE,
                               plan_goal=200, plan_goal_citation="孝政办发[2022]44号 一（总体要求）")
    CheckPolicy.objects.create(jurisdiction=jurisdictions["yuxian"], pool_rule="yuxian", pool_rule_citation=YUXIAN_RULE)


def below_scale(make_enterprise, name, place, last_year_monthly):
    enterprise = make_enterprise(name, place)
    figures(enterprise, 2024, [last_year_monthly] * 12)
    figures(enterprise, 2025, [last_year_monthly] * 6)
    return enterprise


def run(jurisdiction):
    check_run = CheckRun.objects.create(jurisdiction=jurisdiction, year=2025, month=6)
    return services.monthly_check_run(run_id=check_run.pk, today=date(2025, 7, 15))


def suggestion_for(enterprise):
    return EarlyWarning.objects.get(enterprise=enterprise, kind="pool_suggestion")


def test_a_province_run_applies_each_countys_own_rule_with_its_citation(jurisdictions, county_rules,
                                                                        make_enterprise):
    # 600万 last year: 孝义 ranks it into its cultivation pool; 盂县's rule would not (培育库 from 1000万).
    xiaoyi = below_scale(make_enterprise, "孝义焦化有限公司", "xiaoyi", 500_000)
    yuxian = below_scale(make_enterprise, "盂县耐火材料有限公司", "xiushui", 1_000_000)
    yuxian_small = below_scale(make_enterprise, "盂县铸造有限公司", "nanlou", 500_000)
    finished = run(jurisdictions["shanxi"])  # 山西省 itself has no policy
    assert finished.status == "finished" and finished.counts["pool_suggestion"] == 3
    from_xiaoyi, from_yuxian = suggestion_for(xiaoyi), suggestion_for(yuxian)
    assert from_xiaoyi.rule == f"{XIAOYI_RULE}：建议调入培育库" and from_xiaoyi.evidence["citation"] == XIAOYI_RULE
    assert from_xiaoyi.evidence["reason"].startswith("上年主营业务收入600.00万元，在规下企业中排第1位，在培育库80户")
    assert "（200－0）÷5年，向上取整为40户" in from_xiaoyi.evidence["reason"]
    assert from_yuxian.rule == f"{YUXIAN_RULE}：建议调入培育库" and from_yuxian.evidence["citation"] == YUXIAN_RULE
    assert from_yuxian.evidence["reason"] == "上年主营业务收入1,200.00万元，达到1000万元"
    # 盂县's rule puts 600万 in the basic pool only (and only one in none yet): never 孝义's ranking.
    assert suggestion_for(yuxian_small).evidence["pool"] == "basic"
    assert "孝政办发" not in suggestion_for(yuxian_small).rule


def test_the_same_suggestions_come_from_the_countys_the_citys_and_the_provinces_run(jurisdictions, county_rules,
                                                                                   make_enterprise):
    yuxian = below_scale(make_enterprise, "盂县耐火材料有限公司", "xiushui", 1_000_000)
    run(jurisdictions["yuxian"])
    first = suggestion_for(yuxian)
    for wider in ("yangquan", "shanxi"):  # neither has a policy: before, their runs closed 盂县's suggestion
        counts = run(jurisdictions[wider]).counts
        assert counts.get("auto_closed", 0) == 0 and counts["unchanged"] >= 1
    again = suggestion_for(yuxian)
    assert (again.pk, again.status, again.evidence) == (first.pk, "open", first.evidence)


def test_a_county_policy_below_a_city_policy_governs_its_own_enterprises(jurisdictions, make_enterprise):
    """The nearest policy wins, in both directions: a town of 盂县 follows 盂县, the rest of 阳泉 follows 阳泉."""
    CheckPolicy.objects.create(jurisdiction=jurisdictions["yangquan"], pool_rule="shuncheng",
                               pool_rule_citation="阳泉（测试）")
    CheckPolicy.objects.create(jurisdiction=jurisdictions["yuxian"], pool_rule="yuxian", pool_rule_citation=YUXIAN_RULE)
    in_town = below_scale(make_enterprise, "盂县铸造有限公司", "nanlou", 1_300_000)  # 1560万 last year
    city_zone = Jurisdiction.objects.create(key="140300-gxq", name="阳泉高新技术产业开发区", level="zone",
                                            parent=jurisdictions["yangquan"])
    in_city = below_scale(make_enterprise, "阳泉钢材有限公司", city_zone, 1_300_000)
    run(jurisdictions["shanxi"])
    assert suggestion_for(in_town).evidence["citation"] == YUXIAN_RULE
    assert suggestion_for(in_city).evidence["citation"] == "阳泉（测试）"
    assert "在1500万至2000万元之间" in suggestion_for(in_city).evidence["reason"]


def test_a_province_runs_queries_do_not_grow_with_its_enterprises(jurisdictions, county_rules, make_enterprise):
    def queries_for(n):
        EarlyWarning.objects.all().delete()
        for i in range(n):
            below_scale(make_enterprise, f"孝义企业{n}-{i}", "xiaoyi", 500_000 + i * 10_000)
            below_scale(make_enterprise, f"盂县企业{n}-{i}", "xiushui", 900_000 + i * 10_000)
        with CaptureQueriesContext(connection) as captured:
            run(jurisdictions["shanxi"])
        assert EarlyWarning.objects.filter(kind="pool_suggestion").count() >= n
        return len(captured)

    assert queries_for(3) == queries_for(12)


def test_xiaoyis_goal_is_loaded_as_data_with_the_clause_that_states_it():
    call_command("load_jurisdictions", verbosity=0)
    call_command("load_check_policies", verbosity=0)
    policy = CheckPolicy.objects.get(jurisdiction__key="141181")
    assert (policy.pool_rule, policy.annual_target) == ("xiaoyi", None)  # the document states no yearly figure
    assert (policy.plan_goal, policy.plan_goal_citation) == (200, "孝政办发[2022]44号 一（总体要求）")
    # The clause says it: 一 总体要求 … 到“十四五”末，实现全市规上工业企业达到200户以上.
    text = (TEXTS / "xiaoyi-2022-44.txt").read_text(encoding="utf-8")
    section_one = re.search(r"\n一\n\s*总体要求\n(.*?)\n二\n", text, re.S).group(1)
    assert "到“十四五”末，实现全市规上工业企业达到200户以上" in section_one

    # The check turns it into the yearly average with the registry's count at the end of 2020.
    xiaoyi = Jurisdiction.objects.get(key="141181")
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-admin")
    for i in range(5):
        enterprise = registry.enterprise_create(user=admin, credit_code=new_credit_code("141181"), name=f"孝义在规企业{i}",
                                                jurisdiction=xiaoyi, on=date(2019, 1, 1))
        registry.scale_event_record(user=admin, enterprise=enterprise, kind="first_entry",
                                    on=date(2019 + i, 12, 1))  # 2019 and 2020 count, 2021–2023 do not
    target = services.pool_policy_of(policy)
    assert target.in_scale_at_plan_start == 2
    assert pools.annual_target(target).count == 40  # ⌈(200 − 2) ÷ 5⌉


def test_the_warning_page_says_what_to_move_where_why_and_under_which_clause(client, jurisdictions, county_rules,
                                                                            make_enterprise, yuxian_clerk):
    enterprise = below_scale(make_enterprise, "盂县耐火材料有限公司", "xiushui", 1_000_000)
    registry.pool_move(user=yuxian_clerk, enterprise=enterprise, pool="reserve", reason="2023年营收超过500万元",
                       on=date(2024, 6, 1))
    run(jurisdictions["yangquan"])
    client.force_login(yuxian_clerk)
    html = client.get(reverse("monitoring:warning", args=[suggestion_for(enterprise).pk])).content.decode()
    section = html.split('data-testid="pool-move"')[1].split("</section>")[0]
    assert "建议由“储备库”调入“培育库”。" in section
    assert "上年主营业务收入1,200.00万元，达到1000万元" in section and YUXIAN_RULE in section
