"""categories managed by head office: active flag, one name per shop, the guide's categories

Every install gets the guide's seven printed-material categories, so head office can
create products from an empty database. Objects categories are head office's to create.

Revision ID: a11c7e2d4b90
Revises: a11e4c7d9b20
Create Date: 2026-12-01 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a11c7e2d4b90'
down_revision = 'a11e4c7d9b20'
branch_labels = None
depends_on = None

# The guide's printed-material categories, in its order; the slugs the demo data used.
GUIDE_CATEGORIES = [
    ('offres-additionnelles', 'Offres additionnelles'),
    ('offres-sante', 'Offres santé'),
    ('services', 'Services'),
    ('supports-b2b', 'Supports B2B'),
    ('communication-institutionnelle', 'Communication institutionnelle'),
    ('prevention', 'Prévention'),
    ('reglementaire', 'Réglementaire'),
]

categories = sa.table(
    'categories',
    sa.column('id', sa.Integer),
    sa.column('shop', sa.String),
    sa.column('slug', sa.String),
    sa.column('name', sa.String),
    sa.column('name_key', sa.String),
    sa.column('position', sa.Integer),
    sa.column('active', sa.Boolean),
)


def name_key(name: str) -> str:
    # As shop.models.catalog.name_key, frozen here.
    return ' '.join(name.split()).casefold()


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column('name_key', sa.String(length=120), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.select(categories.c.id, categories.c.name)).all()
    for category_id, name in rows:
        connection.execute(
            categories.update()
            .where(categories.c.id == category_id)
            .values(name_key=name_key(name))
        )

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=120), nullable=False)
        batch_op.create_unique_constraint('uq_categories_shop_name_key', ['shop', 'name_key'])

    # What an install already has (the demo data) is kept, by slug or by name.
    existing = connection.execute(
        sa.select(categories.c.slug, categories.c.shop, categories.c.name_key)
    ).all()
    slugs = {slug for slug, _shop, _key in existing}
    keys = {key for _slug, shop, key in existing if shop == 'imprimes'}
    missing = [
        dict(
            shop='imprimes', slug=slug, name=name, name_key=name_key(name),
            position=position, active=True,
        )
        for position, (slug, name) in enumerate(GUIDE_CATEGORIES)
        if slug not in slugs and name_key(name) not in keys
    ]
    if missing:
        op.bulk_insert(categories, missing)


def downgrade():
    # The guide's categories go, unless products were created in them.
    products = sa.table('products', sa.column('category_id', sa.Integer))
    op.execute(
        categories.delete().where(
            categories.c.slug.in_([slug for slug, _name in GUIDE_CATEGORIES]),
            categories.c.id.not_in(sa.select(products.c.category_id)),
        )
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_constraint('uq_categories_shop_name_key', type_='unique')
        batch_op.drop_column('name_key')
        batch_op.drop_column('active')
