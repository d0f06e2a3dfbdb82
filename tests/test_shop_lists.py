"""The orderer's list pages read as many SQL statements with many rows as with few: the
catalog and its categories, the search, the basket, « Mon compte » and its orders."""

from __future__ import annotations

import pytest

# (page, what each listed row shows)
PAGES = [
    ("/boutique/imprimes", "LISTE-"),
    ("/boutique/imprimes/test-imprimes", "LISTE-"),
    ("/recherche?q=liste", "LISTE-"),
    ("/panier", "LISTE-"),
    ("/mon-compte", ">C0"),
]


@pytest.fixture
def rows(app, create_product, fill, validated_order_for, sd01):
    """``rows(first, last)``: products of one category, each in the basket, and one
    validated order each (so « Mon compte » lists them)."""

    def add(first: int, last: int) -> None:
        products = [
            create_product(reference=f"LISTE-{n:03d}", name=f"Affiche liste {n}", stock=100)
            for n in range(first, last)
        ]
        for product in products:
            validated_order_for(sd01, [(product, 1)])
        fill(sd01, [(product, 1) for product in products])

    return add


@pytest.mark.parametrize(("url", "row"), PAGES)
def test_the_page_reads_as_many_statements_for_many_rows_as_for_two(
    app, login_as, count_queries, rows, url, row
):
    director = login_as("mgen-sd01")

    def statements() -> tuple[int, int]:
        with count_queries() as counter:
            response = director.get(url)
        assert response.status_code == 200, url
        return counter.count, response.get_data(as_text=True).count(row)

    rows(0, 2)
    statements()  # caches and connections warm up
    few, shown_few = statements()
    rows(2, 14)
    many, shown_many = statements()
    assert many == few, url
    assert shown_many > shown_few  # the page does list the new rows
