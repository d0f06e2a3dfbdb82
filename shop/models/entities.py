"""Entities: the sections (and other head-office units) that receive orders."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from shop.addresses import Block
from shop.extensions import db


class Entity(db.Model):
    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # Overseas (DOM-TOM) sections may not change their delivery address: customs surcharges.
    overseas: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_address: Mapped[str] = mapped_column(String(255), default="")
    delivery_postcode: Mapped[str] = mapped_column(String(10), default="")
    delivery_city: Mapped[str] = mapped_column(String(120), default="")
    billing_name: Mapped[str] = mapped_column(String(160), default="")
    billing_address: Mapped[str] = mapped_column(String(255), default="")
    billing_postcode: Mapped[str] = mapped_column(String(10), default="")
    billing_city: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def billing_block(self, last_name: str = "", first_name: str = "", email: str = "") -> Block:
        """The entity's billing address, to the attention of the person named (if any)."""
        return Block(
            last_name=last_name,
            first_name=first_name,
            email=self.email or email,
            phone=self.phone,
            address=self.billing_address,
            postcode=self.billing_postcode,
            city=self.billing_city,
        )

    def __repr__(self) -> str:
        return f"<Entity {self.code} {self.name!r}>"


# Unique whatever the case: `s001` beside `S001` would send a roster's people to the wrong
# entity (imports match codes without case). Look codes up with ``lower(code)``.
Index("uq_entities_code_lower", func.lower(Entity.code), unique=True)
