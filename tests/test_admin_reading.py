"""What head office reads in its pages: the audit log in French words and values, no empty
invitation entries, and a failed e-mail explained rather than its exception."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

from shop.accounts import audit
from shop.clock import utcnow
from shop.extensions import db
from shop.models import Account, AuditEntry, Entity, OutboxMessage, OutboxStatus, Product


def text(response) -> str:
    """The page's text, French spaces (no-break, narrow no-break) read as plain spaces."""
    page = html.unescape(response.get_data(as_text=True))
    return page.replace("\u202f", " ").replace("\xa0", " ")


def rows(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</table>", start)]


def test_the_audit_log_reads_in_french_words_and_values(app, login_as, create_product):
    product_id = create_product(unit_price=1, vat_rate=20)
    with app.app_context():
        account = db.session.scalar(db.select(Account).filter_by(identifier="mgen-ar01"))
        home, other = db.session.scalars(db.select(Entity).order_by(Entity.id).limit(2)).all()
        audit.record(
            None,
            "account.update",
            account,
            {
                "active": True,
                "valid_until": None,
                "entity_id": home.id,
                "locale": "fr",
                "account_type": "regional_assistant",
            },
            {
                "active": False,
                "valid_until": "2027-06-30",
                "entity_id": other.id,
                "locale": "en",
                "account_type": "section_director",
            },
        )
        product = db.session.get(Product, product_id)
        audit.record(
            None,
            "product.update",
            product,
            {"unit_price": "1.00", "vat_rate": "20.00", "monthly_quota": None},
            {"unit_price": "1575.00", "vat_rate": "5.50", "monthly_quota": 1200},
        )
        db.session.commit()
        home_name, other_name = home.name, other.name

    page = text(login_as("siege-admin").get("/admin/journal"))
    log = rows(page, "audit")
    assert "Modification de compte" in log and "Modification de produit" in log
    assert "Actif</strong> : Oui → Non" in log
    assert "Fin du mandat</strong> : — → 30/06/2027" in log
    assert f"Entité</strong> : {home_name} → {other_name}" in log
    assert "Langue des emails</strong> : Français → English" in log
    assert "Type de compte</strong> : Assistante régionale → Directeur de section" in log
    assert "Prix unitaire HT</strong> : 1,00 € → 1 575,00 €" in log
    assert "Taux de TVA</strong> : 20 % → 5,5 %" in log
    assert "Quota mensuel</strong> : — → 1 200" in log
    # No code left where a person reads: the action codes stay only in a tooltip.
    visible = re.sub(r'title="[^"]*"', "", log)
    assert "account.update" not in visible and "product.update" not in visible
    assert "active :" not in visible and "True" not in visible and "2027-06-30" not in visible


def test_the_audit_log_is_searched_by_the_french_name_of_an_action(app, login_as):
    with app.app_context():
        account = db.session.scalar(db.select(Account).filter_by(identifier="mgen-ar01"))
        audit.record(None, "account.invite", account, after={"email": account.email})
        db.session.commit()
    admin = login_as("siege-admin")
    assert "Invitation envoyée" in rows(text(admin.get("/admin/journal?q=invitation")), "audit")
    assert "Invitation envoyée" not in rows(text(admin.get("/admin/journal?q=stock")), "audit")


def test_inviting_when_nobody_waits_writes_no_audit_entry(app, login_as):
    with app.app_context():  # every account has its password: nobody to invite
        for account in db.session.scalars(db.select(Account)):
            account.password_hash = account.password_hash or "x"
        db.session.commit()
    admin = login_as("siege-admin")
    admin.post("/admin/acces/invitations")
    with app.app_context():
        assert db.session.scalars(db.select(AuditEntry.action)).all() == []


def test_inviting_someone_is_still_audited(app, login_as):
    with app.app_context():
        account = db.session.scalar(db.select(Account).filter_by(identifier="mgen-ar01"))
        account.password_hash = None
        account.invited_at = None
        db.session.commit()
    login_as("siege-admin").post("/admin/acces/invitations")
    with app.app_context():
        [entry] = db.session.scalars(db.select(AuditEntry)).all()
        assert entry.action == "access.invite" and entry.changes["invitations"][1] >= 1


def _failed_mail(app, status: OutboxStatus, error: str) -> None:
    with app.app_context():
        db.session.add(
            OutboxMessage(
                recipient="x@example.org",
                subject="Sujet",
                body_text="corps",
                kind="test",
                status=status,
                attempts=3 if status is OutboxStatus.PENDING else 8,
                next_attempt_at=utcnow() + timedelta(minutes=8),
                last_error=error,
            )
        )
        db.session.commit()


def test_a_failed_email_is_explained_in_french_the_raw_error_folded_away(app, login_as):
    _failed_mail(
        app, OutboxStatus.PENDING, "ConnectionRefusedError: [Errno 111] Connection refused"
    )
    _failed_mail(app, OutboxStatus.FAILED, "SMTPRecipientsRefused: {'x@example.org': (550,)}")
    page = text(login_as("siege-admin").get("/admin/emails"))
    table = rows(page, "outbox")
    assert "Serveur de messagerie injoignable. Nouvel essai automatique." in table
    assert "Adresse du destinataire refusée par le serveur de messagerie." in table
    assert "Envoi abandonné : « Réessayer » pour le relancer." in table
    # The raw text only in the folded technical detail, never in the message shown.
    shown = re.sub(r"<details.*?</details>", "", table, flags=re.S)
    assert "Errno" not in shown and "ConnectionRefusedError" not in shown
    assert "SMTPRecipientsRefused" not in shown
    assert "<summary>Détail technique</summary><code>ConnectionRefusedError" in table


def field_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    return re.search(r'value="([^"]*)"', match.group(0)).group(1)


def test_the_product_form_shows_and_takes_rates_and_prices_the_french_way(
    app, login_as, create_product
):
    admin = login_as("siege-admin")
    standard = create_product(unit_price=Decimal("1.00"), vat_rate=Decimal("20.00"))
    reduced = create_product(unit_price=Decimal("1575.5"), vat_rate=Decimal("5.50"))
    page = text(admin.get(f"/admin/produits/{standard}"))
    assert (field_value(page, "vat_rate"), field_value(page, "unit_price")) == ("20", "1,00")
    page = text(admin.get(f"/admin/produits/{reduced}"))
    assert (field_value(page, "vat_rate"), field_value(page, "unit_price")) == ("5,5", "1575,50")
    assert field_value(text(admin.get("/admin/produits/nouveau")), "vat_rate") == "20"

    # What is shown is taken back as it is, and « 2,1 % » with its sign too.
    form = re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page)
    data = {name: value for name, value in form if name != "csrf_token"}
    data.update(vat_rate="2,1 %", active="y")
    with app.app_context():
        data["category_id"] = str(db.session.get(Product, reduced).category_id)
        data["reference"] = db.session.get(Product, reduced).reference
        data["name"] = db.session.get(Product, reduced).name
    response = admin.post(f"/admin/produits/{reduced}", data)
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        product = db.session.get(Product, reduced)
        assert (product.vat_rate, product.unit_price) == (Decimal("2.10"), Decimal("1575.50"))


def test_elision_before_a_vowel_in_french_only(app):
    from flask_babel import force_locale

    from shop.french import elide

    with app.test_request_context():
        assert elide("Quota mensuel de Affiche A3") == "Quota mensuel d'Affiche A3"
        assert elide("impossible de la annuler") == "impossible de l'annuler"
        assert elide("Stock de ÉTIQ-01 et de MGEN") == "Stock d'ÉTIQ-01 et de MGEN"
        with force_locale("en"):
            assert elide("Stock de Affiche") == "Stock de Affiche"


def test_names_put_into_admin_pages_are_elided(app, login_as, create_product):
    product_id = create_product(reference="AFF-042", name="Affiche A3")
    admin = login_as("siege-admin")
    assert "Stock d'AFF-042" in text(admin.get(f"/admin/stock/{product_id}"))
    page = text(admin.get("/admin/quotas"))
    assert "Quota mensuel d'Affiche A3" in page and "de Affiche" not in page
    response = admin.post(f"/admin/stock/{product_id}", {"delta": "5", "reason": "Inventaire"})
    assert "Stock d'AFF-042 : +5" in text(admin.get(response.headers["Location"]))


def test_a_rate_reads_with_a_narrow_no_break_space_before_the_sign(app, login_as, create_product):
    standard = create_product(vat_rate=Decimal("20.00"))
    reduced = create_product(vat_rate=Decimal("5.50"))
    browser = login_as("mgen-sd01")
    page = html.unescape(browser.get(f"/produit/{standard}").get_data(as_text=True))
    assert "20\u202f%" in page and "20%" not in page
    page = html.unescape(browser.get(f"/produit/{reduced}").get_data(as_text=True))
    assert "5,5\u202f%" in page


def _audit_calls():
    """Every ``audit.record(...)`` call in shop/, with the function it sits in."""
    import ast
    from pathlib import Path

    import shop

    for path in Path(shop.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit"
                ):
                    yield path, function, node


def _strings(node) -> set[str]:
    import ast

    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_every_audited_action_has_a_french_name():
    import ast

    from shop.accounts.audit_display import ACTION_LABELS

    actions: set[str] = set()
    for path, function, call in _audit_calls():
        action = call.args[1]
        if isinstance(action, ast.Name):  # a local name: the values it is given
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == action.id for t in node.targets
                ):
                    actions |= _strings(node.value)
        else:
            actions |= _strings(action)
        assert actions, path
    assert {"category.create", "category.update", "category.delete"} <= actions
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_every_audited_field_has_a_french_name():
    import ast

    from shop.accounts.audit import ACCOUNT_FIELDS
    from shop.accounts.audit_display import FIELD_LABELS
    from shop.accounts.entities import ENTITY_FIELDS
    from shop.addresses import Block
    from shop.api.clients import AUDIT_FIELDS
    from shop.catalog.admin import PRODUCT_FIELDS
    from shop.catalog.categories import CATEGORY_FIELDS

    fields = {
        *ACCOUNT_FIELDS, "attached_entities", *ENTITY_FIELDS, *AUDIT_FIELDS, *PRODUCT_FIELDS,
        *CATEGORY_FIELDS, *Block.names(), *Block.names("delivery_"), *Block.names("billing_"),
    }  # fmt: skip
    for _path, _function, call in _audit_calls():  # the dicts written out in the call
        for argument in [*call.args[3:], *(k.value for k in call.keywords)]:
            if isinstance(argument, ast.Dict):
                fields |= {k.value for k in argument.keys if isinstance(k, ast.Constant)}
    assert {"slug", "position", "stock_on_hand", "invitations"} <= fields
    assert sorted(fields - set(FIELD_LABELS)) == []


def test_categories_and_pictures_read_in_french_and_are_found_in_french(app, login_as):
    from shop.models import Category

    with app.app_context():
        category = db.session.scalars(db.select(Category).order_by(Category.id)).first()
        audit.record(None, "category.update", category, {"position": 0}, {"position": 3})
        product = Product(reference="IMG-1", name="Affiche")
        audit.record(
            None, "product.update", product, {"image": None}, {"image": "uploads/products/ab12.png"}
        )
        audit.record(
            None,
            "product.update",
            product,
            {"image": "uploads/products/ab12.png"},
            {"image": "uploads/products/cd34.png"},
        )
        audit.record(
            None, "product.update", product, {"image": "uploads/products/cd34.png"}, {"image": None}
        )
        db.session.commit()
    admin = login_as("siege-admin")
    log = rows(text(admin.get("/admin/journal")), "audit")
    visible = re.sub(r'title="[^"]*"', "", log)
    assert "Modification de catégorie" in visible and "category." not in visible
    assert "Position dans la liste</strong> : 0 → 3" in visible
    assert "Image</strong> : — → nouvelle image" in visible
    assert "Image</strong> : image → image remplacée" in visible
    assert "Image</strong> : image → image retirée" in visible
    assert "uploads/" not in visible
    for terms in ("catégorie", "categorie", "Catégorie"):
        found = rows(text(admin.get(f"/admin/journal?q={terms}")), "audit")
        assert "Modification de catégorie" in found, terms


def test_hidden_labels_of_the_quota_pages_are_escaped_once(app, login_as, create_product):
    product_id = create_product(name="Notice d'information")
    with app.app_context():
        entity = db.session.scalars(db.select(Entity).order_by(Entity.id)).first()
        entity.name = "MGEN SECTION DE L'AIN"
        db.session.commit()
    admin = login_as("siege-admin")
    for url in ("/admin/quotas", f"/admin/quotas/{product_id}/entites"):
        page = admin.get(url).get_data(as_text=True)
        assert "&amp;#39;" not in page and "&amp;amp;" not in page, url
    quotas = admin.get("/admin/quotas").get_data(as_text=True)
    assert "Quota mensuel de Notice d&#39;information</label>" in quotas
    entities = admin.get(f"/admin/quotas/{product_id}/entites").get_data(as_text=True)
    assert "Quota de MGEN SECTION DE L&#39;AIN</label>" in entities


def test_elision_keeps_markup_and_elides_it(app):
    from markupsafe import Markup, escape

    from shop.french import elide

    with app.test_request_context():
        elided = elide(Markup("Quota de %s") % "Affiche <b>")
        assert isinstance(elided, Markup) and str(elided) == "Quota d&#39;Affiche &lt;b&gt;"
        assert str(escape(elided)) == str(elided)
        assert elide("Quota de Affiche") == "Quota d'Affiche"
