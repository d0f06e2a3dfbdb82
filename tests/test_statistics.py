"""Statistiques commandes: who sees which orders, the monthly figures, the CSV as Excel reads
it (BOM, commas, RFC 4180, inert formulas), bad filters, and an export that streams."""

from __future__ import annotations

import csv
import functools
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import event

from shop.clock import shop_timezone, utcnow
from shop.extensions import db
from shop.models import Account, AccountType, Entity, ShopKind
from shop.ordering import fulfilment, orders, validation, workflow
from shop.reporting.barchart import OTHERS_COLOUR, Series, stacked_bars
from shop.reporting.csvexport import inert, stream_csv
from shop.reporting.statistics import (
    EXPORT_BATCH_ROWS,
    MonthlyQuantity,
    StatisticsFilter,
    chart_series,
    default_period,
    export_rows,
    monthly_quantities,
)

HEADER = [
    "Id de compte",
    "Date",
    "Entité",
    "Nom",
    "Prénom",
    "Produit",
    "Référence",
    "Quantité",
    "Prix HT",
    "Frais",
]
WINTER_DAY = datetime(2027, 1, 12, 9, 30, tzinfo=UTC)  # 10:30 in Paris
NOW = datetime(2027, 3, 10, 11, 0, tzinfo=UTC)  # when the pages are read: 12:00 in Paris


# -- helpers --------------------------------------------------------------------------------


@pytest.fixture
def make_account(app, demo):
    """``make_account("dupont", last_name=..., entity="S001")`` returns the account id."""

    def make(identifier: str, entity: str = "S001", **values) -> int:
        with app.app_context():
            fields = dict(first_name="Sylvie", last_name="DIDIER", email=f"{identifier}@ex.org")
            fields.update(values)
            account = Account(
                identifier=identifier,
                account_type=AccountType.SECTION_DIRECTOR,
                entity=db.session.query(Entity).filter_by(code=entity).one(),
                **fields,
            )
            account.set_password("statistics-password")
            db.session.add(account)
            db.session.commit()
            return account.id

    return make


@pytest.fixture
def place_order(app, fill):
    """``place_order(account_id, items, at, outcome="validated")``: an order saved (and
    validated, or validated then cancelled by head office) at ``at``."""

    def make(account_id: int, items, at: datetime, outcome: str = "validated") -> int:
        with time_machine.travel(at, tick=False):
            fill(account_id, items)
            with app.app_context():
                account = db.session.get(Account, account_id)
                order = orders.save_basket(account, utcnow(), shop_timezone(), 1)
                db.session.commit()
                order_id = order.id
                if outcome in {"validated", "cancelled"}:
                    validation.validate_order(
                        account,
                        order_id,
                        reference="",
                        ansh_number="ANSH-1",
                        delivery=None,
                        now=utcnow(),
                        tz=shop_timezone(),
                        objects_per_year=100,
                        contact_email="siege@example.org",
                    )
                    db.session.commit()
                if outcome == "cancelled":
                    admin = db.session.query(Account).filter_by(identifier="siege-admin").one()
                    fulfilment.cancel(order_id, workflow.Actor.of(admin), utcnow(), "rupture")
                    db.session.commit()
                return order_id

    return make


def signed_in(new_browser, identifier: str, when: datetime = NOW):
    browser = new_browser()
    with time_machine.travel(when, tick=False):  # the session must be valid when pages are read
        response = browser.post(
            "/connexion",
            {"identifier": identifier, "password": "statistics-password"},
            follow_redirects=True,
        )
    assert "Déconnexion" in response.get_data(as_text=True)
    return browser


def at_now(sign_in, identifier: str):
    """A demo account signed in when the pages are read (the session cookie lasts a month)."""
    with time_machine.travel(NOW, tick=False):
        return sign_in(identifier)


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def download(browser, url: str) -> list[list[str]]:
    with time_machine.travel(NOW, tick=False):
        response = browser.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    rows = read_csv(response)
    assert rows[0] == HEADER
    return rows[1:]


@pytest.fixture
def two_orderers(app, make_account, create_product, place_order):
    """Sylvie (AIN) and Marc (ALLIER), each with validated orders of their own."""
    stylo = create_product(
        reference="TST-STYLO", name="Stylo 4 couleurs", unit_price=Decimal("1.28")
    )
    sante = create_product(
        reference="DEP-SANTE", name="Dépliant « Santé »", unit_price=Decimal("0.48")
    )
    sylvie = make_account("mgen-sd91", last_name="DIDIER", first_name="Sylvie")
    marc = make_account("mgen-ar91", entity="S003", last_name="Lefèvre", first_name="Marc")
    place_order(sylvie, [(stylo, 20), (sante, 10)], WINTER_DAY)
    place_order(marc, [(stylo, 7)], WINTER_DAY.replace(day=20))
    return {"stylo": stylo, "sante": sante, "sylvie": sylvie, "marc": marc}


# -- the CSV file ---------------------------------------------------------------------------


def test_csv_columns_accents_and_excel_format(
    app, make_account, create_product, place_order, new_browser
):
    stylo = create_product(
        reference="TST-STYLO", name="Stylo 4 couleurs", unit_price=Decimal("1.28")
    )
    tote = create_product(
        ShopKind.OBJECTS, reference="TST-SAC", name="Dépliant « Santé »", weight_grams=500
    )
    account = make_account("mgen-sd91", last_name="D'Ornano", first_name="Hélène")
    place_order(account, [(stylo, 20)], datetime(2027, 2, 2, 17, 16, 24, tzinfo=UTC))
    place_order(account, [(tote, 3)], datetime(2027, 2, 27, 21, 53, 49, tzinfo=UTC))

    browser = signed_in(new_browser, "mgen-sd91")
    with time_machine.travel(NOW, tick=False):
        response = browser.get("/mon-compte/statistiques.csv?du=2027-02-01&au=2027-02-28")
    raw = response.get_data()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert raw[:3] == b"\xef\xbb\xbf"
    lines = raw[3:].split(b"\r\n")
    assert lines[0] == ",".join(HEADER).encode("utf-8")
    assert lines[-1] == b"" and b"\n" not in b"".join(lines)  # every line ends with CRLF
    assert read_csv(response)[1:] == [
        # 18:16:24 in Paris (UTC+1); printed material ships free.
        [
            "mgen-sd91",
            "02/02/2027 18:16:24",
            "MGEN SECTION DE L'AIN",
            "D'Ornano",
            "Hélène",
            "Stylo 4 couleurs",
            "TST-STYLO",
            "20",
            "1.28",
            "0.00",
        ],
        # Objects pay shipping: 500 g × 3 in metropolitan France, 11.50 excl. VAT.
        [
            "mgen-sd91",
            "27/02/2027 22:53:49",
            "MGEN SECTION DE L'AIN",
            "D'Ornano",
            "Hélène",
            "Dépliant « Santé »",
            "TST-SAC",
            "3",
            "1.00",
            "11.50",
        ],
    ]


def test_shipping_fee_is_repeated_on_each_line_of_an_order(
    app, make_account, create_product, place_order, new_browser
):
    first = create_product(ShopKind.OBJECTS, name="Tote bag", weight_grams=300)
    second = create_product(ShopKind.OBJECTS, name="Oeuf porte bijoux", weight_grams=200)
    account = make_account("mgen-sd91")
    place_order(account, [(first, 1), (second, 2)], WINTER_DAY)
    rows = download(signed_in(new_browser, "mgen-sd91"), "/mon-compte/statistiques.csv")
    assert [(r[5], r[7], r[9]) for r in rows] == [
        ("Tote bag", "1", "6.90"),
        ("Oeuf porte bijoux", "2", "6.90"),
    ]


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTabulé", "\rRetour"],
)
def test_formula_like_text_is_made_inert(
    app, make_account, create_product, name, place_order, new_browser
):
    product = create_product(reference=name[:20], name=name)
    account = make_account("mgen-sd91", first_name="=1+1")
    place_order(account, [(product, 4)], WINTER_DAY)
    [row] = download(signed_in(new_browser, "mgen-sd91"), "/mon-compte/statistiques.csv")
    assert row[5] == "'" + name and row[6] == "'" + name[:20]
    assert row[4] == "'=1+1"
    assert row[7] == "4" and row[8] == "1.00"  # numbers stay numbers


def test_commas_quotes_and_newlines_follow_rfc_4180(
    app, make_account, create_product, place_order, new_browser
):
    name = 'Stylo, "bleu"\nligne 2'
    product = create_product(reference="STY,1", name=name)
    account = make_account("mgen-sd91")
    place_order(account, [(product, 1)], WINTER_DAY)
    browser = signed_in(new_browser, "mgen-sd91")
    with time_machine.travel(NOW, tick=False):
        response = browser.get("/mon-compte/statistiques.csv")
    assert b'"Stylo, ""bleu""\nligne 2","STY,1"' in response.get_data()
    [row] = read_csv(response)[1:]
    assert row[5:7] == [name, "STY,1"] and len(row) == 10


def test_inert_leaves_harmless_text_and_numbers_alone():
    assert inert("Stylo") == "Stylo"
    assert inert("") == ""
    assert inert("a=b") == "a=b"
    assert inert("-2") == "'-2"
    assert inert(-2) == -2  # a number we wrote, not user text


# -- which orders count ---------------------------------------------------------------------


def test_an_orderer_exports_only_their_own_orders(app, two_orderers, new_browser):
    rows = download(signed_in(new_browser, "mgen-sd91"), "/mon-compte/statistiques.csv")
    assert {r[0] for r in rows} == {"mgen-sd91"}
    assert [(r[5], r[7]) for r in rows] == [
        ("Stylo 4 couleurs", "20"),
        ("Dépliant « Santé »", "10"),
    ]
    # Another account's id in the query string changes nothing: it is not a filter here.
    marc = two_orderers["marc"]
    rows = download(
        signed_in(new_browser, "mgen-sd91"), f"/mon-compte/statistiques.csv?compte={marc}"
    )
    assert {r[0] for r in rows} == {"mgen-sd91"}
    rows = download(signed_in(new_browser, "mgen-ar91"), "/mon-compte/statistiques.csv")
    assert [(r[0], r[2], r[3], r[7]) for r in rows] == [
        ("mgen-ar91", "MGEN SECTION DE L'ALLIER", "Lefèvre", "7")
    ]


def test_head_office_exports_everyone_and_narrows_by_entity_and_account(
    app, login_as, two_orderers
):
    admin = at_now(login_as, "siege-admin")
    rows = download(admin, "/admin/statistiques.csv")
    assert [(r[0], r[7]) for r in rows] == [
        ("mgen-sd91", "20"),
        ("mgen-sd91", "10"),
        ("mgen-ar91", "7"),
    ]
    with app.app_context():
        allier = db.session.query(Entity.id).filter_by(code="S003").scalar()
    assert {r[0] for r in download(admin, f"/admin/statistiques.csv?entite={allier}")} == {
        "mgen-ar91"
    }
    rows = download(admin, f"/admin/statistiques.csv?compte={two_orderers['sylvie']}")
    assert {r[0] for r in rows} == {"mgen-sd91"} and len(rows) == 2


def test_product_filter(app, two_orderers, login_as):
    stylo = two_orderers["stylo"]
    rows = download(at_now(login_as, "siege-admin"), f"/admin/statistiques.csv?produit={stylo}")
    assert [(r[0], r[6], r[7]) for r in rows] == [
        ("mgen-sd91", "TST-STYLO", "20"),
        ("mgen-ar91", "TST-STYLO", "7"),
    ]


def test_saved_and_cancelled_orders_do_not_count(
    app, make_account, create_product, place_order, new_browser
):
    product = create_product()
    account = make_account("mgen-sd91")
    place_order(account, [(product, 1)], WINTER_DAY, outcome="saved")
    place_order(account, [(product, 2)], WINTER_DAY.replace(day=13), outcome="cancelled")
    place_order(account, [(product, 3)], WINTER_DAY.replace(day=14))
    rows = download(signed_in(new_browser, "mgen-sd91"), "/mon-compte/statistiques.csv")
    assert [r[7] for r in rows] == ["3"]
    with app.app_context(), time_machine.travel(NOW, tick=False):
        period = StatisticsFilter.own_orders(account, date(2027, 1, 1), date(2027, 1, 31))
        assert [m.quantity for m in monthly_quantities(period, shop_timezone())] == [3]


def test_days_and_months_are_those_of_paris(
    app, make_account, create_product, place_order, new_browser
):
    product = create_product()
    account = make_account("mgen-sd91")
    # 23:30 in Paris on the last day of January (UTC+1) and of June (UTC+2): already the
    # next month in UTC, still the last day of the month in Paris.
    place_order(account, [(product, 1)], datetime(2027, 1, 31, 22, 30, tzinfo=UTC))
    place_order(account, [(product, 2)], datetime(2027, 6, 30, 21, 30, tzinfo=UTC))
    # 00:30 on 1 February in Paris, still January in UTC.
    place_order(account, [(product, 4)], datetime(2027, 1, 31, 23, 30, tzinfo=UTC))
    browser = signed_in(new_browser, "mgen-sd91")

    january = download(browser, "/mon-compte/statistiques.csv?du=2027-01-01&au=31/01/2027")
    assert [(r[1], r[7]) for r in january] == [("31/01/2027 23:30:00", "1")]
    february = download(browser, "/mon-compte/statistiques.csv?du=01/02/2027&au=2027-02-01")
    assert [(r[1], r[7]) for r in february] == [("01/02/2027 00:30:00", "4")]
    june_last_day = download(browser, "/mon-compte/statistiques.csv?du=2027-06-30&au=2027-06-30")
    assert [(r[1], r[7]) for r in june_last_day] == [("30/06/2027 23:30:00", "2")]
    assert download(browser, "/mon-compte/statistiques.csv?du=2027-07-01&au=2027-07-31") == []

    with app.app_context():
        period = StatisticsFilter.own_orders(account, date(2026, 12, 1), date(2027, 7, 31))
        assert [(m.month, m.quantity) for m in monthly_quantities(period, shop_timezone())] == [
            (date(2027, 1, 1), 1),
            (date(2027, 2, 1), 4),
            (date(2027, 6, 1), 2),
        ]


# -- the page -------------------------------------------------------------------------------


def test_page_shows_the_monthly_table_and_the_chart(
    app, make_account, create_product, place_order, new_browser
):
    stylo = create_product(reference="TST-STYLO", name="Stylo 4 couleurs")
    sac = create_product(reference="TST-SAC", name="Tote <bag>")
    account = make_account("mgen-sd91")
    place_order(account, [(stylo, 20), (sac, 5)], WINTER_DAY)
    place_order(account, [(stylo, 30)], WINTER_DAY.replace(day=25))
    place_order(account, [(sac, 8)], WINTER_DAY.replace(month=3, day=2))
    browser = signed_in(new_browser, "mgen-sd91")
    with time_machine.travel(NOW, tick=False):
        html = browser.get("/mon-compte/statistiques").get_data(as_text=True)
    table = re.findall(
        r'<tr data-month="([\d-]+)" data-reference="([^"]+)">.*?'
        r'<td class="text-end">([^<]+)</td></tr>',
        html,
    )
    assert table == [
        ("2027-01", "TST-SAC", "5"),
        ("2027-01", "TST-STYLO", "50"),
        ("2027-03", "TST-SAC", "8"),
    ]
    assert re.search(r'data-testid="statistics-total">63<', html)
    # Default period: the 12 calendar months up to today (10 March 2027 in Paris).
    assert "Commandes passées entre le 01/04/2026 et le 10/03/2027" in html
    assert 'value="01/04/2026"' in html and 'value="10/03/2027"' in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg
    # One bar per month (12), stacked: January holds both products, February nothing.
    assert svg.count('data-value="50"') == 1 and svg.count('data-value="5"') == 1
    assert svg.count("<rect") == 3
    assert "Tote &lt;bag&gt;" in html and "Tote <bag>" not in html  # names are escaped
    assert html.count('class="list-inline-item') == 2  # the legend: one entry per product
    export = re.search(r'href="([^"]*statistiques\.csv[^"]*)"', html).group(1)
    assert export == "/mon-compte/statistiques.csv?du=2026-04-01&amp;au=2027-03-10"


def test_the_pages_read_as_many_statements_for_30_rows_as_for_2(
    app, make_account, create_product, login_as, count_queries, new_browser, place_order
):
    """The figures are summed by the database: a longer table is no more statements."""
    products = [create_product(reference=f"TST-{n:02d}") for n in range(30)]
    account = make_account("mgen-sd91")
    orderer = signed_in(new_browser, "mgen-sd91")
    admin = at_now(login_as, "siege-admin")
    pages = [
        (orderer, "/mon-compte/statistiques"),
        (orderer, "/mon-compte/statistiques.csv"),
        (admin, "/admin/statistiques"),
        (admin, f"/admin/statistiques.csv?compte={account}"),
    ]

    def statements() -> list[tuple[int, int]]:
        counts = []
        for browser, url in pages:
            with time_machine.travel(NOW, tick=False), count_queries() as counter:
                response = browser.get(url)
                body = response.get_data(as_text=True)  # the CSV streams: read it all
            assert response.status_code == 200, url
            counts.append((body.count("TST-"), counter.count))
        return counts

    place_order(account, [(product, 1) for product in products[:2]], WINTER_DAY)
    statements()  # the connections and caches warm up
    few = statements()
    place_order(account, [(product, 2) for product in products[2:]], WINTER_DAY)
    many = statements()
    assert [count for _rows, count in many] == [count for _rows, count in few]
    # The files have a line per order line; the pages, a table row more per product.
    assert [rows for rows, _count in few][1::2] == [2, 2]
    assert [rows for rows, _count in many][1::2] == [30, 30]
    for (before, _), (after, _) in list(zip(few, many, strict=True))[::2]:
        assert after >= before + 28


def test_empty_period_says_so(app, make_account, new_browser):
    make_account("mgen-sd91")
    with time_machine.travel(NOW, tick=False):
        html = (
            signed_in(new_browser, "mgen-sd91")
            .get("/mon-compte/statistiques")
            .get_data(as_text=True)
        )
    assert "Aucune commande sur cette période." in html
    assert "<svg xmlns" not in html


def test_links_from_my_account_and_the_admin_menu(login_as):
    page = login_as("mgen-sd01").get("/mon-compte").get_data(as_text=True)
    assert 'href="/mon-compte/statistiques"' in page
    admin = login_as("siege-admin").get("/admin/comptes").get_data(as_text=True)
    assert 'href="/admin/statistiques"' in admin


@pytest.mark.parametrize(
    "query, message",
    [
        ("du=31/02/2027", "Date non valide : saisissez une date au format jj/mm/aaaa."),
        ("au=demain", "Date non valide : saisissez une date au format jj/mm/aaaa."),
        ("du=0001-01-01", "Date non valide : choisissez une date entre 1900 et 2100."),
        (
            "du=2027-03-01&au=2027-02-01",
            "La date de fin doit être postérieure ou égale à la date de début.",
        ),
        ("produit=999999", "Produit inconnu : choisissez un produit de la liste."),
        ("produit=abc", "Produit inconnu : choisissez un produit de la liste."),
        ("produit=99999999999999999999999", "Produit inconnu : choisissez un produit de la liste."),
    ],
)
@pytest.mark.parametrize("path", ["/mon-compte/statistiques", "/mon-compte/statistiques.csv"])
def test_bad_filters_get_a_french_message_not_a_500(login_as, path, query, message):
    response = login_as("mgen-sd01").get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)


BAD_ADMIN_FILTERS = [
    "entite=abc",
    "entite=424242",
    "entite=%C2%B2",  # ², a digit to str.isdigit
    "entite=1e3",
    "entite=0",
    "compte=-1",
    "compte=424242",
    "compte=%D9%A3",  # the Arabic-Indic 3, a digit to int()
    "compte=9223372036854775808",
    "produit=%C2%B2",
]


def test_bad_admin_filters_get_a_400(login_as):
    admin = login_as("siege-admin")
    for path in ["/admin/statistiques", "/admin/statistiques.csv"]:
        for query in BAD_ADMIN_FILTERS:
            response = admin.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert "inconnu" in response.get_data(as_text=True), (path, query)


def test_who_may_see_which_page(client, login_as):
    for url in ("/mon-compte/statistiques", "/admin/statistiques.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.location
    orderer = login_as("mgen-sd01")
    assert orderer.get("/admin/statistiques").status_code == 403
    assert orderer.get("/admin/statistiques.csv").status_code == 403
    admin = login_as("siege-admin")
    assert admin.get("/mon-compte/statistiques").status_code == 200  # head office orders too
    assert login_as("logistique").get("/mon-compte/statistiques").status_code == 403
    assert admin.get("/admin/statistiques").status_code == 200
    assert login_as("logistique").get("/admin/statistiques").status_code == 403


# -- streaming ------------------------------------------------------------------------------


def test_download_is_a_streamed_attachment_named_after_the_local_time(
    app, two_orderers, new_browser
):
    when = datetime(2027, 3, 2, 17, 38, 53, tzinfo=UTC)
    browser = signed_in(new_browser, "mgen-sd91", when)
    with (
        time_machine.travel(when, tick=False),
        browser.get("/mon-compte/statistiques.csv") as response,
    ):
        # Closing the response (as a WSGI server does) ends the request and its transaction.
        assert response.is_streamed
        assert response.content_type == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="stat02032027-183853.csv"'
        )
        assert response.headers["Cache-Control"] == "no-store"


def test_export_query_streams_with_yield_per(app, two_orderers):
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if "order_lines" in statement and "ORDER BY" in statement:
            seen.append(context.execution_options)

    with app.app_context():
        engine = db.engine
        rows = export_rows(
            StatisticsFilter.all_orders(date(2027, 1, 1), date(2027, 1, 31)), shop_timezone()
        )
        event.listen(engine, "before_cursor_execute", before)
        try:
            assert seen == []  # a generator: nothing runs before the first row is asked for
            first = next(rows)
            assert first[0] == "mgen-sd91"
            rows.close()
        finally:
            event.remove(engine, "before_cursor_execute", before)
    [options] = seen
    assert options["yield_per"] == EXPORT_BATCH_ROWS and options["stream_results"] is True


def test_stream_csv_pulls_rows_only_as_chunks_go_out():
    pulled = 0

    def endless():
        nonlocal pulled
        while True:
            pulled += 1
            yield ("mgen-sd01", "02/03/2022 18:16:24", "Entité", pulled, 1.5)

    chunks = stream_csv(["a", "b", "c", "d", "e"], endless(), chunk_chars=64 * 1024)
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbfa,b,c,d,e\r\n")
    assert 64 * 1024 <= len(first) < 66 * 1024  # one large chunk, not a write per row
    assert first.count(b"\r\n") - 1 == pulled  # every row pulled was sent: none read ahead
    second = next(chunks)
    assert len(second) >= 64 * 1024 and not second.startswith(b"\xef\xbb\xbf")


def test_stream_csv_of_no_rows_is_the_header_alone():
    assert (
        b"".join(stream_csv(["Id de compte", "Date"], [])) == b"\xef\xbb\xbfId de compte,Date\r\n"
    )


# -- the chart's numbers --------------------------------------------------------------------


def test_chart_keeps_seven_products_and_groups_the_others():
    months = [date(2027, 1, 1), date(2027, 2, 1)]
    rows = [MonthlyQuantity(months[n % 2], n, f"REF-{n:02d}", f"P{n}", 10 + n) for n in range(10)]
    series = chart_series(rows, months, "Autres produits")
    assert len(series) == 8
    assert [s.label for s in series[:2]] == ["REF-09 · P9", "REF-08 · P8"]
    others = series[-1]
    assert others.label == "Autres produits" and others.colour == OTHERS_COLOUR
    assert others.values == [10 + 12, 11]  # products 0, 2 (January) and 1 (February)
    assert sum(sum(s.values) for s in series) == sum(r.quantity for r in rows)


def test_stacked_bars_scale_to_the_tallest_month():
    chart = stacked_bars(["janv.", "févr."], [Series("A", [30, 0]), Series("B", [10, 40])])
    plot = chart.plot_bottom - chart.plot_top
    heights = {(s.column, s.series): s.height for s in chart.segments}
    assert set(heights) == {("janv.", "A"), ("janv.", "B"), ("févr.", "B")}  # no empty segment
    assert chart.ticks[-1].value == 40 and heights[("févr.", "B")] == pytest.approx(plot)
    assert heights[("janv.", "A")] + heights[("janv.", "B")] == pytest.approx(plot)
    assert chart.segments[0].colour != chart.segments[1].colour


def test_default_period_is_twelve_calendar_months():
    assert default_period(date(2027, 3, 10)) == (date(2026, 4, 1), date(2027, 3, 10))
    assert default_period(date(2027, 12, 31)) == (date(2027, 1, 1), date(2027, 12, 31))


def test_a_download_in_progress_does_not_hold_the_write_lock(
    app, two_orderers, monkeypatch, new_browser
):
    # One chunk per row, so that the download can stop mid-file with its cursor open.
    monkeypatch.setattr(
        "shop.blueprints.statistics.stream_csv", functools.partial(stream_csv, chunk_chars=1)
    )
    browser = signed_in(new_browser, "mgen-sd91")
    with time_machine.travel(NOW, tick=False), browser.get("/mon-compte/statistiques.csv") as r:
        first = next(iter(r.response))  # the rows' cursor is open, the rest not yet read
        assert first.startswith(b"\xef\xbb\xbf")
        # Meanwhile someone writes: on SQLite this needs the write lock at once.
        with app.app_context(), db.engine.connect() as other:
            if other.dialect.name == "sqlite":  # fail fast rather than wait 30 s
                other.connection.driver_connection.execute("PRAGMA busy_timeout=500")
            other.exec_driver_sql("UPDATE products SET stock_on_hand = stock_on_hand + 1")
            other.commit()
        rest = b"".join(r.response)
    assert b"mgen-sd91" in first + rest


def test_the_columns_stay_those_of_rule_10_in_english_too(app, two_orderers, new_browser):
    browser = signed_in(new_browser, "mgen-sd91")
    with time_machine.travel(NOW, tick=False):
        browser.post("/langue/en", {"next": "/mon-compte"})
        page = browser.get("/mon-compte/statistiques").get_data(as_text=True)
    assert "Order statistics" in page
    assert len(download(browser, "/mon-compte/statistiques.csv")) == 2


def test_both_csv_formats_read_back_with_their_dialect(
    app, make_account, create_product, place_order, new_browser
):
    """The guide's file (commas, decimal points) and the French Excel one (semicolons,
    decimal commas) hold the same rows; each reads back with the csv module and its
    separator, and its amounts parse."""
    tote = create_product(
        ShopKind.OBJECTS, reference="TST-SAC", name="Sac; « cabas », 1,5 L", weight_grams=500,
        unit_price=Decimal("1.28"),
    )  # fmt: skip
    account = make_account("mgen-sd91", last_name="D'Ornano", first_name="Hélène")
    place_order(account, [(tote, 3)], WINTER_DAY)
    browser = signed_in(new_browser, "mgen-sd91")

    def read(url: str):
        with time_machine.travel(NOW, tick=False):
            response = browser.get(url)
            response.get_data()  # the whole stream, before the next request
        assert response.status_code == 200
        return response

    page = read("/mon-compte/statistiques").get_data(as_text=True)
    assert 'data-testid="statistics-export-excel"' in page and "format=excel-fr" in page
    standard = read("/mon-compte/statistiques.csv")
    excel = read("/mon-compte/statistiques.csv?format=excel-fr")

    raw = excel.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 for Excel too
    text = raw[3:].decode("utf-8")
    assert text.splitlines()[0] == ";".join(HEADER)
    excel_rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    standard_rows = read_csv(standard)
    assert excel_rows[0] == standard_rows[0] == HEADER
    [excel_row] = excel_rows[1:]
    [standard_row] = standard_rows[1:]
    assert excel_row[5] == standard_row[5] == "Sac; « cabas », 1,5 L"  # quoted, one cell
    assert (standard_row[8], standard_row[9]) == ("1.28", "11.50")
    assert (excel_row[8], excel_row[9]) == ("1,28", "11,50")
    assert Decimal(standard_row[8]) == Decimal(excel_row[8].replace(",", ".")) == Decimal("1.28")
    assert Decimal(excel_row[9].replace(",", ".")) == Decimal("11.50")
    assert excel_row[:8] == standard_row[:8]


def test_stream_csv_writes_decimals_the_chosen_way():
    from shop.reporting.csvexport import EXCEL_FR, stream_csv

    standard = b"".join(stream_csv(["a", "b"], [(Decimal("-1.50"), "-1.50")]))
    excel = b"".join(stream_csv(["a", "b"], [(Decimal("-1.50"), "-1.50")], fmt=EXCEL_FR))
    # A number of ours is written as a number; text that looks like a formula stays inert.
    assert standard.decode("utf-8-sig").splitlines()[1] == "-1.50,'-1.50"
    assert excel.decode("utf-8-sig").splitlines()[1] == "-1,50;'-1.50"


def test_date_fields_are_typed_and_shown_the_french_way_whatever_the_browser(app, login_as):
    """A native date picker shows the day in the browser's language (« 12/02/2026 » for
    2 December in English): every date field is a text box in jj/mm/aaaa with its hint."""
    admin = login_as("siege-admin")
    pages = {
        "/mon-compte/statistiques?du=02/12/2026&au=2026-12-31": ("du", "au"),
        "/admin/comptes/nouveau": ("valid_from", "valid_until"),
        "/admin/produits/nouveau": ("orderable_from",),
    }
    for url, names in pages.items():
        html = admin.get(url).get_data(as_text=True)
        assert 'type="date"' not in html, url
        for name in names:
            tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)
            assert 'type="text"' in tag and 'placeholder="jj/mm/aaaa"' in tag, tag
            assert 'inputmode="numeric"' in tag and f'aria-describedby="{name}-format"' in tag
            assert f'id="{name}-format">Format : jj/mm/aaaa</div>' in html
    html = admin.get("/mon-compte/statistiques?du=02/12/2026&au=2026-12-31").get_data(as_text=True)
    assert 'value="02/12/2026"' in html and 'value="31/12/2026"' in html
