"""Every page of the URL map, as every kind of account and as an anonymous visitor: it
renders, redirects to the sign-in page, or answers 403 or 404; never a server error.

The pages are the GET rules of ``app.url_map``: a new route is walked without being listed
here, and a route whose arguments cannot be built from the demo rows fails the test until
``url_values`` (tests/conftest.py) knows them.
"""

from urllib.parse import urlsplit

import pytest

from shop.models import AccountType

SIGN_IN = "/connexion"


def get_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def outcome(browser, path: str, signed_in: bool, api: bool) -> str | None:
    """What is wrong with the answer to GET ``path``, or None when it is fine."""
    response = browser.get(path)
    status = response.status_code
    if api and status == 401:  # the warehouse API signs in with a token, not a session
        return None
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.location)
        if target.netloc:
            return f"{status} to another site: {response.location}"
        if target.path == SIGN_IN and not signed_in:
            return None
        status = browser.get(response.location, follow_redirects=True).status_code
    return None if status in (200, 403, 404) else f"{status}"


def test_every_page_answers_every_role(app, each_role, sign_in_as, rule_path):
    role = each_role
    browser = sign_in_as(role)
    problems = []
    for rule in get_rules(app):
        path = rule_path(rule)
        if path is None:
            problems.append(f"{rule.rule} ({rule.endpoint}): no value for its arguments")
            continue
        problem = outcome(browser, path, role is not None, rule.endpoint.startswith("api."))
        if problem:
            problems.append(f"GET {path} ({rule.endpoint}): {problem}")
    assert problems == [], "\n".join(problems)


# The API's reads answer a token, never a session (tests/test_api.py reads them).
NOT_FOR_A_SESSION = {"api.list_orders", "api.get_order"}


def test_every_page_renders_for_someone(app, sign_in_as, rule_path):
    """The URL map's arguments are real rows: each page renders for at least one role
    (after its redirects: "/" leads each role to its home page)."""
    unseen = {rule.endpoint: rule for rule in get_rules(app)}
    for endpoint in NOT_FOR_A_SESSION:
        unseen.pop(endpoint)
    for role in [None, *AccountType]:
        browser = sign_in_as(role)
        for endpoint, rule in list(unseen.items()):
            path = rule_path(rule)
            if path and browser.get(path, follow_redirects=True).status_code == 200:
                unseen.pop(endpoint)
    assert sorted(f"{rule.rule} ({endpoint})" for endpoint, rule in unseen.items()) == []


@pytest.mark.parametrize("path", ["/connexion", "/mot-de-passe-oublie"])
def test_anonymous_pages(browser, path):
    assert browser.get(path).status_code == 200


def test_home_sends_anonymous_visitors_to_sign_in(browser):
    response = browser.get("/")
    assert response.status_code == 302 and SIGN_IN in response.location
