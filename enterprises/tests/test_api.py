from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import VISIBLE
from enterprises import services
from enterprises.models import ApiToken, Role


def token_client(user, **fields):
    """An API client calling with a real (knox) token, as integration accounts must."""
    _token, key = ApiToken.objects.create(user=user, expiry=timedelta(days=1), name=fields.pop("name", "测试"),
                                          **fields)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(all_personas):
    def as_user(name):
        user = all_personas[name]
        if user.role == Role.API_CLIENT:
            return token_client(user)
        client = APIClient()
        client.force_authenticate(user)
        return client
    return as_user


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_the_ledger_lists_only_enterprises_in_scope(api, enterprises, persona):
    data = api(persona).get(reverse("enterprise-list")).json()
    by_pk = {e.pk: key for key, e in enterprises.items()}
    assert {by_pk[row["id"]] for row in data["results"]} == VISIBLE[persona]


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_one_book_is_404_outside_scope(api, enterprises, persona):
    client = api(persona)
    for key, enterprise in enterprises.items():
        status = client.get(reverse("enterprise-detail", args=[enterprise.pk])).status_code
        assert status == (200 if key in VISIBLE[persona] else 404)


def test_the_api_is_read_only(api, enterprises):
    response = api("yuxian_clerk").post(reverse("enterprise-list"), {"name": "x"})
    assert response.status_code == 405


def test_a_token_authenticates_an_api_client(api_client_user, enterprises):
    token, key = ApiToken.objects.create(user=api_client_user, expiry=timedelta(days=1), name="测试")
    assert token.digest != key and key not in str(list(ApiToken.objects.values()))  # stored hashed
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listing = client.get(reverse("enterprise-list")).json()  # cursor pages: no count, one page here
    assert len(listing["results"]) == 2 and listing["next"] is None
    assert APIClient().get(reverse("enterprise-list")).status_code in (401, 403)


def test_one_book_carries_figures_pools_and_former_names(api, yuxian_clerk, enterprises):
    from datetime import date
    from decimal import Decimal
    enterprise = enterprises["yu_gxj"]
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprise, year=2024, month=1,
                                   values={"revenue": Decimal("1234567.89")})
    services.pool_move(user=yuxian_clerk, enterprise=enterprise, pool="reserve", reason="达500万")
    services.enterprise_update(user=yuxian_clerk, enterprise=enterprise, name="盂县新名公司", on=date(2024, 3, 1))
    book = api("api_client").get(reverse("enterprise-detail", args=[enterprise.pk])).json()
    assert book["monthly_figures"][0]["revenue"] == "1234567.89"
    assert book["current_pool"] == "reserve"
    assert [n["name"] for n in book["former_names"]] == ["盂县耐火材料有限公司"]


def test_monthly_figures_are_scoped(api, yuxian_clerk, xiaoyi_clerk, enterprises):
    from decimal import Decimal
    services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2024, month=1,
                                   values={"revenue": Decimal("1")})
    services.monthly_figure_upsert(user=xiaoyi_clerk, enterprise=enterprises["xiaoyi"], year=2024, month=1,
                                   values={"revenue": Decimal("2")})
    rows = api("xiaoyi_clerk").get(reverse("monthly-figure-list")).json()["results"]
    assert [r["enterprise"] for r in rows] == [enterprises["xiaoyi"].pk]


def test_the_list_endpoint_query_count_is_bounded(api, make_enterprise, django_assert_max_num_queries):
    for i in range(30):
        make_enterprise(f"企业{i}", "xiushui")
    client = api("yuxian_clerk")
    with django_assert_max_num_queries(6):
        listing = client.get(reverse("enterprise-list")).json()
    assert len(listing["results"]) == 32 and listing["next"] is None  # + the two 盂县 fixtures


def test_the_openapi_schema_documents_the_ledger(client, admin_user):
    client.force_login(admin_user)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/enterprises/{id}/" in schema["paths"]
    assert client.get(reverse("api-docs")).status_code == 200
