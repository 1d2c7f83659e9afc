"""The API's filters come from the caller's scope: the browsable API lists no
foreign enterprise, and a foreign id answers exactly like one that does not exist."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import VISIBLE

from .conftest import NONEXISTENT_ID

LISTS = ["monthly-figure-list", "pool-membership-list", "entitlement-list", "enterprise-list"]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_the_browsable_api_names_no_foreign_enterprise(world, all_personas, persona, endpoint):
    html = client_for(all_personas[persona]).get(reverse(endpoint), {"format": "api"})
    assert html.status_code == 200
    text = html.content.decode()
    for key, enterprise in world.items():
        if key not in VISIBLE[persona]:
            assert enterprise.name not in text, f"{persona} sees {enterprise.name} in {endpoint}"
            assert enterprise.credit_code not in text
    assert '<select name="enterprise"' not in text


@pytest.mark.parametrize("endpoint", LISTS[:3])
@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_a_foreign_enterprise_filter_answers_like_a_missing_one(world, all_personas, persona, endpoint):
    client = client_for(all_personas[persona])
    missing = client.get(reverse(endpoint), {"enterprise": NONEXISTENT_ID})
    for key, enterprise in world.items():
        if key in VISIBLE[persona]:
            own = client.get(reverse(endpoint), {"enterprise": enterprise.pk}).json()
            assert len(own["results"]) == 1 and own["next"] is None
            continue
        foreign = client.get(reverse(endpoint), {"enterprise": enterprise.pk})
        assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
        by_code = client.get(reverse(endpoint), {"credit_code": enterprise.credit_code})
        assert by_code.json()["results"] == [] and by_code.json()["next"] is None


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("value", ["abc", "1e400", "9" * 40, "²", "-1", "\x00", "a\r\nb"])
def test_hostile_filter_values_are_a_client_error(world, all_personas, endpoint, value):
    client = client_for(all_personas["yuxian_clerk"])
    for name in ("enterprise", "year", "month", "pool", "status", "page", "credit_code", "category"):
        response = client.get(reverse(endpoint), {name: value})
        assert response.status_code < 500, (name, value, response.status_code)
