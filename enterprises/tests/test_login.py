"""Web login: throttled by django-axes, and closed to token-only (API client) accounts."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.test import APIClient

from enterprises import tokens
from enterprises.api.permissions import ApiClientsUseTokens


def attempt(client, user, password):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_sixth_attempt_even_with_the_right_password(client, yuxian_clerk):
    for _ in range(4):
        response = attempt(client, yuxian_clerk, "wrong")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    fifth = attempt(client, yuxian_clerk, "wrong")
    assert fifth.status_code == 429 and 'data-testid="locked-out"' in fifth.content.decode()
    sixth = attempt(client, yuxian_clerk, "wrong")
    assert sixth.status_code == 429
    right = attempt(client, yuxian_clerk, "pw-xiaowang")
    html = right.content.decode()
    assert right.status_code == 429 and not logged_in(client)
    assert "已暂时锁定" in html and "15 分钟" in html


def test_a_lock_is_per_username_and_address(client, yuxian_clerk, xiaoyi_clerk):
    for _ in range(5):
        attempt(client, yuxian_clerk, "wrong")
    assert attempt(client, xiaoyi_clerk, "pw-xiaoli").status_code == 302 and logged_in(client)
    other_address = client.post(reverse("login"), {"username": "xiaowang", "password": "pw-xiaowang"},
                                REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 302


def test_the_lock_ends_after_the_cool_off(client, yuxian_clerk):
    for _ in range(5):
        attempt(client, yuxian_clerk, "wrong")
    assert attempt(client, yuxian_clerk, "pw-xiaowang").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, yuxian_clerk, "pw-xiaowang").status_code == 302 and logged_in(client)


def test_a_successful_login_clears_the_failures(client, yuxian_clerk):
    for _ in range(4):
        attempt(client, yuxian_clerk, "wrong")
    assert attempt(client, yuxian_clerk, "pw-xiaowang").status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert attempt(client, yuxian_clerk, "wrong").status_code == 200
    assert attempt(client, yuxian_clerk, "pw-xiaowang").status_code == 302


def test_the_admin_login_is_throttled_too(client, admin_user):
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"})
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "pw-admin"})
    assert response.status_code == 429 and not logged_in(client)


def test_an_api_client_cannot_log_in_on_the_web(client, api_client_user):
    response = attempt(client, api_client_user, "pw-jiekou")
    html = response.content.decode()
    assert response.status_code == 200 and not logged_in(client)
    assert "接口客户端账号不能登录网页" in html and "Authorization: Token" in html


WEB_PAGES = ["enterprises:list", "enterprises:create", "policies:list", "monitoring:warnings", "incentives:ledger",
             "tokens:list", "api-docs", "admin:index"]


@pytest.mark.parametrize("page", WEB_PAGES)
def test_a_session_of_an_api_client_opens_no_page(client, api_client_user, enterprises, page):
    client.force_login(api_client_user)
    response = client.get(reverse(page))
    assert response.status_code == 403 and 'data-testid="token-only"' in response.content.decode()


def test_a_session_of_an_api_client_opens_and_changes_no_enterprise(client, api_client_user, enterprises):
    client.force_login(api_client_user)
    enterprise = enterprises["yu_gxj"]
    assert client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code == 403
    posts = {
        "enterprises:edit": {"name": "改名", "jurisdiction": enterprise.jurisdiction_id, "category": enterprise.category},
        "enterprises:figure_submit": {"year": 2024, "month": 5, "revenue": "1"},
        "enterprises:pool_move": {"pool": "reserve", "on": "2024-06-01", "reason": "x"},
        "enterprises:scale_event_create": {"kind": "first_entry", "on": "2024-12-01"},
    }
    for name, data in posts.items():
        assert client.post(reverse(name, args=[enterprise.pk]), data).status_code == 403, name
    enterprise.refresh_from_db()
    assert enterprise.name == "盂县耐火材料有限公司"
    assert not (enterprise.monthly_figures.exists() or enterprise.pool_memberships.exists()
                or enterprise.scale_events.exists())
    assert client.post(reverse("logout")).status_code == 302 and not logged_in(client)


def test_a_session_of_an_api_client_is_refused_by_the_api(client, api_client_user, enterprises):
    client.force_login(api_client_user)
    assert client.get(reverse("enterprise-list")).status_code == 403
    assert client.get(reverse("api-schema")).status_code == 403
    # the same account with its token is served
    _token, key = tokens._issue(client=api_client_user, name="r", scope="read", days=1, by=None)
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listing = with_token.get(reverse("enterprise-list")).json()  # cursor pages: no count, one page here
    assert len(listing["results"]) == 2 and listing["next"] is None


def test_the_api_refuses_an_api_client_on_a_session_even_past_the_middleware(rf, api_client_user):
    """The API's own permission, for a request that reached DRF with an API-client session."""
    django_request = rf.get("/api/enterprises/")
    django_request.user = api_client_user
    django_request.session = SessionStore()
    django_request._dont_enforce_csrf_checks = True
    request = Request(django_request, authenticators=[SessionAuthentication()])
    assert request.user == api_client_user
    assert not ApiClientsUseTokens().has_permission(request, view=None)


def test_an_absurdly_long_username_is_an_ordinary_failed_login(client, yuxian_clerk):
    response = client.post(reverse("login"), {"username": "x" * 3000, "password": "x" * 3000})
    assert response.status_code == 200 and not logged_in(client)
    assert AccessAttempt.objects.get().username == "x" * 150


def test_behind_a_trusted_proxy_the_lock_follows_the_forwarded_address(client, yuxian_clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(reverse("login"), {"username": "xiaowang", "password": "wrong"},
                    REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    from_attacker = client.post(reverse("login"), {"username": "xiaowang", "password": "pw-xiaowang"},
                                REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    from_office = client.post(reverse("login"), {"username": "xiaowang", "password": "pw-xiaowang"},
                              REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert (from_attacker.status_code, from_office.status_code) == (429, 302)
