"""One unit of work per request, and one place where a refused action is answered.

Every view runs inside :meth:`ShopFlask.dispatch_request`: when the view returns, the
session commits; when it raises (a :class:`~shop.errors.DomainError`, a 404, a crash), the
session rolls back, and only then is the error answered. Views never commit nor roll back.
(Indico's ``RH.process`` works the same way.)

A :class:`DomainError` becomes what the user sees in :func:`answer_domain_error`, app-wide:

- under the API, JSON with the same French text (``shop.blueprints.api`` chooses the status);
- in a page whose view called :func:`on_refusal` with its form and a way to render it, the
  message beside the field it names, the page shown again (400) with what was typed;
- in a page of many small forms (a table of quotas), ``beside(error)`` renders the page
  again with the message beside the one field it names;
- otherwise a flash message (one per problem when the error lists several) and a redirect
  to where the view said to go back (``back``), or the form page again, or the referring
  page of this site.

Nothing the refused action did is kept: the rollback happened before the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, flash, g, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException

from shop.errors import DomainError
from shop.extensions import db
from shop.web.params import local_path


class ShopFlask(Flask):
    """Flask whose every view is one transaction."""

    def dispatch_request(self) -> ResponseReturnValue:
        try:
            response = super().dispatch_request()
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return response


@dataclass
class Refusal:
    form: FlaskForm | None = None
    render: Callable[[], ResponseReturnValue] | None = None
    back: str | None = None
    beside: Callable[[DomainError], ResponseReturnValue] | None = None


def on_refusal(
    *,
    form: FlaskForm | None = None,
    render: Callable[[], ResponseReturnValue] | None = None,
    back: str | None = None,
    beside: Callable[[DomainError], ResponseReturnValue] | None = None,
) -> None:
    """Say how this request shows a refused action: the ``form`` whose fields an error may
    name and ``render`` to show its page again, or ``back``, the page to go back to; or
    ``beside``, which shows the page again with a given error beside its field."""
    g.refusal = Refusal(form, render, back, beside)


def error_beside_field(form: FlaskForm, error: DomainError) -> bool:
    """Show a domain error beside the field it names; False when it names none of the form's
    (the caller then shows it as a message)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return False
    field.errors = [*field.errors, str(error)]  # a tuple until the form has been validated
    return True


def flash_error(error: DomainError) -> None:
    flash(str(error), "danger")
    for problem in getattr(error, "problems", []):
        flash(str(problem), "danger")


def answer_domain_error(error: DomainError) -> ResponseReturnValue:
    if request.blueprint == "api":
        from shop.blueprints.api import domain_error_response

        return domain_error_response(error)
    refusal: Refusal = g.get("refusal") or Refusal()
    if refusal.beside and error.field:
        return _shown_again(lambda: refusal.beside(error))
    if refusal.render and refusal.form and error_beside_field(refusal.form, error):
        return _shown_again(refusal.render)
    flash_error(error)
    if refusal.render and refusal.back is None:
        return _shown_again(refusal.render)
    return redirect(refusal.back or _referrer())


def _shown_again(render: Callable[[], ResponseReturnValue]):
    try:
        page = render()
    except HTTPException as error:
        # The page cannot be shown again (its object is gone, or never was one this
        # account may see): answer that, a 404 say, rather than a crash inside the handler.
        return current_app.handle_http_exception(error)
    response = make_response(page)
    if response.status_code < 400:
        response.status_code = 400
    return response


def _referrer() -> str:
    """The page the refused form was sent from, when it is one of ours."""
    referrer = request.referrer or ""
    root = request.host_url.rstrip("/")
    if referrer.startswith(root + "/"):
        return local_path(referrer[len(root) :], url_for("main.index"))
    return url_for("main.index")


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, answer_domain_error)
