"""address blocks of the guide (coordinates, delivery contact, billing), the basket's own delivery address, N° ANSH

Revision ID: a11d0c4e7f21
Revises: 9c1e5b7d2a40
Create Date: 2026-12-02 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a11d0c4e7f21'
down_revision = '9c1e5b7d2a40'
branch_labels = None
depends_on = None

SIZES = {
    'last_name': 80,
    'first_name': 80,
    'email': 254,
    'phone': 32,
    'address': 255,
    'postcode': 10,
    'city': 120,
}
CONTACT = ['last_name', 'first_name', 'email', 'phone']
BLOCK = [*CONTACT, 'address', 'postcode', 'city']

# table -> columns added (the accounts and orders already had part of the delivery block)
COLUMNS = {
    'accounts': ['address', 'postcode', 'city']
    + [f'delivery_{n}' for n in CONTACT]
    + [f'billing_{n}' for n in BLOCK],
    'baskets': [f'delivery_{n}' for n in BLOCK],
    'orders': [f'delivery_{n}' for n in ['last_name', 'first_name', 'email']]
    + [f'billing_{n}' for n in BLOCK]
    + ['ansh_number'],
}


def _size(column: str) -> int:
    if column == 'ansh_number':
        return 32
    return SIZES[column] if column in SIZES else SIZES[column.split('_', 1)[1]]


def upgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(
                    sa.Column(column, sa.String(length=_size(column)), server_default='',
                              nullable=False)
                )


def downgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column)
