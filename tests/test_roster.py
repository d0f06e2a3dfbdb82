"""The staff roster import (HR system's CSV): outcomes, matching, errors, page and command."""

from __future__ import annotations

import io
import re
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shop.accounts import roster
from shop.accounts.roster import Outcome, RosterFileError, generate_identifier
from shop.extensions import db
from shop.models import Account, AccountType, AuditEntry, Entity, OutboxMessage

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "identifiant;nom;prenom;date_naissance;email;type;entite;entites_rattachees;"
    "debut_mandat;fin_mandat"
)


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def run(app, data: bytes, *, dry_run: bool = False, full: bool = False, actor: str | None = None):
    """Import in its own app context and transaction, as the view does; the report."""
    with app.app_context():
        admin = None
        if actor:
            admin = db.session.scalar(select(Account).where(Account.identifier == actor))
        report = roster.import_roster(data, full=full, dry_run=dry_run, actor=admin)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        db.session.remove()
        return report


def outcomes(report) -> list[tuple[int | None, str, Outcome]]:
    return [(line.line, line.identifier, line.outcome) for line in report.lines]


def account(app, identifier: str) -> dict:
    with app.app_context():
        found = db.session.scalar(select(Account).where(Account.identifier == identifier))
        assert found is not None, identifier
        values = {
            "type": found.account_type,
            "first_name": found.first_name,
            "last_name": found.last_name,
            "email": found.email,
            "phone": found.phone,
            "entity": found.entity.code,
            "attached": sorted(e.code for e in found.attached_entities),
            "active": found.active,
            "valid_from": found.valid_from,
            "valid_until": found.valid_until,
            "invited_at": found.invited_at,
        }
        db.session.remove()
        return values


def counts(app) -> tuple[int, int, int]:
    """(accounts, outbox messages, audit entries)."""
    with app.app_context():
        result = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Account, OutboxMessage, AuditEntry)
        )
        db.session.remove()
        return result


# --- identifiers ------------------------------------------------------------------------


def test_generated_identifier_strips_accents_spaces_and_apostrophes():
    assert (
        generate_identifier("Hélène", "Marchand-Duval", date(1985, 2, 3))
        == "helene.marchand-duval.030285"
    )
    assert generate_identifier("Aïssatou", "N'Diaye", date(1990, 7, 15)) == "aissatou.ndiaye.150790"
    assert generate_identifier("Jean Pierre", "De La Tour", date(2001, 1, 9)) == (
        "jeanpierre.delatour.090101"
    )
    assert generate_identifier("Zoé", "Œuvray", date(1999, 12, 31)) == "zoe.oeuvray.311299"


# --- outcomes -----------------------------------------------------------------------------


def test_utf8_bom_semicolon_file_creates_accounts_and_queues_invitations(app, demo, outbox):
    data = (FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    report = run(app, data)
    assert outcomes(report) == [
        (2, "helene.marchand-duval.030285", Outcome.CREATED),
        (3, "aissatou.ndiaye.150790", Outcome.CREATED),
        (4, "paul.leroy", Outcome.CREATED),
    ]
    assert report.invitations == 3
    helene = account(app, "helene.marchand-duval.030285")
    assert helene["type"] is AccountType.SECTION_DIRECTOR
    assert (helene["first_name"], helene["last_name"]) == ("Hélène", "Marchand-Duval")
    assert helene["entity"] == "S001" and helene["attached"] == ["S003", "S091"]
    assert (helene["valid_from"], helene["valid_until"]) == (date(2026, 1, 1), date(2028, 12, 31))
    assert helene["invited_at"] is not None and helene["active"]
    assert account(app, "aissatou.ndiaye.150790")["type"] is AccountType.REGIONAL_ASSISTANT
    assert account(app, "paul.leroy")["type"] is AccountType.PREVENTION_REFERENT

    mails = outbox("account-invitation")
    assert [m.recipient for m in mails] == [
        "helene.md@example.org",
        "aissatou.ndiaye@example.org",
        "paul.leroy@example.org",
    ]
    assert "helene.marchand-duval.030285" in mails[0].body_text
    assert "/mot-de-passe/" in mails[0].body_text

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions == ["roster.create"] * 3


def test_invitation_link_chooses_the_password(app, demo, outbox, browser):
    run(app, (FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes())
    body = outbox("account-invitation")[0].body_text
    link = re.search(r"https?://[^\s]+/mot-de-passe/[^\s]+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert browser.get("/" + path).status_code == 200


def test_cp1252_comma_file_with_quoted_comma(app, demo):
    data = (FIXTURES / "roster_cp1252_comma.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run(app, data)
    assert outcomes(report) == [
        (2, "oceane.lefevre.210392", Outcome.CREATED),
        (3, "francois.dupreditedupont.050575", Outcome.CREATED),
    ]
    oceane = account(app, "oceane.lefevre.210392")
    assert (oceane["first_name"], oceane["type"]) == ("Océane", AccountType.LOGISTICIAN)
    francois = account(app, "francois.dupreditedupont.050575")
    assert francois["last_name"] == "Dupré, dite Dupont" and francois["entity"] == "S974"


def test_headers_match_whatever_their_case_and_accents(app, demo):
    header = "NOM,Prénom,Date de naissance,E-mail,TYPE,Entité,Téléphone"
    data = csv_bytes(
        "Martin,Léa,02/03/1988,lea.martin@example.org,ASSISTANTE REGIONALE,s091,01 02 03 04 05",
        header=header,
    )
    assert outcomes(run(app, data)) == [(2, "lea.martin.020388", Outcome.CREATED)]
    assert account(app, "lea.martin.020388")["phone"] == "01 02 03 04 05"


def test_reimporting_the_same_file_changes_nothing(app, demo, outbox):
    data = (FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes()
    run(app, data, full=True)
    before = counts(app)
    report = run(app, data, full=True)
    assert {line.outcome for line in report.lines} == {Outcome.UNCHANGED}
    assert len(report.lines) == 3
    assert counts(app) == before
    assert len(outbox("account-invitation")) == 3


def test_empty_fields_filled_are_completed(app, demo):
    # mgen-ar01 has no attached entities and no mandate.
    data = csv_bytes("mgen-ar01;Girard;Nathalie;01/01/1970;mgen-ar01@boutique.example;"
                     "Assistante régionale;S003;S091;;30/06/2027")  # fmt: skip
    report = run(app, data)
    assert outcomes(report) == [(2, "mgen-ar01", Outcome.COMPLETED)]
    assert "entités rattachées : S091" in report.lines[0].detail
    assert "fin de mandat : 30/06/2027" in report.lines[0].detail
    values = account(app, "mgen-ar01")
    assert values["attached"] == ["S091"] and values["valid_until"] == date(2027, 6, 30)
    assert values["phone"] == "06 00 00 00 00"  # empty in the file: kept
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.update"))
        assert entry.target_label == "mgen-ar01"
        assert entry.changes["valid_until"] == [None, "2027-06-30"]
    assert outcomes(run(app, data)) == [(2, "mgen-ar01", Outcome.UNCHANGED)]


def test_changed_values_are_modified(app, demo, outbox):
    data = csv_bytes("mgen-sd01;Rousseau;Camille;01/01/1970;camille.rousseau@example.org;"
                     "Référent Régional Prévention;S001;S003;;")  # fmt: skip
    report = run(app, data)
    assert outcomes(report) == [(2, "mgen-sd01", Outcome.MODIFIED)]
    detail = report.lines[0].detail
    assert "email : mgen-sd01@boutique.example → camille.rousseau@example.org" in detail
    assert "entités rattachées : S003 S091 → S003" in detail
    values = account(app, "mgen-sd01")
    assert values["email"] == "camille.rousseau@example.org"
    assert values["type"] is AccountType.PREVENTION_REFERENT
    assert values["attached"] == ["S003"]
    assert outbox("account-invitation") == []  # existing accounts are not invited again
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.update"))
        assert entry.changes["account_type"] == ["section_director", "prevention_referent"]
        assert entry.actor_id is None


def test_existing_account_is_matched_by_email_without_identifier(app, demo):
    header = "nom;prenom;date_naissance;email;type;entite"
    data = csv_bytes(
        "Rousseau;Camille;01/01/1970;MGEN-SD01@boutique.example;Directeur de section;S001",
        header=header,
    )
    assert outcomes(run(app, data)) == [(2, "mgen-sd01", Outcome.UNCHANGED)]


def test_generated_identifier_in_the_same_entity_matches_when_the_email_changed(app, demo):
    header = "nom;prenom;date_naissance;email;type;entite"
    first = csv_bytes("Petit;Louise;04/04/1984;louise@example.org;Logisticien;SIEGE", header=header)
    run(app, first)
    again = csv_bytes(
        "Petit;Louise;04/04/1984;l.petit@example.org;Logisticien;SIEGE", header=header
    )
    report = run(app, again)
    assert outcomes(report) == [(2, "louise.petit.040484", Outcome.MODIFIED)]
    assert account(app, "louise.petit.040484")["email"] == "l.petit@example.org"


def test_identifier_collision_with_another_person_gets_a_suffix(app, demo):
    header = "nom;prenom;date_naissance;email;type;entite"
    # Another Hélène Marchand-Duval born the same day, in another section.
    run(app, csv_bytes("Marchand-Duval;Hélène;03/02/1985;autre.helene@example.org;"
                       "Assistante régionale;S003", header=header))  # fmt: skip
    data = csv_bytes(
        "Marchand-Duval;Hélène;03/02/1985;helene.md@example.org;Directeur de section;S001",
        "Dubois;Marc;10/10/1980;marc.dubois@example.org;Logisticien;SIEGE",
        "Dubois;Marc;10/10/1980;marc.dubois2@example.org;Logisticien;SIEGE",
        header=header,
    )
    report = run(app, data)
    assert outcomes(report) == [
        (2, "helene.marchand-duval.030285.2", Outcome.CREATED),
        (3, "marc.dubois.101080", Outcome.CREATED),
        (4, "marc.dubois.101080.2", Outcome.CREATED),
    ]
    assert account(app, "helene.marchand-duval.030285")["email"] == "autre.helene@example.org"
    assert account(app, "helene.marchand-duval.030285.2")["email"] == "helene.md@example.org"
    # The same people again: each finds their own account.
    assert [line.outcome for line in run(app, data).lines] == [Outcome.UNCHANGED] * 3


def test_full_roster_deactivates_the_absent_of_the_file_entities_only(app, demo):
    header = "nom;prenom;date_naissance;email;type;entite"
    data = csv_bytes("Blanc;Rémi;12/12/1982;remi.blanc@example.org;Assistante régionale;S003",
                     header=header)  # fmt: skip
    report = run(app, data, full=True)
    assert outcomes(report) == [
        (2, "remi.blanc.121282", Outcome.CREATED),
        (None, "mgen-ar01", Outcome.DEACTIVATED),
    ]
    assert account(app, "mgen-ar01")["active"] is False  # deactivated, not deleted
    assert account(app, "mgen-sd01")["active"] is True  # S001's, only attached to S003
    assert account(app, "logistique")["active"] is True  # SIEGE is not in the file
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "roster.deactivate")
        )
        assert entry.target_label == "mgen-ar01" and entry.changes["active"] == [True, False]
    # Again: nothing left to deactivate.
    assert [line.outcome for line in run(app, data, full=True).lines] == [Outcome.UNCHANGED]


def test_without_full_the_absent_stay_active(app, demo):
    header = "nom;prenom;date_naissance;email;type;entite"
    data = csv_bytes("Blanc;Rémi;12/12/1982;remi.blanc@example.org;Assistante régionale;S003",
                     header=header)  # fmt: skip
    assert [line.outcome for line in run(app, data).lines] == [Outcome.CREATED]
    assert account(app, "mgen-ar01")["active"] is True


def test_full_roster_never_deactivates_the_admin_running_it(app, demo):
    header = "nom;prenom;date_naissance;email;type;entite"
    data = csv_bytes("Noir;Sam;01/02/1983;sam.noir@example.org;Logisticien;SIEGE", header=header)
    report = run(app, data, full=True, actor="siege-admin")
    assert outcomes(report) == [
        (2, "sam.noir.010283", Outcome.CREATED),
        (None, "logistique", Outcome.DEACTIVATED),
    ]
    assert account(app, "siege-admin")["active"] is True
    with app.app_context():
        actors = set(db.session.scalars(select(AuditEntry.actor_id)))
        admin_id = db.session.scalar(select(Account.id).where(Account.identifier == "siege-admin"))
        assert actors == {admin_id}


def test_an_inactive_account_in_the_file_is_reactivated(app, demo):
    with app.app_context():
        db.session.query(Account).filter_by(identifier="mgen-ar01").update({"active": False})
        db.session.commit()
    data = csv_bytes("mgen-ar01;Girard;Nathalie;01/01/1970;mgen-ar01@boutique.example;"
                     "Assistante régionale;S003;;;")  # fmt: skip
    report = run(app, data)
    assert outcomes(report) == [(2, "mgen-ar01", Outcome.MODIFIED)]
    assert "réactivé" in report.lines[0].detail
    assert account(app, "mgen-ar01")["active"] is True


# --- errors -------------------------------------------------------------------------------


def test_lines_in_error_change_nothing_and_the_others_apply(app, demo):
    data = csv_bytes(
        ";Durand;Anne;01/01/1980;anne@example.org;Logisticien;S999;;;",
        ";Durand;Bea;01/01/1980;pas-une-adresse;Logisticien;S001;;;",
        ";Durand;Carl;31/02/1980;carl@example.org;Logisticien;S001;;;",
        ";Durand;Dan;01/01/1980;dan@example.org;Chef;S001;;;",
        "x.y;Durand;Eve;01/01/1980;eve@example.org;Logisticien;S001;;;",
        "X.Y;Durand;Fay;01/01/1980;fay@example.org;Logisticien;S001;;;",
        ";Durand;;01/01/1980;gil@example.org;Logisticien;S001;;;",
        ";Durand;Hugo;01/01/1980;hugo@example.org;Logisticien;S001;S404;;",
        ";Durand;Ivy;01/01/1980;ivy@example.org;Logisticien;S001;;01/06/2026;01/01/2026",
        ";Durand;Jo;01/01/1980;jo@example.org;Logisticien;S001;;;",
    )
    before = counts(app)
    report = run(app, data, full=True)
    by_line = {line.line: line for line in report.lines}
    assert [n for n, line in by_line.items() if line.outcome is Outcome.ERROR] == [
        2,
        3,
        4,
        5,
        7,
        8,
        9,
        10,
    ]
    assert "entité inconnue : « S999 »" in by_line[2].detail
    assert "adresse email non valide" in by_line[3].detail
    assert "date de naissance non valide" in by_line[4].detail
    assert "type de compte inconnu : « Chef »" in by_line[5].detail
    assert by_line[6].outcome is Outcome.CREATED and by_line[6].identifier == "x.y"
    assert "identifiant en double dans le fichier (déjà ligne 6)" in by_line[7].detail
    assert "valeur manquante : prenom" in by_line[8].detail
    assert "entité(s) rattachée(s) inconnue(s) : S404" in by_line[9].detail
    assert "la fin du mandat précède son début" in by_line[10].detail
    assert by_line[11].outcome is Outcome.CREATED and by_line[11].identifier == "jo.durand.010180"
    assert report.has_errors
    accounts, mails, _ = counts(app)
    assert (accounts, mails) == (before[0] + 2, before[1] + 2)
    # S001 is in the file (full roster): its director, absent, is deactivated; S999 is unknown.
    deactivated = [line for line in report.lines if line.outcome is Outcome.DEACTIVATED]
    assert [(line.line, line.identifier) for line in deactivated] == [(None, "mgen-sd01")]


def test_the_first_of_two_identical_identifiers_is_kept(app, demo):
    data = csv_bytes(
        "x.y;Durand;Eve;01/01/1980;eve@example.org;Logisticien;S001;;;",
        "X.Y;Durand;Fay;01/01/1980;fay@example.org;Logisticien;S001;;;",
    )
    assert outcomes(run(app, data)) == [(2, "x.y", Outcome.CREATED), (3, "x.y", Outcome.ERROR)]


def test_a_line_in_error_protects_its_account_from_deactivation(app, demo):
    data = csv_bytes("mgen-ar01;Girard;Nathalie;99/99/1970;mgen-ar01@boutique.example;"
                     "Assistante régionale;S003;;;")  # fmt: skip
    report = run(app, data, full=True)
    assert outcomes(report) == [(2, "mgen-ar01", Outcome.ERROR)]
    assert account(app, "mgen-ar01")["active"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"nom;prenom;email\nA;B;c@example.org\n", "Colonne(s) obligatoire(s) absente(s)"),
        (b"", "Le fichier est vide."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "pas un fichier CSV"),
        (b"a" * (roster.MAX_BYTES + 1), "Fichier trop volumineux"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(app, demo, data, message):
    before = counts(app)
    with app.app_context(), pytest.raises(RosterFileError, match=re.escape(message)):
        roster.import_roster(data, dry_run=False)
    assert counts(app) == before


# --- dry run ------------------------------------------------------------------------------


def test_dry_run_reports_the_same_and_changes_nothing(app, demo):
    data = (FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes() + (
        b"mgen-sd01;Rousseau;Camille;01/01/1970;new@example.org;Directeur de section;S001;;;\n"
    )
    before = counts(app)
    simulated = run(app, data, dry_run=True, full=True)
    assert counts(app) == before
    assert account(app, "mgen-sd01")["email"] == "mgen-sd01@boutique.example"
    assert account(app, "mgen-ar01")["active"] is True
    applied = run(app, data, full=True)
    assert outcomes(simulated) == outcomes(applied)
    assert [line.detail for line in simulated.lines] == [line.detail for line in applied.lines]
    assert (None, "mgen-ar01", Outcome.DEACTIVATED) in outcomes(applied)
    assert simulated.invitations == 0 and applied.invitations == 3


# --- the page -----------------------------------------------------------------------------


def upload(data: bytes, name: str = "effectifs.csv") -> tuple:
    return (io.BytesIO(data), name)


def test_anonymous_users_are_sent_to_sign_in(client, demo):
    response = client.get("/admin/effectifs")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_non_admins_are_refused(login_as):
    browser = login_as("mgen-sd01")
    assert browser.get("/admin/effectifs").status_code == 403
    assert browser.post("/admin/effectifs", {"simulate": "Simulation"}).status_code == 403


def test_page_shows_the_form(login_as):
    page = login_as("siege-admin").get("/admin/effectifs").get_data(as_text=True)
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    assert "Import complet par entité (désactiver les absents)" in page
    assert 'value="Simulation"' in page and 'value="Importer"' in page
    assert "Import en cours…" in page and "spinner-border" in page
    assert "Import des effectifs" in page


def test_simulation_then_import_from_the_page(app, login_as, outbox):
    browser = login_as("siege-admin")
    browser.get("/admin/effectifs")
    data = (FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes()
    before = counts(app)
    page = browser.post(
        "/admin/effectifs", {"file": upload(data), "simulate": "Simulation"}
    ).get_data(as_text=True)
    assert "Simulation : rien n" in page
    assert "helene.marchand-duval.030285" in page and "Créé : 3" in page
    assert counts(app) == before

    page = browser.post(
        "/admin/effectifs", {"file": upload(data), "apply": "Importer", "full": "y"}
    ).get_data(as_text=True)
    assert "Import terminé" in page and "Créé : 3" in page and "Désactivé : 2" in page
    assert account(app, "paul.leroy")["active"] is True
    assert account(app, "mgen-sd01")["active"] is False  # S001's director, absent
    assert account(app, "siege-admin")["active"] is True
    with app.app_context():
        admin_id = db.session.scalar(select(Account.id).where(Account.identifier == "siege-admin"))
        assert set(db.session.scalars(select(AuditEntry.actor_id))) == {admin_id}
    assert len(outbox("account-invitation")) == 3

    page = browser.post(
        "/admin/effectifs", {"file": upload(data), "apply": "Importer", "full": "y"}
    ).get_data(as_text=True)
    assert "Inchangé : 3" in page and "Créé : 0" in page


def test_the_page_reports_lines_in_error(login_as):
    browser = login_as("siege-admin")
    data = csv_bytes(";Durand;Anne;01/01/1980;anne@example.org;Logisticien;S999;;;")
    page = browser.post("/admin/effectifs", {"file": upload(data), "apply": "Importer"}).get_data(
        as_text=True
    )
    assert "Erreur : 1" in page and "entité inconnue" in page
    assert "Les lignes en erreur n'ont rien modifié" in page


def test_other_file_types_are_refused_with_a_message(app, login_as):
    browser = login_as("siege-admin")
    before = counts(app)
    page = browser.post(
        "/admin/effectifs", {"file": upload(b"%PDF-1.4", "effectifs.pdf"), "apply": "Importer"}
    ).get_data(as_text=True)
    assert "Seuls les fichiers CSV (.csv) sont acceptés" in page
    page = browser.post(
        "/admin/effectifs", {"file": upload(b"\x00\x01\x02", "faux.csv"), "apply": "Importer"}
    ).get_data(as_text=True)
    assert "pas un fichier CSV" in page
    assert counts(app) == before


def test_the_page_needs_the_csrf_token(login_as):
    browser = login_as("siege-admin")
    data = (FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes()
    response = browser.post(
        "/admin/effectifs", {"file": upload(data), "apply": "Importer"}, csrf=False
    )
    assert response.status_code == 400


def test_admin_menu_links_to_the_page(login_as):
    page = login_as("siege-admin").get("/admin/comptes").get_data(as_text=True)
    assert 'href="/admin/effectifs"' in page


# --- the command --------------------------------------------------------------------------


def test_command_prints_the_report_and_fails_on_errors(app, demo, tmp_path):
    path = tmp_path / "effectifs.csv"
    path.write_bytes((FIXTURES / "roster_utf8_bom_semicolon.csv").read_bytes())
    runner = app.test_cli_runner()
    before = counts(app)
    result = runner.invoke(args=["import-roster", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "helene.marchand-duval.030285" in result.output and "Créé : 3" in result.output
    assert "Simulation" in result.output
    assert counts(app) == before

    result = runner.invoke(args=["import-roster", str(path), "--full"])
    assert result.exit_code == 0, result.output
    assert "mgen-sd01" in result.output and "Désactivé" in result.output
    assert account(app, "paul.leroy")["active"] is True

    result = runner.invoke(args=["import-roster", str(path), "--full"])
    assert result.exit_code == 0 and "Inchangé : 3" in result.output

    path.write_bytes(csv_bytes(";Durand;Anne;01/01/1980;anne@example.org;Logisticien;S999;;;"))
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 1
    assert "entité inconnue" in result.output and "Erreur : 1" in result.output


def test_command_refuses_an_unreadable_file(app, demo, tmp_path):
    path = tmp_path / "effectifs.csv"
    path.write_bytes(b"nom;prenom\nA;B\n")
    result = app.test_cli_runner().invoke(args=["import-roster", str(path)])
    assert result.exit_code != 0 and "Colonne(s) obligatoire(s) absente(s)" in result.output


# --- 5,000 lines --------------------------------------------------------------------------


def test_five_thousand_lines_import_in_a_few_queries(app, demo, count_queries, outbox):
    codes = ["S001", "S003", "S091", "S974"]
    types = ["Directeur de section", "Assistante régionale", "Référent Régional Prévention"]
    lines = [
        f";Nom{n};Prénom{n};{1 + n % 28:02d}/{1 + n % 12:02d}/{1960 + n % 40};"
        f"p{n}@example.org;{types[n % 3]};{codes[n % 4]};{codes[(n + 1) % 4]};;"
        for n in range(5000)
    ]
    data = csv_bytes(*lines)
    with count_queries() as counter:
        started = time.perf_counter()
        report = run(app, data, full=True)
        elapsed = time.perf_counter() - started
    print(f"\n5,000-line roster: {elapsed:.2f} s, {counter.count} SQL statements")
    assert report.counts[Outcome.CREATED] == 5000
    assert report.counts[Outcome.ERROR] == 0
    # mgen-sd01 (S001), mgen-ar01 (S003) are absent from the full roster of their entities.
    assert report.counts[Outcome.DEACTIVATED] == 2
    assert counter.count < 100, counter.statements[:20]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 5004
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 5000
        assert db.session.scalar(select(func.count()).select_from(Entity)) == 5

    started = time.perf_counter()
    report = run(app, data, full=True)
    print(f"5,000-line roster again: {time.perf_counter() - started:.2f} s")
    assert report.counts[Outcome.UNCHANGED] == 5000 and len(report.lines) == 5000
