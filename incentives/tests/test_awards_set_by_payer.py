"""Awards the documents promise without an amount (issue 10 items 2 and 3), through the ledger.

- 盂促企组办发[2024]1号 三(八) “落实‘小升规’企业首次入规、持续在规省级奖励资金和市级、县级配套奖励政策”:
  the county matching award (盂县财政) and the provincial continued award (山西省财政, known from
  孝政办发[2022]44号 三(五) “除省级财政奖补外”) appear in the ledger as due, amount set by the payer,
  counted apart from fixed amounts in the totals and the what-if.
- 阳办发[2021]11号 二(二)4 “首次上规入统的小微工业企业”: the registry's 企业规模 reaches the engine in the
  batch's fixed number of queries; not recorded = unknown, never written as “not owed”.
"""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises import services as registry
from enterprises.models import Enterprise
from incentives import services
from incentives.models import Entitlement
from incentives.selectors import enterprise_facts, ledger_totals
from policies.models import PolicyDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_year(policies_loaded, yuxian_clerk, enterprises):
    """盂县石料 entered on 2023-11-20: 2024 is its second year in scale (盂县's plan in force)."""
    registry.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_other"], kind="first_entry",
                                on=date(2023, 11, 20))
    return enterprises["yu_other"]


def run_batch(user, jurisdiction, year):
    batch = services.entitlement_batch_request(user=user, jurisdiction=jurisdiction, year=year)
    return services.entitlement_batch_run(batch_id=batch.pk)


def test_三八_the_promised_awards_are_due_in_the_ledger_without_a_fixed_amount(yuxian_clerk, jurisdictions,
                                                                            second_year):
    """三(八) 持续在规省级奖励资金和……县级配套奖励政策: two rows, amount None, each naming its payer."""
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    rows = {e.rule.key: e for e in Entitlement.objects.filter(enterprise=second_year).select_related("rule")}
    provincial, county = rows["shanxi-continued-year2"], rows["yuxian-county-continued-year2"]
    assert provincial.amount is None and provincial.payers == [{"payer": "山西省财政", "amount": None}]
    assert provincial.citation == "晋办发〔2020〕38号 持续在规省级奖补；盂促企组办发[2024]1号 三(八)"
    assert "以山西省财政下达的奖补通知为准" in provincial.reason
    assert county.amount is None and county.payers == [{"payer": "盂县财政", "amount": None}]
    assert county.citation == "盂促企组办发[2024]1号 三(八)"
    # 二(二)4 小微: size not recorded → unknown, so no 阳泉 row (never a “not owed” row either).
    assert "yangquan-continued-year2" not in rows


def test_三八_the_totals_count_the_awards_set_by_the_payer_apart(client, yuxian_clerk, jurisdictions, second_year):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    totals = ledger_totals(Entitlement.objects.all())
    assert (totals.overall.count, totals.overall.amount, totals.overall.undetermined) == (2, Decimal("0.00"), 2)
    by_payer = {t.key: (t.count, t.amount, t.undetermined) for t in totals.by_payer}
    assert by_payer == {"山西省财政": (1, Decimal("0.00"), 1), "盂县财政": (1, Decimal("0.00"), 1)}
    client.force_login(yuxian_clerk)
    html = client.get(reverse("incentives:ledger"), {"year": 2024}).content.decode()
    assert "另有 2 条应享但金额由出资方确定" in html and "待定" in html


def test_二二4_the_registry_size_class_reaches_the_engine_in_the_same_queries(second_year, make_enterprise):
    """二(二)4 小微工业企业: 企业规模 is read with the enterprise rows themselves, so the number of queries
    does not grow with the enterprises."""
    Enterprise.objects.filter(pk=second_year.pk).update(size_class="micro")
    queryset = Enterprise.objects.filter(jurisdiction__path__startswith="/140000/140300/")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            facts = enterprise_facts(queryset, [2024])
        return len(captured.captured_queries), facts

    before, facts = queries()
    assert facts[second_year.pk].size_class == "micro"
    assert all(f.size_class is None for pk, f in facts.items() if pk != second_year.pk)  # blank = not recorded
    for i in range(5):
        make_enterprise(f"盂县企业{i}", "xiushui", size_class="small")
    after, facts = queries()
    assert after == before and len(facts) == 7
    assert sorted(f.size_class or "" for f in facts.values()) == ["", "micro", "small", "small", "small", "small",
                                                                   "small"]


def test_二二4_a_small_enterprise_is_owed_the_city_award_an_unrecorded_one_is_not_written(yuxian_clerk, jurisdictions,
                                                                                     second_year):
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    assert not Entitlement.objects.filter(rule__key="yangquan-continued-year2").exists()
    registry.enterprise_update(user=yuxian_clerk, enterprise=second_year, size_class="small")
    run_batch(yuxian_clerk, jurisdictions["yuxian"], 2024)
    row = Entitlement.objects.get(rule__key="yangquan-continued-year2")
    assert row.amount == Decimal("50000.00") and row.payers == [{"payer": "阳泉市财政", "amount": "50000.00"}]


def test_the_what_if_reports_awards_set_by_the_payer_apart_per_payer(yuxian_clerk, jurisdictions, second_year):
    """Adopting the 阳泉 draft changes no award set by a payer: the counts are reported per year and payer,
    beside (not inside) the fixed amounts."""
    second_year.size_class = "small"
    second_year.save(update_fields=["size_class"])
    draft = PolicyDocument.objects.get(key="yangquan-2024-amendment-draft")
    report = services.what_if(user=yuxian_clerk, jurisdiction=jurisdictions["yuxian"], document=draft,
                              effective_from=date(2025, 1, 1), years=[2024, 2025])
    open_ = {(year, payer): (base, scen) for year, payer, base, scen, _ in report.undetermined_rows}
    assert open_ == {(2024, "山西省财政"): (1, 1), (2024, "盂县财政"): (1, 1), (2025, "山西省财政"): (1, 1)}
    fixed = {(year, payer): (base, scen) for year, payer, base, scen, _ in report.total_rows}
    assert fixed == {(2024, "阳泉市财政"): (Decimal("50000.00"), Decimal("50000.00")),
                     (2025, "阳泉市财政"): (Decimal("100000.00"), Decimal("0"))}
    assert [(c.year, c.delta) for c in report.changes] == [(2025, Decimal("-100000.00"))]


def test_the_what_if_page_shows_the_awards_set_by_the_payer(client, yuxian_clerk, jurisdictions, second_year):
    client.force_login(yuxian_clerk)
    html = client.get(reverse("incentives:what_if"), {
        "jurisdiction": "140322", "document": "yangquan-2024-amendment-draft", "effective_from": "2025-01-01",
        "year_from": 2024, "year_to": 2025}).content.decode()
    assert 'data-testid="what-if-undetermined"' in html and "应享但金额由出资方确定" in html
    assert "盂县财政" in html and "山西省财政" in html
