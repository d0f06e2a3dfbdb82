"""Every rule of the URL map, GET and POST, as every kind of account and anonymously, with
values no form would send, in its path, its query and its form: never a server error.

The parameters a view reads are recorded, not listed: the request's parameter storage notes
each key a view asks for (``get``, ``getlist``, ``[]``, ``in``; WTForms fields ask with
``in`` and ``getlist``), in two probes with harmless values; then each weird value goes to
all of those keys at once, and into every argument of the path: one request per rule, role
and value. CSRF is off here (the value of a token is not what is tested).
"""

from __future__ import annotations

import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

WEIRD = ["²", "٣", "-1", "0", "9223372036854775808", "1e3", "", "\x00", "x" * 10_000]
HARMLESS = "1"
METHODS = ("GET", "POST")
SHOP_ROOT = str(Path(__file__).resolve().parent.parent / "shop")

# The app-wide input checks run before every view and refuse a bad page number: the
# weird values go to it in a request of their own, or no view would ever see the others.
CHECKED_BEFORE_VIEWS = {"page"}

_reads: list[set[str]] = []  # the keys the view being run reads
_in_view: list[bool] = []


def _record(key) -> None:
    if _reads and _in_view and isinstance(key, str):
        _reads[-1].add(key)


class RecordingDict(ImmutableMultiDict):
    """Query and form values that note which keys the view asks for."""

    def get(self, key, default=None, type=None):  # noqa: A002  (werkzeug's signature)
        _record(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        _record(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        _record(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _record(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingDict


@contextmanager
def reading():
    keys: set[str] = set()
    _reads.append(keys)
    try:
        yield keys
    finally:
        _reads.pop()


@pytest.fixture
def fuzzing(app, monkeypatch):
    """The app records what its views read (not the app-wide checks), without CSRF."""
    dispatch = app.dispatch_request

    def dispatch_recording():
        _in_view.append(True)
        try:
            return dispatch()
        finally:
            _in_view.pop()

    monkeypatch.setattr(app, "request_class", RecordingRequest)
    monkeypatch.setattr(app, "dispatch_request", dispatch_recording)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)


def shown(value: str) -> str:
    return repr(value) if len(value) < 20 else f"'x' * {len(value)}"


def where(exc: BaseException) -> str:
    """The innermost frame of the shop's own code, where the exception came from."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(SHOP_ROOT)
    ]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.line}"


def test_no_weird_value_makes_a_server_error(app, each_role, sign_in_as, rule_path, fuzzing):
    role = each_role
    browser = sign_in_as(role)
    role_name = "anonymous" if role is None else role.value
    client = browser.client
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    signed_in = client.get_cookie(cookie_name)

    def send(method: str, path: str, keys: set[str], value: str, checked: str = HARMLESS):
        """One request, from the signed-in session (never the one a previous request left:
        "Déconnexion" must not sign the rest out). Returns the problem, or None."""
        client.delete_cookie(cookie_name)
        if signed_in is not None:
            client.set_cookie(cookie_name, signed_in.value)
        values = {key: checked if key in CHECKED_BEFORE_VIEWS else value for key in keys}
        try:
            response = client.open(
                path,
                method=method,
                query_string=values,
                data=values if method == "POST" else None,
            )
        except Exception as exc:  # TESTING propagates what would be a 500
            message = (str(exc).splitlines() or [""])[0][:200]
            return f"{type(exc).__name__}: {message} at {where(exc)}"
        if response.status_code >= 500:
            return f"{response.status_code}"
        return None

    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        path = rule_path(rule)
        assert path is not None, f"{rule.rule}: add its arguments to url_values"
        for method in METHODS:
            if method not in rule.methods:
                continue
            keys: set[str] = set()
            for _ in range(2):  # the second probe reads on where the first one stopped
                with reading() as read:
                    send(method, path, keys, HARMLESS)
                keys |= read
            for value in WEIRD:
                requests = [("keys", path, value, HARMLESS)]
                if rule.arguments:
                    requests.append(("path", rule_path(rule, value), value, HARMLESS))
                if keys & CHECKED_BEFORE_VIEWS:
                    requests.append(("page", path, HARMLESS, value))
                for where_, target, weird, checked in requests:
                    problem = send(method, target, keys, weird, checked)
                    if problem:
                        problems.append(
                            f"{method} {rule.rule} as {role_name} in {where_} "
                            f"value={shown(value)} keys={sorted(keys)}: {problem}"
                        )
    assert problems == [], f"{len(problems)} server errors:\n" + "\n".join(problems)
