"""outbox message attaches an order's PDF, made when it is sent

Revision ID: 9c1e5b7d2a40
Revises: 078c4a0023a3
Create Date: 2026-12-01 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c1e5b7d2a40'
down_revision = '078c4a0023a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attach_order_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_messages_attach_order_id_orders'),
            'orders',
            ['attach_order_id'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_outbox_messages_attach_order_id_orders'), type_='foreignkey'
        )
        batch_op.drop_column('attach_order_id')
