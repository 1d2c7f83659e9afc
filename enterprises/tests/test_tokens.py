"""API tokens: staff issue and revoke them in the portal, the API honours name, scope and expiry.

Keys are django-rest-knox keys: hashed in the database, shown once, expiring.
"""
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import _user
from enterprises import tokens
from enterprises.models import ApiToken, Role, TokenScope


@pytest.fixture
def clients(jurisdictions, api_client_user):
    """API-client accounts: one in 盂县, one in 孝义市, and the 阳泉市 one of the shared fixtures."""
    return {
        "yuxian": _user("yuxian_api", Role.API_CLIENT, jurisdiction=jurisdictions["yuxian"]),
        "xiaoyi": _user("xiaoyi_api", Role.API_CLIENT, jurisdiction=jurisdictions["xiaoyi"]),
        "yangquan": api_client_user,
    }


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def call(key, method="get", url=None):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return getattr(client, method)(url or reverse("enterprise-list"))


def create_on_page(client, account, **data):
    data = {"name": "市数据平台每日同步", "scope": "read", "days": 90, **data}
    return client.post(reverse("tokens:create", args=[account.pk]), data)


def shown_key(response):
    return re.search(r'data-testid="token-key">([^<]+)<', response.content.decode()).group(1)


# -- the portal pages --------------------------------------------------------------------------

def test_a_clerk_lists_only_the_api_clients_of_her_subtree(client, yuxian_clerk, clients):
    client.force_login(yuxian_clerk)
    html = client.get(reverse("tokens:list")).content.decode()
    assert 'data-testid="client-yuxian_api"' in html
    assert "xiaoyi_api" not in html and "jiekou" not in html  # another county; the city above her


def test_a_city_clerk_sees_the_clients_of_the_counties_below(client, jurisdictions, clients):
    city_clerk = _user("yq_clerk", Role.CENTER_STAFF, jurisdiction=jurisdictions["yangquan"])
    client.force_login(city_clerk)
    html = client.get(reverse("tokens:list")).content.decode()
    assert "yuxian_api" in html and "jiekou" in html and "xiaoyi_api" not in html


def test_a_superuser_sees_every_client(client, admin_user, clients):
    client.force_login(admin_user)
    html = client.get(reverse("tokens:list")).content.decode()
    assert all(f'data-testid="client-{c.username}"' in html for c in clients.values())


def test_the_key_is_shown_once_and_works_with_the_chosen_name_scope_and_expiry(client, yuxian_clerk, clients,
                                                                             enterprises):
    client.force_login(yuxian_clerk)
    response = create_on_page(client, clients["yuxian"], name="县大数据中心", scope="write", days=30)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = shown_key(response)
    token = ApiToken.objects.get(user=clients["yuxian"])
    assert (token.name, token.scope, token.created_by) == ("县大数据中心", "write", yuxian_clerk)
    assert abs(token.expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    # only a digest is stored; the list shows the prefix, never the key again
    assert token.digest != key and key not in str(list(ApiToken.objects.values()))
    assert key not in str(list(ApiToken.history.values()))
    listing = client.get(reverse("tokens:list")).content.decode()
    assert key not in listing and f"{token.token_key}…" in listing and key.startswith(token.token_key)
    # the key works in the API, within the client's own scope
    listing = call(key).json()  # cursor pages: no count, one page here
    assert len(listing["results"]) == 2 and listing["next"] is None


def test_expiry_is_at_most_the_maximum_and_defaults_to_90_days(client, yuxian_clerk, clients, settings):
    client.force_login(yuxian_clerk)
    form_page = client.get(reverse("tokens:create", args=[clients["yuxian"].pk])).content.decode()
    assert 'name="days" value="90"' in form_page and 'max="365"' in form_page
    for days in (0, 366, -5):
        response = create_on_page(client, clients["yuxian"], days=days)
        assert response.status_code == 200 and 'data-testid="error-days"' in response.content.decode()
    assert not ApiToken.objects.exists()
    token, _key = tokens.token_create(user=yuxian_clerk, client=clients["yuxian"], name="默认")
    assert abs(token.expiry - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert token.scope == TokenScope.READ


def test_a_name_is_required(client, yuxian_clerk, clients):
    client.force_login(yuxian_clerk)
    response = create_on_page(client, clients["yuxian"], name="  ")
    assert 'data-testid="error-name"' in response.content.decode() and not ApiToken.objects.exists()


def test_a_foreign_account_answers_like_a_missing_one(client, yuxian_clerk, clients):
    client.force_login(yuxian_clerk)
    token, _key = tokens._issue(client=clients["xiaoyi"], name="孝义", scope="read", days=10, by=None)
    missing = 987654321
    for account_pk in (clients["xiaoyi"].pk, clients["yangquan"].pk, missing):
        assert client.get(reverse("tokens:create", args=[account_pk])).status_code == 404
        assert client.post(reverse("tokens:create", args=[account_pk]),
                           {"name": "x", "scope": "write", "days": 10}).status_code == 404
        assert client.post(reverse("tokens:revoke", args=[account_pk, token.token_key])).status_code == 404
    assert ApiToken.objects.filter(user=clients["xiaoyi"]).count() == 1
    assert not ApiToken.objects.filter(user__in=[clients["yangquan"]]).exists()


def test_a_token_of_another_client_cannot_be_revoked_through_an_own_client(client, yuxian_clerk, clients):
    client.force_login(yuxian_clerk)
    foreign, _key = tokens._issue(client=clients["xiaoyi"], name="孝义", scope="read", days=10, by=None)
    response = client.post(reverse("tokens:revoke", args=[clients["yuxian"].pk, foreign.token_key]))
    assert response.status_code == 404 and ApiToken.objects.filter(pk=foreign.pk).exists()


def test_revoking_stops_the_key_at_once_and_is_recorded_with_the_acting_user(client, yuxian_clerk, clients,
                                                                           enterprises):
    client.force_login(yuxian_clerk)
    key = shown_key(create_on_page(client, clients["yuxian"]))
    token = ApiToken.objects.get()
    assert call(key).status_code == 200
    assert client.get(reverse("tokens:revoke", args=[clients["yuxian"].pk, token.token_key])).status_code == 405
    response = client.post(reverse("tokens:revoke", args=[clients["yuxian"].pk, token.token_key]))
    assert response.status_code == 302 and not ApiToken.objects.exists()
    assert call(key).status_code == 401
    created, revoked = ApiToken.history.order_by("history_date", "history_id")
    assert (created.history_type, created.history_user, created.name) == ("+", yuxian_clerk, "市数据平台每日同步")
    assert (revoked.history_type, revoked.history_user, revoked.history_change_reason) == (
        "-", yuxian_clerk, tokens.REVOKED)
    events = client.get(reverse("tokens:list")).content.decode().split('data-testid="token-events"')[1]
    assert "吊销" in events and "创建" in events and token.token_key in events


@pytest.mark.parametrize("persona", ["yangquan_leader", "yuxian_department_user", "enterprise_user"])
def test_other_roles_cannot_reach_the_token_pages(client, all_personas, clients, persona):
    token, _key = tokens._issue(client=clients["yuxian"], name="x", scope="read", days=10, by=None)
    client.force_login(all_personas[persona])
    assert client.get(reverse("tokens:list")).status_code == 403
    assert client.get(reverse("tokens:create", args=[clients["yuxian"].pk])).status_code == 403
    assert create_on_page(client, clients["yuxian"]).status_code == 403
    assert client.post(reverse("tokens:revoke", args=[clients["yuxian"].pk, token.token_key])).status_code == 403
    assert ApiToken.objects.count() == 1
    assert 'data-testid="nav-tokens"' not in client.get(reverse("policies:list")).content.decode()


def test_api_clients_and_visitors_cannot_reach_the_token_pages(client, clients):
    assert client.get(reverse("tokens:list"))["Location"].startswith(reverse("login"))
    client.force_login(clients["yuxian"])
    assert client.get(reverse("tokens:list")).status_code == 403
    assert create_on_page(client, clients["yuxian"]).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_navigation_links_the_token_page_for_those_who_manage_tokens(client, yuxian_clerk, admin_user):
    for user in (yuxian_clerk, admin_user):
        client.force_login(user)
        assert 'data-testid="nav-tokens"' in client.get(reverse("policies:list")).content.decode()


def test_the_service_checks_access_itself(yuxian_clerk, yangquan_leader, clients):
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        tokens.token_create(user=yuxian_clerk, client=clients["xiaoyi"], name="x")
    with pytest.raises(PermissionDenied):
        tokens.token_create(user=yangquan_leader, client=clients["yuxian"], name="x")
    token, _key = tokens._issue(client=clients["xiaoyi"], name="x", scope="read", days=1, by=None)
    with pytest.raises(PermissionDenied):
        tokens.token_revoke(user=yuxian_clerk, token=token)
    assert ApiToken.objects.filter(pk=token.pk).exists()


# -- the API side --------------------------------------------------------------------------------

def test_a_read_token_cannot_write_and_a_write_token_reaches_the_method_check(clients, enterprises):
    _read, read_key = tokens._issue(client=clients["yangquan"], name="r", scope="read", days=1, by=None)
    _write, write_key = tokens._issue(client=clients["yangquan"], name="w", scope="write", days=1, by=None)
    # the API has no write endpoint yet: a write token gets past the scope check and meets 405
    assert call(read_key, "post").status_code == 403
    assert call(write_key, "post").status_code == 405
    for method in ("put", "patch", "delete"):
        url = reverse("enterprise-detail", args=[enterprises["yu_gxj"].pk])
        assert call(read_key, method, url).status_code == 403
        assert call(write_key, method, url).status_code == 405
    assert call(read_key).status_code == 200 and call(read_key, "options").status_code == 200


def test_an_expired_token_is_refused(clients, enterprises):
    token, key = tokens._issue(client=clients["yangquan"], name="r", scope="read", days=1, by=None)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert call(key).status_code == 401


def test_an_expired_token_is_deleted_when_presented_and_another_one_still_works(clients, enterprises):
    expired, expired_key = tokens._issue(client=clients["yangquan"], name="old", scope="read", days=1, by=None)
    _live, live_key = tokens._issue(client=clients["yangquan"], name="new", scope="read", days=1, by=None)
    ApiToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert call(live_key).status_code == 200
    assert ApiToken.objects.filter(pk=expired.pk).exists()  # (listed as expired until it is presented)
    assert call(expired_key).status_code == 401
    assert not ApiToken.objects.filter(pk=expired.pk).exists()


def test_a_token_read_costs_one_query_for_the_token_and_its_account(clients, enterprises,
                                                                     django_assert_num_queries):
    _token, key = tokens._issue(client=clients["yangquan"], name="r", scope="read", days=1, by=None)
    url = reverse("enterprise-list")
    assert call(key, "get", url).status_code == 200
    with django_assert_num_queries(2):  # the token with its account and jurisdiction; the page
        assert call(key, "get", url).status_code == 200


def test_a_token_of_a_staff_account_is_refused(yuxian_clerk, enterprises):
    _token, key = ApiToken.objects.create(user=yuxian_clerk, expiry=timedelta(days=1), name="x")
    assert call(key).status_code == 401


def test_an_inactive_client_is_refused(clients, enterprises):
    _token, key = tokens._issue(client=clients["yangquan"], name="r", scope="read", days=1, by=None)
    clients["yangquan"].is_active = False
    clients["yangquan"].save()
    assert call(key).status_code == 401


def test_repeated_wrong_keys_from_one_address_are_throttled(clients, enterprises, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    _token, key = tokens._issue(client=clients["yangquan"], name="r", scope="read", days=1, by=None)
    assert call(key).status_code == 200
    statuses = [call(key[:-4] + "0000").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert call(key).status_code == 429  # even the right key, until the window passes
    assert APIClient().get(reverse("enterprise-list")).status_code == 401  # requests without a token are unaffected
    cache.clear()
    assert call(key).status_code == 200


def test_the_schema_documents_the_token_header(client, yuxian_clerk):
    client.force_login(yuxian_clerk)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Token <" in scheme["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/enterprises/"]["get"]["security"]
