"""The OpenAPI document tells the truth about the API.

Two checks: the document and the application list the same operations; and Schemathesis
sends every operation generated requests (valid and invalid, from the document's schemas and
examples) through the WSGI app with a valid token, and fails on any 500, any status code the
document does not list for the operation, and any answer whose body, content type or headers
the document does not describe. The database holds an order of the client's shop numbered
like the document's example (C0001), so the example requests ship and deliver a real order,
and one of the other shop, which every answer must treat as missing.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as builtin_checks
from schemathesis.specs.openapi import checks as openapi_checks

from shop.api.openapi import API_PREFIX, openapi_document
from shop.models import ShopKind

CHECKS = [
    builtin_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.ignored_auth,
    openapi_checks.unsupported_method,
]


def test_the_document_is_what_the_app_serves(client):
    assert client.get(f"{API_PREFIX}/openapi.json").get_json() == openapi_document()


def test_the_document_lists_exactly_the_api_routes(app):
    documented = {
        (path, method.upper())
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    registered = {
        (rule.rule.replace("<", "{").replace(">", "}"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == registered


@pytest.fixture
def seeded_token(app, validated_order, api_token) -> str:
    """A printed-shop client; its order is C0001 (the document's example), C0002 is another
    shop's."""
    _, mine, _ = validated_order(ShopKind.PRINTED)
    _, theirs, _ = validated_order(ShopKind.OBJECTS)
    assert (mine, theirs) == ("C0001", "C0002")
    return api_token(ShopKind.PRINTED)


# Loaded from the dict the app serves (``test_the_document_is_what_the_app_serves``), not
# through ``schemathesis.pytest.from_fixture``: its lazy loader reads ``Node._nodeid``, which
# pytest 9 removed.
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.update(base_url="http://localhost")  # the WSGI app answers any host


@schema.hook
def filter_query(_context, query) -> bool:
    """Skip queries with a parameter whose value is an empty list: no URL can carry it, so
    the request sent lacks it, and an unknown parameter drawn that way (a "negative" case
    that is refused when sent) reaches the app as a valid request that Schemathesis then
    blames for being accepted."""
    return not any(value == [] for value in (query or {}).values())


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    database=None,  # no example replayed from earlier runs: each run is the same bounded size
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, app, seeded_token):
    # Schemathesis' own probes (``ignored_auth`` resends without the token) go through the
    # operation's schema's transport: WSGI once that schema knows the app.
    case.operation.schema.app = app
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {seeded_token}"}, checks=CHECKS
    )
