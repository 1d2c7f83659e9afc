"""Under the Content-Security-Policy the pages still work in a real browser: the API docs
render from local files, the language switcher and year selector submit, nothing is blocked.
And a clerk issues an API token on the portal page and sees the key once."""
import re

import pytest

from conftest import _user
from enterprises.models import ApiToken, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(page):
    """What the browser refused (CSP reports in the console) and requests that failed."""
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    page.on("requestfailed", lambda request: seen.append(f"failed: {request.url}"))
    return seen


def test_the_api_docs_render_from_local_files_without_violations(login, yuxian_clerk, enterprises, live_server,
                                                                 violations):
    page = login(yuxian_clerk)
    hosts = set()
    page.on("request", lambda request: hosts.add(re.match(r"https?://[^/]+", request.url).group(0)))
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20000)
    assert page.locator(".opblock").count() > 5
    assert "/api/v1/enterprises/" in page.locator("#swagger-ui").inner_text()  # the versioned path is the documented one
    assert page.locator(".btn.authorize").count() == 1  # the token scheme is offered
    assert hosts == {live_server.url}
    assert not violations, violations


def test_the_language_switcher_works_without_inline_script(login, yuxian_clerk, enterprises, violations):
    page = login(yuxian_clerk)
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    nav = page.locator("header nav").inner_text()
    assert "Enterprise registry" in nav and "企业库" not in nav
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert "企业库" in page.locator("header nav").inner_text()
    assert not violations, violations


def test_a_clerk_issues_a_token_and_sees_the_key_once(login, yuxian_clerk, jurisdictions, violations):
    client = _user("yuxian_api", Role.API_CLIENT, jurisdiction=jurisdictions["yuxian"])
    page = login(yuxian_clerk)
    with page.expect_navigation():
        page.click("[data-testid=nav-tokens]")
    with page.expect_navigation():
        page.click(f"[data-testid=create-{client.username}]")
    page.fill("#id_name", "县大数据中心")
    page.check("input[name=scope][value=write]")
    page.fill("#id_days", "30")
    with page.expect_navigation():
        page.click("[data-testid=token-form] button[type=submit]")
    key = page.locator("[data-testid=token-key]").inner_text()
    token = ApiToken.objects.get(user=client)
    assert key.startswith(token.token_key) and token.scope == "write"
    with page.expect_navigation():
        page.click("text=返回接口令牌")
    assert key not in page.content() and token.token_key in page.content()
    page.once("dialog", lambda dialog: dialog.accept())  # the revoke button asks first
    with page.expect_navigation():
        page.click(f"[data-testid=revoke-{token.token_key}]")
    assert not ApiToken.objects.exists()
    assert "已吊销" in page.locator(".messages").inner_text()
    assert not violations, violations
