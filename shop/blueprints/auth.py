"""Sign-in, sign-out, forgotten password, and choosing a password from an e-mailed link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from shop import accounts
from shop.blueprints.forms import ChoosePasswordForm, ForgotForm, LoginForm
from shop.clock import utcnow
from shop.web.boundary import on_refusal
from shop.web.params import local_path

bp = Blueprint("auth", __name__)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = accounts.authenticate(form.identifier.data, form.password.data, utcnow())
        if attempt.account is not None:
            login_user(attempt.account, remember=form.remember.data)
            return redirect(local_path(request.args.get("next"), url_for("main.index")))
        # Refused, but answered normally: a wrong password's count is committed.
        flash(str(attempt.refusal), "danger")
    return render_template("auth/login.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        # The same answer whether or not the address is known.
        flash(
            _(
                "Si cette adresse correspond à un compte, un email vient de vous être envoyé "
                "avec un lien pour choisir un nouveau mot de passe."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    purpose = request.args.get("purpose", accounts.ACTIVATION)
    if purpose not in {accounts.ACTIVATION, accounts.RESET}:
        abort(404)
    account = accounts.account_from_token(token, purpose)
    if account is None:
        return render_template("auth/token_invalid.html"), 400
    form = ChoosePasswordForm(data={"email": account.email})
    on_refusal(form=form, render=lambda: _choose_password_page(form, account, purpose))
    if form.validate_on_submit():
        accounts.choose_password(
            account,
            form.password.data,
            email=form.email.data if purpose == accounts.ACTIVATION else None,
        )
        logout_user()
        flash(_("Votre mot de passe est enregistré. Vous pouvez vous connecter."), "success")
        return redirect(url_for("auth.login"))
    return _choose_password_page(form, account, purpose)


def _choose_password_page(form: ChoosePasswordForm, account, purpose: str):
    return render_template(
        "auth/choose_password.html",
        form=form,
        account=account,
        purpose=purpose,
        min_length=accounts.MIN_PASSWORD_LENGTH,
    )
