"""Flask commands: ``create-admin``, ``seed-demo``, ``send-mail``, ``sweep``, ``scheduler``,
``import-roster``, ``create-api-client``.

Outside a request there is no boundary: each command owns its transaction. It calls the
same domain functions as the pages (which flush and record their audit entries), then
commits once, or rolls back and says why when the domain refuses. ``send-mail``, ``sweep``
and ``scheduler`` hand over to the relay and the sweeper, which own theirs.
"""

from __future__ import annotations

import contextlib

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from shop.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(send_mail)
    app.cli.add_command(sweep)
    app.cli.add_command(scheduler)
    app.cli.add_command(import_roster)
    app.cli.add_command(create_api_client)


@click.command("create-admin")
@with_appcontext
@click.option("--identifier", prompt="Identifiant", help="Sign-in name of the new admin.")
@click.option("--email", prompt="Adresse email")
@click.option("--first-name", prompt="Prénom")
@click.option("--last-name", prompt="Nom")
@click.option(
    "--password",
    prompt="Mot de passe",
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters. Prompted for when omitted.",
)
def create_admin(identifier: str, email: str, first_name: str, last_name: str, password: str):
    """Create the first head-office admin (and the head-office entity if there is none)."""
    from shop import accounts
    from shop.errors import DomainError
    from shop.models import AccountType, Entity

    head_office = db.session.scalar(select(Entity).where(func.lower(Entity.code) == "siege"))
    if head_office is None:
        head_office = Entity(code="SIEGE", name="SIÈGE")
        db.session.add(head_office)
        db.session.flush()
    data = accounts.AccountData(
        identifier=identifier,
        account_type=AccountType.HEAD_OFFICE_ADMIN,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone="",
        entity_id=head_office.id,
        attached_entity_ids=[],
    )
    try:
        account = accounts.create_account(data, invite=False)
        accounts.choose_password(account, password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Administrateur siège « {account.identifier} » créé.")
    if not (head_office.delivery_address and head_office.delivery_postcode):
        # Nothing can be delivered to head office until then: its orders are refused.
        click.echo(
            f"L'entité « {head_office.name} » n'a pas d'adresse : complétez-la dans "
            "Administration › Entités (ou l'adresse de livraison dans « Mon compte ») "
            "avant de commander."
        )


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the demo catalog, sections, accounts and a few orders (safe to run again)."""
    from shop.demo import load_demo, load_demo_orders

    created = load_demo()
    db.session.commit()
    created += load_demo_orders()
    db.session.commit()
    click.echo(f"Données de démonstration chargées ({created} éléments créés).")


@click.command("send-mail")
@with_appcontext
def send_mail():
    """Send the e-mails waiting in the outbox."""
    from shop.notifications import relay_outbox

    click.echo(f"{relay_outbox(limit=1000)} email(s) envoyé(s).")


@click.command("sweep")
@with_appcontext
def sweep():
    """Run the sweeper once: reminders, expiry, mail relay."""
    from flask import current_app

    from shop.jobs import sweep as run_sweep

    report = run_sweep(current_app._get_current_object())
    click.echo(
        f"{report.reminders} rappel(s), {report.expired} commande(s) expirée(s) "
        f"({report.released_units} unité(s) remise(s) en stock), "
        f"{report.mails_sent} email(s) envoyé(s)."
    )


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the scheduler in the foreground (the production way, beside gunicorn)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from flask import current_app

    from shop.jobs import schedule

    app = current_app._get_current_object()
    blocking = BlockingScheduler(timezone="UTC")
    schedule(blocking, app)
    click.echo(f"Sweeper every {app.config['SHOP_SWEEP_MINUTES']} minute(s); Ctrl+C to stop.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        blocking.start()


@click.command("import-roster")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Show what the import would do; change nothing.")
@click.option("--full", is_flag=True, help="Full roster per entity: deactivate the absent.")
def import_roster(file, dry_run: bool, full: bool):
    """Import the staff roster (CSV from the HR system); exit 1 if a line is in error."""
    from shop.accounts import roster
    from shop.errors import DomainError

    try:
        report = roster.import_roster(file.read(roster.MAX_BYTES + 1), full=full, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    for line in report.lines:
        number = "—" if line.line is None else str(line.line)
        detail = f"  {line.detail}" if line.detail else ""
        click.echo(
            f"ligne {number:>5}  {line.identifier:<40}  {line.name:<30}  "
            f"{line.outcome.label}{detail}"
        )
    totals = ", ".join(f"{o.label} : {n}" for o, n in report.counts.items() if n)
    click.echo(("Simulation (rien n'est enregistré) — " if dry_run else "") + (totals or "0 ligne"))
    if report.invitations:
        click.echo(f"{report.invitations} email(s) d'invitation en file d'envoi.")
    if report.has_errors:
        click.echo("Des lignes sont en erreur : elles n'ont rien modifié.", err=True)
        raise SystemExit(1)


@click.command("create-api-client")
@with_appcontext
@click.argument("name")
@click.option(
    "--shop",
    "shop_value",
    required=True,
    type=click.Choice(["imprimes", "objets"]),
    help="The shop whose orders the client sees and ships.",
)
def create_api_client(name: str, shop_value: str):
    """Create a warehouse API client and print its token (shown this once only)."""
    from shop.api import clients as api_clients
    from shop.clock import utcnow
    from shop.models import ShopKind

    try:
        client, token = api_clients.create_client(name, ShopKind(shop_value), None, utcnow())
    except api_clients.ApiClientError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    # Only the token goes to stdout, so that TOKEN=$(flask create-api-client ...) works.
    click.echo(
        f"Client API « {client.name} » créé pour la boutique « {client.shop.label} ». "
        "Jeton (copiez-le maintenant, il ne sera plus affiché) :",
        err=True,
    )
    click.echo(token)
