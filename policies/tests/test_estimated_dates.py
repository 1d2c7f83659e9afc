"""Issue 10 item 6: estimated effective dates are visible as estimates, and staff correct them with history.

晋办发〔2020〕38号, 阳办发[2021]11号, 辽政发〔2023〕1号 and 抚政办规〔2023〕4号 are not among the sources
(policies/data/texts): their effective dates are the first day of the year in their document numbers
("生效日期按文号年份记为…" in each file's note). 平政办〔2022〕15号 附件2 四(三) ("对首次入库的工业企业，
给予5万元一次性奖励") starts on the signing date 2022-05-24 while 附件2 二 sets targets for all of 2022.
"""
from datetime import date

import pytest
from django.urls import reverse

from enterprises.models import Role, User
from policies import selectors
from policies.catalog import load_catalog
from policies.models import IncentiveRule, PolicyDocument
from policies.services import catalog_sync

from .conftest import entered, facts

ESTIMATED = {"shanxi-2020-38": "晋办发〔2020〕38号", "yangquan-2021-11": "阳办发[2021]11号",
             "liaoning-2023-1": "辽政发〔2023〕1号", "fushun-2023-4": "抚政办规〔2023〕4号"}


# -- the data ---------------------------------------------------------------------------------------

def test_the_four_documents_not_among_the_sources_are_marked_estimated_by_number_year(catalog):
    estimated = {d.key: (d.number, d.effective_from_basis, d.effective_from) for d in catalog.documents
                 if d.effective_from_estimated}
    assert estimated == {
        "shanxi-2020-38": ("晋办发〔2020〕38号", "按文号年份推定", date(2020, 1, 1)),
        "yangquan-2021-11": ("阳办发[2021]11号", "按文号年份推定", date(2021, 1, 1)),
        "liaoning-2023-1": ("辽政发〔2023〕1号", "按文号年份推定", date(2023, 1, 1)),
        "fushun-2023-4": ("抚政办规〔2023〕4号", "按文号年份推定", date(2023, 1, 1)),
    }


def test_only_rules_starting_on_an_estimated_date_carry_the_estimate(catalog):
    for rule in catalog.rules:
        expected = "按文号年份推定" if rule.citation.document_key in ESTIMATED else ""
        assert rule.valid_from_estimate == expected, rule.key


# -- the engine's explanations ------------------------------------------------------------------------

def test_a_decision_on_an_estimated_rule_says_its_date_is_estimated(decide):
    """晋办发〔2020〕38号 as restated in 孝政办发[2022]44号 三(四): 第一年省级财政奖励30万元."""
    decision = decide(facts("yuxian", [entered(date(2024, 3, 1))]), 2024)["shanxi-first-entry"]
    assert decision.outcome == "pass"
    assert decision.reason.endswith("（生效日期为推定：晋办发〔2020〕38号按文号年份推定为2020-01-01）")


def test_decisions_in_顺城_on_the_liaoning_and_fushun_rules_say_so_whatever_the_outcome(decide):
    """辽政发〔2023〕1号 and 抚政办规〔2023〕4号, restated in the 顺城 draft 第14、15条."""
    entered_2023 = decide(facts("shuncheng", [entered(date(2023, 3, 1))]), 2023)
    not_entered = decide(facts("shuncheng", [entered(date(2022, 6, 1))]), 2023)
    for decisions in (entered_2023, not_entered):
        assert "（生效日期为推定：辽政发〔2023〕1号按文号年份推定为2023-01-01）" in decisions["liaoning-first-entry"].reason
        assert "（生效日期为推定：抚政办规〔2023〕4号按文号年份推定为2023-01-01）" in decisions["fushun-city-entry"].reason
    assert not_entered["liaoning-first-entry"].outcome == "fail"


def test_a_decision_on_a_document_with_a_known_date_says_nothing_of_estimates(decide):
    """孝政办发[2022]44号 is among the sources: its dates are the document's own."""
    decisions = decide(facts("xiaoyi", [entered(date(2023, 3, 1))]), 2024)
    own = [d for key, d in decisions.items() if key.startswith("xiaoyi-")]
    assert own and not [d.reason for d in own if "推定" in d.reason]
    assert "生效日期为推定：晋办发〔2020〕38号" in decisions["shanxi-continued-year2"].reason


def test_an_amended_version_starts_on_the_amendment_date_not_an_estimate(catalog):
    from policies.engine import rule_versions
    draft = "yangquan-2024-amendment-draft"
    versions = rule_versions(catalog.rules, catalog.amendments, adopt={draft: date(2025, 1, 1)})
    for history in versions.values():
        for version in history[1:]:
            if version.changed_by is not None:
                assert version.valid_from_estimate == ""


# -- the document page ----------------------------------------------------------------------------

@pytest.fixture
def yangquan_center(jurisdictions):
    return User.objects.create_user("yq_center", password="pw-yq", role=Role.CENTER_STAFF,
                                    jurisdiction=jurisdictions["yangquan"])


def test_the_page_of_an_estimated_document_says_so(client, policies_loaded, yuxian_clerk):
    client.force_login(yuxian_clerk)
    for key, number in ESTIMATED.items():
        page = client.get(reverse("policies:detail", args=[key])).content.decode()
        assert "生效日期为推定（按文号年份推定为" in page, number
        assert 'data-testid="version-estimated"' in page, number
    known = client.get(reverse("policies:detail", args=["xiaoyi-2022-44"])).content.decode()
    assert "生效日期为推定" not in known


def test_the_pingdingshan_entry_award_page_states_the_signing_date_choice(client, policies_loaded, yuxian_clerk):
    """平政办〔2022〕15号 附件2 四(三) 对首次入库的工业企业，给予5万元一次性奖励 — from the signing date 2022-05-24,
    while 附件2 二 sets the 2022 targets for the whole year."""
    rule = IncentiveRule.objects.get(key="pingdingshan-first-entry")
    assert rule.valid_from == date(2022, 5, 24) and "落款日期2022-05-24" in rule.note and "附件2 二" in rule.note
    client.force_login(yuxian_clerk)
    page = client.get(reverse("policies:detail", args=["pingdingshan-2022-15"])).content.decode()
    assert "起始日取文件落款日期2022-05-24" in page and "不按全年执行" in page


# -- staff correct the date, with history --------------------------------------------------------------

def correct(client, key, day="2021-04-15", reason="据阳办发[2021]11号原文落款"):
    return client.post(reverse("policies:effective_date", args=[key]), {"effective_from": day, "reason": reason})


def test_a_center_clerk_of_the_city_corrects_its_document_and_the_rules_follow(
        client, policies_loaded, yangquan_center):
    """阳办发[2021]11号: the 阳泉 center (its jurisdiction) may set the real date."""
    client.force_login(yangquan_center)
    page = client.get(reverse("policies:detail", args=["yangquan-2021-11"])).content.decode()
    assert 'data-testid="effective-date-form"' in page

    response = correct(client, "yangquan-2021-11")

    assert response.status_code == 302
    document = PolicyDocument.objects.get(key="yangquan-2021-11")
    assert (document.effective_from, document.effective_from_estimated, document.effective_from_corrected_by,
            document.effective_from_correction_reason) == (date(2021, 4, 15), False, yangquan_center,
                                                           "据阳办发[2021]11号原文落款")
    latest = document.history.first()
    assert latest.history_user == yangquan_center and "据阳办发[2021]11号原文落款" in latest.history_change_reason
    assert set(IncentiveRule.objects.filter(document=document).values_list("valid_from", flat=True)) == {
        date(2021, 4, 15)}
    rules = {r.key: r for r in selectors.engine_inputs().rules}
    assert (rules["yangquan-first-entry"].valid_from, rules["yangquan-first-entry"].valid_from_estimate) == (
        date(2021, 4, 15), "")
    page = client.get(reverse("policies:detail", args=["yangquan-2021-11"])).content.decode()
    assert "生效日期为推定（" not in page and 'data-testid="effective-date-corrected"' in page


def test_load_policies_keeps_a_staff_correction(client, policies_loaded, yangquan_center):
    client.force_login(yangquan_center)
    assert correct(client, "yangquan-2021-11").status_code == 302

    catalog_sync(load_catalog())  # what the next `load_policies` does

    document = PolicyDocument.objects.get(key="yangquan-2021-11")
    assert (document.effective_from, document.effective_from_estimated) == (date(2021, 4, 15), False)
    assert IncentiveRule.objects.get(key="yangquan-first-entry").valid_from == date(2021, 4, 15)
    # an uncorrected estimate still follows its file
    assert PolicyDocument.objects.get(key="shanxi-2020-38").effective_from_estimated is True


def test_an_uncorrected_estimate_is_reloaded_from_the_file(policies_loaded):
    PolicyDocument.objects.filter(key="fushun-2023-4").update(effective_from=date(2023, 6, 1))
    catalog_sync(load_catalog())
    assert PolicyDocument.objects.get(key="fushun-2023-4").effective_from == date(2023, 1, 1)


def test_a_clerk_below_the_issuer_gets_a_404_like_a_missing_document(client, policies_loaded, yuxian_clerk):
    """The rule: center staff whose jurisdiction is the document's or one above it (盂县 is below 阳泉)."""
    client.force_login(yuxian_clerk)
    assert correct(client, "yangquan-2021-11").status_code == 404
    assert correct(client, "no-such-document").status_code == 404
    assert PolicyDocument.objects.get(key="yangquan-2021-11").effective_from == date(2021, 1, 1)
    page = client.get(reverse("policies:detail", args=["yangquan-2021-11"])).content.decode()
    assert 'data-testid="effective-date-form"' not in page


def test_other_roles_get_a_403(client, policies_loaded, yangquan_leader, yuxian_finance, yuxian_department_user,
                               enterprise_user):
    for user in (yangquan_leader, yuxian_finance, yuxian_department_user, enterprise_user):
        client.force_login(user)
        assert correct(client, "yangquan-2021-11").status_code == 403, user.role
    assert PolicyDocument.objects.get(key="yangquan-2021-11").effective_from_estimated is True


def test_a_superuser_corrects_a_provincial_document(client, policies_loaded, admin_user):
    client.force_login(admin_user)
    assert correct(client, "shanxi-2020-38", day="2020-06-30", reason="据晋办发〔2020〕38号原文").status_code == 302
    assert PolicyDocument.objects.get(key="shanxi-2020-38").effective_from == date(2020, 6, 30)


def test_a_correction_needs_a_date_and_a_reason(client, policies_loaded, yangquan_center):
    client.force_login(yangquan_center)
    assert correct(client, "yangquan-2021-11", day="2021-13-45").status_code == 400
    assert correct(client, "yangquan-2021-11", reason="").status_code == 400
    assert client.get(reverse("policies:effective_date", args=["yangquan-2021-11"])).status_code == 405
    assert PolicyDocument.objects.get(key="yangquan-2021-11").effective_from_estimated is True
