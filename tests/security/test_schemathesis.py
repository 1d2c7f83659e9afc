"""schemathesis against the API's own OpenAPI schema, with a read token and a write
token: every endpoint, bounded examples, zero 5xx and zero responses the schema
does not describe (status codes, content types, bodies).

The requests go through Django's WSGI handler in this process, so they see the
test's rows; the handler's per-request connection clean-up is switched off for
the test, as Django's own test client does, or it would close the connection in
the middle of the test's transaction.
"""
import pytest
import schemathesis
from schemathesis import GenerationMode
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from enterprises import tokens
from enterprises.models import TokenScope

MAX_EXAMPLES = 25
# No 5xx, and nothing the schema does not describe. Not among them: schemathesis's
# "negative data must be rejected", since an empty filter (?pool=) means "no filter"
# here as everywhere in DRF, and "positive data must be accepted", since a random
# well-formed id is rightly a 404.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def api_keys(world, admin_user, api_client_user):
    keys = {}
    for scope in (TokenScope.READ, TokenScope.WRITE):
        _, keys[scope] = tokens.token_create(user=admin_user, client=api_client_user, name=f"schemathesis {scope}",
                                             scope=scope, days=1)
    return keys


@pytest.fixture
def wsgi_app():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, api_keys):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app,
                                          headers={"Authorization": f"Token {api_keys[TokenScope.READ]}"})


def _fuzz(operation, mode, keys) -> str | None:
    """Run bounded examples of one operation; the first failure's message, or None."""

    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        for key in keys:
            case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported with the operation below
        return f"{operation.label} [{mode.value}]: {error}"
    return None


def test_the_api_answers_as_its_schema_says(api_schema, api_keys):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8  # every endpoint, list and detail
    labels = {operation.label for operation in operations}
    # the writes (fuzzed with the write token as well) and the exports are among them
    assert {"POST /api/v1/monthly-figures/bulk/", "POST /api/v1/warnings/{id}/assistance/",
            "POST /api/v1/entitlements/{id}/pay/", "GET /api/v1/enterprises/export/",
            "GET /api/v1/exports/{id}/download/"} <= labels, sorted(labels)
    failures = [failure for operation in operations
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                if (failure := _fuzz(operation, mode, list(api_keys.values())))]
    assert failures == [], "\n\n".join(failures)
