"""Content-Security-Policy on every page, templates without inline script or style, and the
API docs served from our own static files to signed-in users only."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def directives(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_the_policy_is_sent_with_pages(client, yuxian_clerk):
    for response in (client.get(reverse("login")), _logged_in(client, yuxian_clerk).get(reverse("enterprises:list"))):
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no nonce unless a template asked for one
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and "'unsafe-inline'" not in response["Content-Security-Policy"]


def _logged_in(client, user):
    client.force_login(user)
    return client


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_of_the_project_has_inline_script_or_style():
    templates = [p for p in ROOT.rglob("*.html")
                 if not {".venv", "staticfiles", "node_modules"} & set(p.relative_to(ROOT).parts)]
    assert len(templates) > 10
    found = []
    for path in templates:
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {what}: {match.group(0)}")
    assert not found, "\n".join(found)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.inline_scripts, self.inline_styles = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        if tag == "style" or "style" in attrs:
            self.inline_styles += 1


@pytest.mark.django_db
def test_the_api_docs_load_only_local_assets_under_the_policy(client, yuxian_clerk):
    client.force_login(yuxian_clerk)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200 and "Content-Security-Policy" in response
    html = response.content.decode()
    assets = _Assets()
    assets.feed(html)
    assert (assets.inline_scripts, assets.inline_styles) == (0, 0)
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@latest|cdn", html, re.I), "external host in the docs page"
    assert all(url.startswith("/") and not url.startswith("//") for url in assets.urls), assets.urls
    scripts = [url for url in assets.urls if url.endswith(".js")]
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in url for url in scripts)
    for url in assets.urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    init = client.get(next(url for url in assets.urls if "script" in url))
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    assert "/api/schema/" in init.content.decode() and not re.search(r"https?://", init.content.decode())


@pytest.mark.django_db
def test_the_schema_and_docs_are_for_signed_in_users(client, yuxian_clerk):
    assert client.get(reverse("api-schema")).status_code in (401, 403)
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    assert client.get(reverse("api-docs") + "?script=").status_code == 302
    client.force_login(yuxian_clerk)
    assert client.get(reverse("api-schema")).status_code == 200


@pytest.mark.django_db
def test_a_version_parameter_does_not_reach_the_schema_headers(client, yuxian_clerk):
    client.force_login(yuxian_clerk)
    response = client.get(reverse("api-schema"), {"version": "a\r\nb"})
    assert response.status_code == 200 and "a\r\nb" not in response["Content-Disposition"]
