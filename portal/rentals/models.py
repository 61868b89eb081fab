"""Lendable resources, the requester's reservations and the owner's bookings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, JSONType, Shareable, TenantOwned, TimestampMixin, check_in, in_sql, utcnow
from tenants.models import Tenant


class ResourceKind(StrEnum):
    """What a resource is: lendable material or a hall."""

    MATERIEEL = "materieel"
    ZAAL = "zaal"


class Category(StrEnum):
    """The catalogue's categories of material."""

    WC_WAGEN = "wc-wagen"
    PODIUM = "podium"
    HOOGTEWERKER = "hoogtewerker"
    FEESTMATERIEEL = "feestmaterieel"
    NADARHEKKEN = "nadarhekken"
    TENT = "tent"
    GELUID = "geluid"
    ZAAL = "zaal"
    ANDER = "ander"


class Unit(StrEnum):
    """What a tariff is counted per."""

    UUR = "uur"
    HALVE_DAG = "halve_dag"
    DAG = "dag"
    STUK_DAG = "stuk_dag"


class TariffClass(StrEnum):
    """Which of a resource's prices applies: own tenant, partner or outsider."""

    EIGEN = "eigen"
    PARTNER = "partner"
    EXTERN = "extern"


class RentalStatus(StrEnum):
    """Where a reservation (and its booking) stands."""

    WACHTLIJST = "wachtlijst"
    AANGEBODEN = "aangeboden"
    AANGEVRAAGD = "aangevraagd"
    GOEDGEKEURD = "goedgekeurd"
    GEWEIGERD = "geweigerd"
    AFGEHAALD = "afgehaald"
    TERUGGEBRACHT = "teruggebracht"
    AFGEREKEND = "afgerekend"
    GEANNULEERD = "geannuleerd"


class GroupKind(StrEnum):
    """A reservation made as part of a basket (one request per owner) or a weekly series of a hall."""

    MAND = "mand"
    REEKS = "reeks"


class HandoverMode(StrEnum):
    """Pick-up by the requester or delivery by the owner."""

    AFHALEN = "afhalen"
    LEVERING = "levering"


class Insurer(StrEnum):
    """Who insures the lent material itself (damage, theft): the owner or the borrower."""

    EIGENAAR = "eigenaar"
    ONTLENER = "ontlener"


class PhotoStage(StrEnum):
    """When a handover photo was taken."""

    AFHALEN = "afhalen"
    TERUGBRENGEN = "terugbrengen"


KINDS = tuple(ResourceKind)
CATEGORIES = tuple(Category)
UNITS = tuple(Unit)
TARIFF_CLASSES = tuple(TariffClass)
STATUSES = tuple(RentalStatus)
#: Statuses that occupy the resource (the others free the slot). "aangeboden": a freed slot held
#: for the first on the waitlist until they accept, decline or the offer expires. The exclusion
#: constraint of the migrations (0015) names the same four.
ACTIVE_STATUSES = (
    RentalStatus.AANGEBODEN,
    RentalStatus.AANGEVRAAGD,
    RentalStatus.GOEDGEKEURD,
    RentalStatus.AFGEHAALD,
)
GROUP_KINDS = tuple(GroupKind)
HANDOVER_MODES = tuple(HandoverMode)
INSURERS = tuple(Insurer)
PHOTO_STAGES = tuple(PhotoStage)
MONEY = Numeric(10, 2)


class Resource(Shareable, TimestampMixin, Base):
    """Material or a hall that an owner municipality lends, with its rules and tariffs."""

    __tablename__ = "rental_resources"
    __share_type__ = "rental_resource"
    __share_domain__ = "materieel"
    __extra_table_args__ = (
        check_in("kind", ResourceKind),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("NOT is_single_unit OR quantity = 1", name="single_unit_quantity"),
        check_in("unit", Unit),
        CheckConstraint("min_notice_hours >= 0 AND buffer_minutes >= 0", name="rules_positive"),
        CheckConstraint("max_length_hours IS NULL OR max_length_hours > 0", name="max_length_positive"),
        CheckConstraint(
            "price_own >= 0 AND price_partner >= 0 AND price_external >= 0 AND deposit >= 0", name="prices_positive"
        ),
        check_in("insured_by", Insurer),
        CheckConstraint("delivery_cost >= 0 AND (delivery_available OR delivery_cost = 0)", name="delivery_cost"),
        Index("ix_rental_resources_tenant_name", "tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=ResourceKind.MATERIEEL)
    category: Mapped[str] = mapped_column(String(40), default=Category.ANDER)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    is_single_unit: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    pickup_address: Mapped[str] = mapped_column(String(300), default="")
    needs_towing_vehicle: Mapped[bool] = mapped_column(default=False)
    needs_certified_operator: Mapped[bool] = mapped_column(default=False)
    #: The owner can bring it and fetch it again, for a fixed cost per reservation on top of the tariff.
    delivery_available: Mapped[bool] = mapped_column(default=False, server_default=false())
    delivery_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=0)
    max_length_hours: Mapped[int | None] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: [{"starts_on": "2026-07-01", "ends_on": "2026-07-05", "reason": "onderhoud"}], ends_on inclusive.
    blackouts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    unit: Mapped[str] = mapped_column(String(20), default=Unit.DAG)
    price_own: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    price_partner: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    price_external: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    deposit: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    insured_by: Mapped[str] = mapped_column(String(20), default="eigenaar", server_default="eigenaar")
    insurer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    policy_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    insurance_notes: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    #: The certificate an operator must hold (e.g. IPAF 3b for a hoogtewerker); empty when none.
    required_certificate: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="Resource.tenant_id", lazy="joined")


class AgreementMixin:
    """The loan agreement, its acceptance and the handover/return reports, kept on both rows.

    ``agreement_terms`` is frozen when the owner approves; the requester's acceptance and the
    owner's handover and return reports are copied to the counterpart row in one transaction.
    """

    agreement_terms: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    accepted_at: Mapped[datetime | None]
    accepted_by_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    requester_policy_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    operator_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    operator_certificate: Mapped[str] = mapped_column(String(200), default="", server_default="")
    picked_up_at: Mapped[datetime | None]
    pickup_report: Mapped[str] = mapped_column(Text, default="", server_default="")
    returned_at: Mapped[datetime | None]
    return_report: Mapped[str] = mapped_column(Text, default="", server_default="")
    has_damage: Mapped[bool] = mapped_column(default=False, server_default=false())
    damage_report: Mapped[str] = mapped_column(Text, default="", server_default="")


#: The columns of ``AgreementMixin`` that are copied between the two rows.
AGREEMENT_FIELDS = (
    "agreement_terms",
    "accepted_at",
    "accepted_by_name",
    "requester_policy_number",
    "operator_name",
    "operator_certificate",
    "picked_up_at",
    "pickup_report",
    "returned_at",
    "return_report",
    "has_damage",
    "damage_report",
)


_PERIOD = "ends_at > starts_at"
_STATUS = in_sql("status", RentalStatus)


class RequestMixin:
    """Basket or series membership, pick-up or delivery, and a waitlist offer's expiry, on both rows.

    ``group_key`` is the same random key on every row of one request group (the lines of a basket
    for one owner, or the occurrences of a series), so each party lists its own rows of the group.
    """

    group_key: Mapped[str | None] = mapped_column(String(32))
    group_kind: Mapped[str | None] = mapped_column(String(10))
    handover_mode: Mapped[str] = mapped_column(String(20), default="afhalen", server_default="afhalen")
    #: The owner's delivery cost, frozen with the price when delivery is asked (0 for pick-up).
    delivery_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), server_default="0")
    offer_expires_at: Mapped[datetime | None]


_GROUP = f"(group_key IS NULL) = (group_kind IS NULL) AND (group_kind IS NULL OR {in_sql('group_kind', GroupKind)})"
_HANDOVER = in_sql("handover_mode", HandoverMode)
_DELIVERY = f"delivery_cost >= 0 AND (handover_mode = '{HandoverMode.LEVERING}' OR delivery_cost = 0)"


class Reservation(RequestMixin, AgreementMixin, TenantOwned, TimestampMixin, Base):
    """The requesting tenant's reservation of a resource (its own row; the owner holds a Booking)."""

    __tablename__ = "rental_reservations"
    __table_args__ = (
        CheckConstraint(_PERIOD, name="period"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(_STATUS, name="status"),
        check_in("tariff_class", TariffClass),
        CheckConstraint("price >= 0 AND deposit >= 0", name="amounts_positive"),
        Index("ix_rental_reservations_tenant_starts", "tenant_id", "starts_at"),
        CheckConstraint(_GROUP, name="group_kind"),
        CheckConstraint(_HANDOVER, name="handover_mode"),
        CheckConstraint(_DELIVERY, name="delivery_cost"),
        Index("ix_rental_reservations_tenant_group", "tenant_id", "group_key"),
    )

    resource_id: Mapped[int] = mapped_column(ForeignKey("rental_resources.id", ondelete="RESTRICT"), index=True)
    owner_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    booking_id: Mapped[int | None] = mapped_column(Integer)
    resource_name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=RentalStatus.AANGEVRAAGD)
    tariff_class: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal] = mapped_column(MONEY)
    deposit: Mapped[Decimal] = mapped_column(MONEY)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[Tenant] = relationship(foreign_keys="Reservation.owner_tenant_id", lazy="joined")


class Booking(RequestMixin, AgreementMixin, TenantOwned, TimestampMixin, Base):
    """The owner's side of a reservation: it occupies the resource and carries the decision.

    ``blocked_until`` is ``ends_at`` plus the resource's buffer; on PostgreSQL an exclusion
    constraint keeps active bookings of a single-unit resource from overlapping.
    """

    __tablename__ = "rental_bookings"
    __table_args__ = (
        CheckConstraint(_PERIOD, name="period"),
        CheckConstraint("blocked_until >= ends_at", name="blocked_until"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(_STATUS, name="status"),
        CheckConstraint("price >= 0 AND deposit >= 0", name="amounts_positive"),
        Index("ix_rental_bookings_resource_starts", "resource_id", "starts_at"),
        # The availability search reads the bookings of a resource that end after a moment.
        Index("ix_rental_bookings_resource_blocked", "resource_id", "blocked_until"),
        # The owner's list of requests, newest first (a busy owner has thousands).
        Index("ix_rental_bookings_tenant_starts", "tenant_id", "starts_at"),
        CheckConstraint(_GROUP, name="group_kind"),
        CheckConstraint(_HANDOVER, name="handover_mode"),
        CheckConstraint(_DELIVERY, name="delivery_cost"),
        Index("ix_rental_bookings_tenant_group", "tenant_id", "group_key"),
    )

    resource_id: Mapped[int] = mapped_column(ForeignKey("rental_resources.id", ondelete="RESTRICT"))
    requester_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    reservation_id: Mapped[int] = mapped_column(Integer)
    is_single_unit: Mapped[bool] = mapped_column(default=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    blocked_until: Mapped[datetime]
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=RentalStatus.AANGEVRAAGD)
    tariff_class: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal] = mapped_column(MONEY)
    deposit: Mapped[Decimal] = mapped_column(MONEY)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    resource: Mapped[Resource] = relationship(foreign_keys="Booking.resource_id")
    requester: Mapped[Tenant] = relationship(foreign_keys="Booking.requester_tenant_id", lazy="joined")


class CalendarToken(TenantOwned, Base):
    """A user's secret, revocable address of the iCal feed of the own tenant's reservations.

    Only the SHA-256 hash is stored; the feed URL carries the tenant slug so the lookup runs
    inside that tenant's context (row-level security).
    """

    __tablename__ = "rental_calendar_tokens"
    __table_args__ = (Index("ix_rental_calendar_tokens_user", "tenant_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class HandoverPhoto(TenantOwned, Base):
    """A photo taken at pick-up or return; each party holds its own row pointing at the same file.

    The owner's row has ``booking_id``, the requester's copy ``reservation_id``.
    """

    __tablename__ = "rental_photos"
    __table_args__ = (
        check_in("stage", PhotoStage),
        CheckConstraint("(booking_id IS NULL) <> (reservation_id IS NULL)", name="one_parent"),
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_rental_photos_booking", "tenant_id", "booking_id"),
        Index("ix_rental_photos_reservation", "tenant_id", "reservation_id"),
    )

    booking_id: Mapped[int | None] = mapped_column(ForeignKey("rental_bookings.id", ondelete="CASCADE"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("rental_reservations.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    storage_key: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BasketItem(TenantOwned, Base):
    """One line of a user's basket: what they want to reserve, kept until they submit or remove it.

    Stored in the database (not the session) so a basket survives logging out and another device.
    """

    __tablename__ = "rental_basket_items"
    __table_args__ = (
        CheckConstraint(_PERIOD, name="period"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(_HANDOVER, name="handover_mode"),
        Index("ix_rental_basket_items_user", "tenant_id", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("rental_resources.id", ondelete="CASCADE"))
    #: Kept so the user still learns which item dropped out once the resource is no longer visible.
    resource_name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str] = mapped_column(String(500), default="")
    handover_mode: Mapped[str] = mapped_column(String(20), default=HandoverMode.AFHALEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourcePhoto(TenantOwned, Base):
    """A catalogue photo of a resource, re-encoded without EXIF, with a thumbnail; the first is the main photo.

    Rows belong to the owner; who may see the resource may see its photos (read in the owner's context).
    """

    __tablename__ = "rental_resource_photos"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_positive"),
        CheckConstraint("size > 0 AND width > 0 AND height > 0", name="dimensions_positive"),
        Index("ix_rental_resource_photos_resource", "tenant_id", "resource_id", "position"),
    )

    resource_id: Mapped[int] = mapped_column(ForeignKey("rental_resources.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The large version (at most 1280 px wide) and the thumbnail (320 px wide), both JPEG.
    storage_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
