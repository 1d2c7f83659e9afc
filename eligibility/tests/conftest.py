import pytest
from django.core.cache import cache

from eligibility import catalog_cache

API = "/api/eligibility-check/"


@pytest.fixture(autouse=True)
def fresh_counters_and_catalog():
    """Throttle and rate-limit counters and the held catalog belong to one test (locmem cache)."""
    cache.clear()
    catalog_cache.forget()
    yield
    cache.clear()
    catalog_cache.forget()


@pytest.fixture
def check_api(client, policies_loaded):
    def post(**facts):
        return client.post(API, facts, content_type="application/json")
    return post


def by_rule(body, draft=None):
    decisions = body["decisions"] if draft is None else next(
        d for d in body["drafts"] if d["document_key"] == draft)["decisions"]
    return {d["rule_key"]: d for d in decisions}


def payers(decision):
    return [(p["payer"], p["amount"]) for p in decision["payers"]]
