"""Council reports: one row per municipality, period and version; immutable once approved."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.core.models import Base, JSONType, TenantOwned, TimestampMixin, check_in, in_sql
from tenants.models import Tenant


class ReportStatus(StrEnum):
    """Where a council report version stands."""

    WORDT_GEMAAKT = "wordt_gemaakt"
    MISLUKT = "mislukt"
    CONCEPT = "concept"
    GOEDGEKEURD = "goedgekeurd"
    VERZONDEN = "verzonden"


class PeriodKind(StrEnum):
    """The length of a report period."""

    SEMESTER = "semester"
    KWARTAAL = "kwartaal"
    JAAR = "jaar"


STATUSES: dict[str, Any] = {
    ReportStatus.WORDT_GEMAAKT: _l("Wordt gemaakt"),
    ReportStatus.MISLUKT: _l("Mislukt"),
    ReportStatus.CONCEPT: _l("Concept"),
    ReportStatus.GOEDGEKEURD: _l("Goedgekeurd"),
    ReportStatus.VERZONDEN: _l("Verzonden"),
}
#: Statuses after approval: the content, PDF and texts of such a version never change.
FROZEN = (ReportStatus.GOEDGEKEURD, ReportStatus.VERZONDEN)
PERIOD_KINDS: dict[str, Any] = {
    PeriodKind.SEMESTER: _l("Semester"),
    PeriodKind.KWARTAAL: _l("Kwartaal"),
    PeriodKind.JAAR: _l("Jaar"),
}
#: Columns an approved version keeps forever (status may still go from goedgekeurd to verzonden).
FROZEN_COLUMNS = (
    "tenant_id",
    "period",
    "version",
    "period_kind",
    "starts_on",
    "ends_on",
    "content",
    "content_sha256",
    "pdf_data",
    "pdf_sha256",
    "foreword",
    "remarks",
    "approved_at",
    "approved_by_id",
)


class ImmutableReportError(RuntimeError):
    """Raise when code tries to change or delete an approved council report version."""


class CouncilReport(TenantOwned, TimestampMixin, Base):
    """One version of a municipality's report to its council for one period."""

    __tablename__ = "council_reports"
    # The audit log keeps the checksums of the snapshot and the PDF, not the large values themselves.
    __audit_secret__ = ("content", "pdf_data")
    __table_args__ = (
        UniqueConstraint("tenant_id", "period", "version"),
        check_in("status", STATUSES),
        check_in("period_kind", PERIOD_KINDS),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("ends_on >= starts_on", name="period_dates"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint(
            f"{in_sql('status', FROZEN, negate=True)} OR (content IS NOT NULL AND pdf_data IS NOT NULL"
            " AND pdf_sha256 IS NOT NULL AND content_sha256 IS NOT NULL AND approved_at IS NOT NULL)",
            name="approved_complete",
        ),
        Index("ix_council_reports_tenant_status", "tenant_id", "status"),
    )

    period: Mapped[str] = mapped_column(String(7))  # 2026-S2, 2026-Q3 or 2026
    period_kind: Mapped[str] = mapped_column(String(10), default=PeriodKind.SEMESTER)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.WORDT_GEMAAKT)
    progress: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    foreword: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    generated_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship(foreign_keys="CouncilReport.tenant_id", lazy="joined")

    @property
    def is_frozen(self) -> bool:
        """Tell whether this version is approved (and so can no longer change)."""
        return self.status in FROZEN

    @property
    def status_label(self) -> str:
        """Return the Dutch label of the status."""
        return str(STATUSES.get(self.status, self.status))


@event.listens_for(Session, "before_flush")
def _guard_frozen(session: Session, flush_context: Any, instances: Any) -> None:
    """Refuse, before the database does, any change to an approved version."""
    for obj in session.deleted:
        if isinstance(obj, CouncilReport) and obj.status in FROZEN:
            raise ImmutableReportError(f"council report {obj.id} is approved and cannot be deleted")
    for obj in session.dirty:
        if not isinstance(obj, CouncilReport):
            continue
        state: Any = inspect(obj)
        history = state.attrs.status.history
        was = history.deleted[0] if history.deleted else obj.status
        if was not in FROZEN:
            continue
        changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
        if changed or obj.status not in FROZEN:
            raise ImmutableReportError(f"council report {obj.id} is approved; cannot change {changed or ['status']}")
