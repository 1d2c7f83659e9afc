"""The record pages (add, correct, delete recognitions, listing milestones, refinancing,
annual attestations, contacts) for every role: writers in scope change, read-only roles
get 403, anything outside the scope is 404 exactly like a missing record."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import VISIBLE, WRITERS
from enterprises import records, selectors
from enterprises.models import Enterprise, Recognition, Refinancing

pytestmark = pytest.mark.django_db

# API clients use tokens only: their web sessions get 403 on every page (enterprises/tests/test_login.py).
PERSONAS = sorted(set(VISIBLE) - {"api_client"})
MISSING = 987654321

FORM_DATA = {
    "recognition": {"kind": "provincial_srdi", "certificate_no": "晋专精2025-0312", "valid_from": "2025-01-01",
                    "valid_to": "2027-12-31", "is_first": "on"},
    "listing": {"board": "zyeq_trading", "stage": "listed", "reached_on": "2025-05-20"},
    "refinancing": {"raised_on": "2025-09-01", "amount": "500", "venue": "zyeq", "local_investment_share": "85"},
    "attestation": {"year": "2025", "q1_full_capacity": "true", "development_sound": "false", "platform_grade": "1"},
    "contact": {"name": "孙主任", "title": "办公室主任", "phone": "0353-8012345", "email": "sun@example.com"},
}
SERVICE_VALUES = {
    "recognition": {"kind": "tech_sme", "valid_from": date(2024, 6, 1)},
    "listing": {"board": "neeq", "stage": "listed", "reached_on": date(2025, 3, 18)},
    "refinancing": {"raised_on": date(2025, 8, 8), "amount": Decimal("3000000.00"), "venue": "zyeq"},
    "attestation": {"year": 2024, "development_sound": True},
    "contact": {"name": "赵会计", "phone": "13800000000"},
}
KINDS = sorted(FORM_DATA)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: date(2026, 11, 23))


@pytest.fixture
def as_persona(client, all_personas):
    def login(name):
        client.force_login(all_personas[name])
        return client
    return login


@pytest.fixture
def one_of_each(yuxian_clerk, xiaoyi_clerk, enterprises):
    """A record of every kind for every enterprise, made by its county's clerk."""
    made = {}
    for key, enterprise in enterprises.items():
        clerk = xiaoyi_clerk if key == "xiaoyi" else yuxian_clerk
        for kind in KINDS:
            made[(key, kind)] = records.record_create(user=clerk, enterprise=enterprise, kind=kind,
                                                      values=SERVICE_VALUES[kind])
    return made


def expected(persona, key, allowed=200):
    if key not in VISIBLE[persona]:
        return 404
    return allowed if persona in WRITERS else 403


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_adding_a_record_is_for_writers_in_scope(as_persona, enterprises, persona, kind):
    client = as_persona(persona)
    model = records.KINDS[kind].model
    for key, enterprise in enterprises.items():
        url = reverse(f"enterprises:{kind}_create", args=[enterprise.pk])
        assert client.get(url).status_code == expected(persona, key), key
        response = client.post(url, FORM_DATA[kind])
        assert response.status_code == expected(persona, key, allowed=302), key
        assert model.objects.filter(enterprise=enterprise).exists() == (response.status_code == 302)
    assert client.get(reverse(f"enterprises:{kind}_create", args=[MISSING])).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_correcting_and_deleting_a_record_is_for_writers_in_scope(as_persona, one_of_each, persona, kind):
    client = as_persona(persona)
    model = records.KINDS[kind].model
    for (key, record_kind), record in one_of_each.items():
        if record_kind != kind:
            continue
        edit = reverse(f"enterprises:{kind}_edit", args=[record.pk])
        delete = reverse(f"enterprises:{kind}_delete", args=[record.pk])
        assert client.get(edit).status_code == expected(persona, key), key
        assert client.get(delete).status_code == expected(persona, key), key
        assert model.objects.filter(pk=record.pk).exists()  # a GET only asks for confirmation
        assert client.post(edit, FORM_DATA[kind]).status_code == expected(persona, key, allowed=302)
        assert client.post(delete).status_code == expected(persona, key, allowed=302)
        assert model.objects.filter(pk=record.pk).exists() == (expected(persona, key) != 200), key
    for name in ("edit", "delete"):
        missing = reverse(f"enterprises:{kind}_{name}", args=[MISSING])
        assert (client.get(missing).status_code, client.post(missing).status_code) == (404, 404)


def test_a_leader_and_the_enterprise_see_the_records_but_no_links_to_change_them(as_persona, one_of_each,
                                                                               enterprises):
    for persona in ("yangquan_leader", "enterprise_user"):
        html = as_persona(persona).get(reverse("enterprises:detail", args=[enterprises["yu_gxj"].pk])).content.decode()
        assert "科技型中小企业" in html and "新三板" in html and "300.00" in html and "赵会计" in html
        assert 'data-testid="add-recognition"' not in html
        assert reverse("enterprises:recognition_edit", args=[one_of_each[("yu_gxj", "recognition")].pk]) not in html


def test_a_clerk_adds_a_refinancing_in_wan_and_percent_and_sees_it_listed(as_persona, enterprises):
    enterprise = enterprises["yu_gxj"]
    client = as_persona("yuxian_clerk")
    page = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    assert reverse("enterprises:refinancing_create", args=[enterprise.pk]) in page
    response = client.post(reverse("enterprises:refinancing_create", args=[enterprise.pk]),
                           {"raised_on": "2025-09-01", "amount": "1234.5", "venue": "zyeq",
                            "local_investment_share": "85.5"}, follow=True)
    refinancing = Refinancing.objects.get(enterprise=enterprise)
    assert (refinancing.amount, refinancing.local_investment_share) == (Decimal("12345000.00"), Decimal("0.8550"))
    section = response.content.decode().split('data-testid="records-refinancing"')[1].split("</section>")[0]
    assert "1,234.50" in section and "85.5%" in section and "中原股权交易中心" in section
    assert "已登记再融资；该企业的应享奖补将在下次免申即享批次中重新计算" in response.content.decode()
    # The form to correct it shows the stored values in the units typed.
    edit = client.get(reverse("enterprises:refinancing_edit", args=[refinancing.pk])).content.decode()
    assert 'name="amount" value="1234.5"' in edit and 'name="local_investment_share" value="85.5"' in edit


def test_refused_values_are_explained_next_to_the_field(as_persona, enterprises):
    client = as_persona("yuxian_clerk")
    url = reverse("enterprises:refinancing_create", args=[enterprises["yu_gxj"].pk])
    html = client.post(url, {"raised_on": "2025-09-01", "amount": "-5", "venue": "zyeq",
                             "local_investment_share": "120"}).content.decode()
    assert "融资额（万元）：融资额须大于0，实际为-5.00万元" in html
    assert "投资于本市比例（%）：投资于本市比例应在0%至100%之间，实际为120%" in html
    html = client.post(reverse("enterprises:recognition_create", args=[enterprises["yu_gxj"].pk]),
                       {**FORM_DATA["recognition"], "valid_to": "2024-12-31"}).content.decode()
    assert 'data-testid="error-valid_to"' in html and "有效期止（2024-12-31）不能早于有效期起（2025-01-01）" in html
    assert not Refinancing.objects.exists() and not Recognition.objects.exists()


@pytest.mark.parametrize("value", ["1e400", "NaN", "9" * 40, "abc", "-1e999999"])
def test_absurd_numbers_are_form_errors_not_crashes(as_persona, enterprises, value):
    client = as_persona("yuxian_clerk")
    url = reverse("enterprises:refinancing_create", args=[enterprises["yu_gxj"].pk])
    response = client.post(url, {"raised_on": "2025-09-01", "amount": value, "venue": "zyeq",
                                 "local_investment_share": value})
    assert response.status_code == 200 and not Refinancing.objects.exists()


def test_the_edit_page_shows_the_records_history_with_names_and_labels(as_persona, yuxian_clerk, enterprises):
    yuxian_clerk.last_name, yuxian_clerk.first_name = "王", "小明"
    yuxian_clerk.save()
    client = as_persona("yuxian_clerk")
    enterprise = enterprises["yu_gxj"]
    client.post(reverse("enterprises:recognition_create", args=[enterprise.pk]), FORM_DATA["recognition"])
    recognition = Recognition.objects.get()
    client.post(reverse("enterprises:recognition_edit", args=[recognition.pk]),
                {**FORM_DATA["recognition"], "kind": "national_little_giant"})
    html = client.get(reverse("enterprises:recognition_edit", args=[recognition.pk])).content.decode()
    trail = html.split('data-testid="record-trail"')[1]
    assert "王小明" in trail and "xiaowang" not in trail
    assert "省级专精特新中小企业 → 国家级专精特新“小巨人”企业" in trail
    assert "provincial_srdi" not in trail and "national_little_giant" not in trail


def test_deleting_asks_first_then_deletes_on_post(as_persona, one_of_each, enterprises):
    client = as_persona("yuxian_clerk")
    contact = one_of_each[("yu_gxj", "contact")]
    url = reverse("enterprises:contact_delete", args=[contact.pk])
    page = client.get(url).content.decode()
    assert "确认删除联系人：赵会计？" in page and 'method="post"' in page
    response = client.post(url, follow=True)
    assert not type(contact).objects.filter(pk=contact.pk).exists()
    assert "已删除联系人：赵会计" in response.content.decode()


def test_the_enterprise_page_says_a_changed_fact_awaits_the_next_batch(as_persona, enterprises):
    client = as_persona("yuxian_clerk")
    enterprise = enterprises["yu_gxj"]
    detail = reverse("enterprises:detail", args=[enterprise.pk])
    assert 'data-testid="facts-pending"' not in client.get(detail).content.decode()
    client.post(reverse("enterprises:listing_create", args=[enterprise.pk]), FORM_DATA["listing"])
    html = client.get(detail).content.decode()
    assert 'data-testid="facts-pending"' in html and "将在下次免申即享批次中重新计算" in html
    # A batch that evaluated the enterprise afterwards (incentives stamps it) clears the note.
    Enterprise.objects.filter(pk=enterprise.pk).update(facts_evaluated_at=Enterprise.objects.get(
        pk=enterprise.pk).facts_changed_at)
    assert 'data-testid="facts-pending"' not in client.get(detail).content.decode()
