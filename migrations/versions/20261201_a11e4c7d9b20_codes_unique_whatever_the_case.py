"""entity codes, product references and account identifiers unique whatever the case

Revision ID: a11e4c7d9b20
Revises: a11d0c4e7f21
Create Date: 2026-12-01 23:50:00.000000

A unique index on ``lower(…)`` (SQLite and PostgreSQL both index expressions). Rows that
already differ only by case (``s001`` beside ``S001``) would make the index fail with a bare
IntegrityError: they are looked for first, and the upgrade stops with a message naming them,
to be renamed by head office before upgrading again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a11e4c7d9b20'
down_revision = 'a11d0c4e7f21'
branch_labels = None
depends_on = None

# (index, table, column, what a person calls it)
INDEXES = [
    ('uq_entities_code_lower', 'entities', 'code', 'entity codes'),
    ('uq_products_reference_lower', 'products', 'reference', 'product references'),
    ('uq_accounts_identifier_lower', 'accounts', 'identifier', 'account identifiers'),
]


class CaseDuplicates(RuntimeError):
    """Values that differ only by case: the unique index cannot be created."""


def _case_duplicates(table: str, column: str) -> list[list[str]]:
    rows = sa.table(table, sa.column(column))
    folded = sa.func.lower(rows.c[column])
    clashing = (
        sa.select(folded).group_by(folded).having(sa.func.count() > 1).scalar_subquery()
    )
    values = op.get_bind().execute(
        sa.select(rows.c[column]).where(folded.in_(clashing)).order_by(folded, rows.c[column])
    ).scalars()
    groups: dict[str, list[str]] = {}
    for value in values:
        groups.setdefault(value.lower(), []).append(value)
    return list(groups.values())


def upgrade():
    problems = []
    for _index, table, column, label in INDEXES:
        for group in _case_duplicates(table, column):
            problems.append(f"{label} ({table}.{column}): " + ", ".join(map(repr, group)))
    if problems:
        raise CaseDuplicates(
            "These values differ only by case and must become unique whatever the case. "
            "Rename all but one of each group, then run the upgrade again:\n  "
            + "\n  ".join(problems)
        )
    for index, table, column, _label in INDEXES:
        op.create_index(index, table, [sa.text(f'lower({column})')], unique=True)


def downgrade():
    for index, table, _column, _label in reversed(INDEXES):
        op.drop_index(index, table_name=table)
