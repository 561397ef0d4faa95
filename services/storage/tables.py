"""SQLAlchemy tables. One schema for SQLite (embedded) and PostgreSQL (scale)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from docai.schemas.review import ReviewTaskState
from docai.schemas.tuning import JobState
from docai.services.storage.document_index import index_values


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def state_column(states: type[StrEnum], *, name: str) -> Enum:
    """A state column: VARCHAR(20) holding the enum's values, with a CHECK constraint ``name``.

    Not a native ENUM type, so one schema serves SQLite and PostgreSQL and a new state needs no
    ALTER TYPE; migration 0012 added the CHECK constraints to databases made before.
    """
    return Enum(
        states,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Per-tenant decision thresholds (docai.schemas.routing.Thresholds as JSON); empty = defaults.
    thresholds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    # SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough (no dictionary to attack).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    # "erp": an ERP system of the tenant; "person": one named person (actor) with a role; "service": the
    # review page, which names the tenant, person and role per call; "operator": the deployment's operator
    # (docai.services.common.tenants).
    scope: Mapped[str] = mapped_column(String(20), default="erp")
    # The person a "person" token is (and the role they have); empty for the other scopes.
    actor: Mapped[str] = mapped_column(String(120), default="", server_default="")
    role: Mapped[str] = mapped_column(String(20), default="", server_default="")
    revoked: Mapped[bool] = mapped_column(default=False)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoke_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), index=True)
    failure_reason: Mapped[str] = mapped_column(String(100), default="")
    failure_message: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(20), default="")
    review_reasons: Mapped[list[Any]] = mapped_column(default=list)
    parsed: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    extraction: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    checks: Mapped[list[Any]] = mapped_column(default=list)
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    update_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Derived from `extraction` whenever it is set (docai.services.storage.document_index): what
    # ListDocuments filters on and the duplicate rule looks up, by index instead of reading JSON.
    search_vendor: Mapped[str] = mapped_column(String(300), default="", server_default="")
    search_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    search_gross: Mapped[str] = mapped_column(String(40), default="", server_default="")
    search_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    duplicate_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


@event.listens_for(Document.extraction, "set")
def _index_extraction(target: Document, value: dict[str, Any] | None, _old: Any, _initiator: Any) -> None:
    """Keeps the search and duplicate columns in step with the extraction, whoever sets it."""
    for column, derived in index_values(value).items():
        setattr(target, column, derived)


class WorkItem(Base):
    """The processing queue: one row per document still to be processed by the pipeline."""

    __tablename__ = "work_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The upload's x-request-id and W3C traceparent: the pipeline's log lines and spans of the
    # document carry them (docai.services.common.observability); empty when not known.
    request_id: Mapped[str] = mapped_column(String(128), default="", server_default="")
    traceparent: Mapped[str] = mapped_column(String(128), default="", server_default="")


class ProcessingTime(Base):
    """How long the pipeline took over one document (claim to decision): what progress estimates read.

    Append-only and kept short: docai.services.pipeline.progress writes one row per processed
    document and drops the oldest beyond a few hundred, so the newest rows are read by primary key.
    """

    __tablename__ = "processing_times"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(36))
    seconds: Mapped[float] = mapped_column(Float)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Event(Base):
    """Document state changes, written in the same transaction as the change (WatchDocuments reads them)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[str] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(20))
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotentRequest(Base):
    """AIP-155: the first result of each request_id, so a retry returns it."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "method", "request_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(200))
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewTask(Base):
    __tablename__ = "review_tasks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    state: Mapped[ReviewTaskState] = mapped_column(
        state_column(ReviewTaskState, name="ck_review_tasks_state"), index=True
    )
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    update_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str] = mapped_column(String(36), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(100), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApprovedExample(Base):
    """An approved invoice as the training service reads it: final values and what people touched."""

    __tablename__ = "approved_examples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    vendor_key: Mapped[str] = mapped_column(String(200), index=True)
    # The final extraction (docai.schemas.invoice.Extraction JSON).
    extraction: Mapped[dict[str, Any]] = mapped_column()
    # Field names a reviewer confirmed or changed; only these count as labels.
    confirmed_fields: Mapped[list[Any]] = mapped_column(default=list)
    changed_fields: Mapped[list[Any]] = mapped_column(default=list)
    reviewer: Mapped[str] = mapped_column(String(200))
    # "review" (a person approved it) or "einvoice" (its XML and page agreed; no person saw it).
    source: Mapped[str] = mapped_column(String(32), default="review", server_default="review")
    # Set when bank details changed: a second approver must confirm before it trains anything.
    needs_second_approval: Mapped[bool] = mapped_column(default=False)
    second_approver: Mapped[str] = mapped_column(String(200), default="")
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TuningJob(Base):
    """A tuning job's record (docai.services.tuning.jobs.TuningJob): what callers read after a restart.

    Written at create and on every state change; progress (step, loss) at most about once a
    second. ``request_id`` (AIP-155) is unique per tenant so a retry, even after a restart,
    returns the first job; ``request_fingerprint`` tells a retry from a reuse.
    """

    __tablename__ = "tuning_jobs"
    __table_args__ = (UniqueConstraint("tenant_id", "request_id"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    task: Mapped[str] = mapped_column(String(100))
    state: Mapped[JobState] = mapped_column(state_column(JobState, name="ck_tuning_jobs_state"), index=True)
    stage: Mapped[str] = mapped_column(String(30), default="")
    step: Mapped[int] = mapped_column(Integer, default=0)
    total_steps: Mapped[int] = mapped_column(Integer, default=0)
    loss: Mapped[float] = mapped_column(Float, default=0.0)
    eta_s: Mapped[float] = mapped_column(Float, default=0.0)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_code: Mapped[int] = mapped_column(Integer, default=0)
    error_reason: Mapped[str] = mapped_column(String(100), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    adapter: Mapped[str] = mapped_column(String(300), default="")
    promoted: Mapped[bool] = mapped_column(default=False)
    gate_summary: Mapped[str] = mapped_column(Text, default="")
    dataset_sha256: Mapped[str] = mapped_column(String(64), default="")
    # NULL when the caller gave none (NULLs never collide in the unique constraint).
    request_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # Bumped on every change; a write only lands over an older revision, so writes cannot reorder.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    start_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VendorTemplateRecord(Base):
    """A tenant's memory of one vendor's layout: a vendor_memory.VendorTemplate as JSON.

    One row per (tenant, vendor key): the vendor key is the vendor's tax id, else its IBAN,
    else its folded name. Every approval by a person merges into the row, never replaces it.
    """

    __tablename__ = "vendor_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "vendor_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    vendor_key: Mapped[str] = mapped_column(String(200))
    template: Mapped[dict[str, Any]] = mapped_column()
    # Approved invoices the template was learned from.
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    update_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_events_tenant_id_id", Event.tenant_id, Event.id)
# Search and duplicates (ListDocuments filters, docai.services.routing.duplicates): one indexed
# lookup per filter within the tenant. A vendor substring cannot use a B-tree; it scans the
# tenant's rows of the other filters' index, not the JSON.
Index("ix_documents_tenant_id_duplicate_key", Document.tenant_id, Document.duplicate_key)
Index("ix_documents_tenant_id_sha256", Document.tenant_id, Document.sha256)
Index("ix_documents_tenant_id_search_number", Document.tenant_id, Document.search_number)
Index("ix_documents_tenant_id_search_gross", Document.tenant_id, Document.search_gross)
Index("ix_documents_tenant_id_search_date", Document.tenant_id, Document.search_date)
Index("ix_documents_tenant_id_create_time", Document.tenant_id, Document.create_time)
Index("ix_tuning_jobs_tenant_id_create_time", TuningJob.tenant_id, TuningJob.create_time)
# The review queue lists, counts and claims a tenant's tasks by state, oldest first (in SQL).
Index(
    "ix_review_tasks_tenant_id_state_create_time",
    ReviewTask.tenant_id,
    ReviewTask.state,
    ReviewTask.create_time,
    ReviewTask.id,
)


class Vendor(Base):
    """One vendor of a tenant's vendor master, as the tenant's ERP knows it (docai.services.vendors).

    ``vendor_id`` is the ERP's own key; ``tax_id``, ``iban`` and ``bic`` are stored validated and
    compact (``DE129273398``, ``DE89370400440532013000``), ``tax_number`` is the tax id without its
    country prefix (invoices often print it so). Deactivated vendors (``docai vendors import --sync``)
    are kept: an invoice of one is still recognised, and reviewed.
    """

    __tablename__ = "vendors"
    __table_args__ = (
        UniqueConstraint("tenant_id", "vendor_id"),
        Index("ix_vendors_tenant_id_tax_id", "tenant_id", "tax_id"),
        Index("ix_vendors_tenant_id_tax_number", "tenant_id", "tax_number"),
        Index("ix_vendors_tenant_id_iban", "tenant_id", "iban"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    vendor_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    tax_id: Mapped[str] = mapped_column(String(40), default="")
    tax_number: Mapped[str] = mapped_column(String(40), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    cost_centre: Mapped[str] = mapped_column(String(100), default="")
    approver: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    update_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VendorName(Base):
    """A vendor master record's name or alias in the form invoices are matched by (normalised:
    folded, punctuation and legal forms dropped; docai.services.vendors.resolve.name_key)."""

    __tablename__ = "vendor_names"
    __table_args__ = (Index("ix_vendor_names_tenant_id_name_key", "tenant_id", "name_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    vendor: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    name_key: Mapped[str] = mapped_column(String(300))


class TenantBrand(Base):
    """A brand a tenant created (docai.services.generation.brands.TenantBrands): its voice and rules.

    ``guide`` is a docai.schemas.product.BrandGuide as JSON (examples included). The shipped
    brands are files, never rows; a tenant's brand id is unique within the tenant and never one
    of a shipped brand. ``revision`` is bumped on every update (the etag).
    """

    __tablename__ = "tenant_brands"
    __table_args__ = (UniqueConstraint("tenant_id", "brand_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    brand_id: Mapped[str] = mapped_column(String(63))
    guide: Mapped[dict[str, Any]] = mapped_column()
    revision: Mapped[int] = mapped_column(Integer, default=1)
    create_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    update_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
