"""The review queue: leases, corrections with optimistic concurrency, approval, and the audit trail.

Every change is a compare-and-set on the task row, on SQLite and PostgreSQL alike:

* the transaction first locks the task row: ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
  every transaction already holds the database's write lock from ``BEGIN IMMEDIATE``
  (``docai.services.storage.database``), so a second writer waits before it reads anything;
* under the lock it reads the task afresh and checks the lease, the state and the etag (the
  task's version), and recalls an earlier answer to the same request id;
* the winner's version bump is itself conditional (``UPDATE ... WHERE id = ? AND version = ?``),
  and it is the row count of that update that decides the winner, whatever the locks did.

So of two requests made with the same etag exactly one changes the invoice; the other waits,
then sees the new version or state and is told why (ABORTED ``STALE_ETAG`` / ``LEASE_HELD``,
FAILED_PRECONDITION ``TASK_CLOSED`` / ``ALREADY_CONFIRMED``), never INTERNAL.

Listing filters, counts and pages in SQL (indexes on tenant, state, create time).
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, case, cast, exists, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, load_only
from sqlalchemy.types import Float

from docai.schemas.checks import CheckResult
from docai.schemas.document import DocumentState
from docai.schemas.invoice import (
    HEADER_FIELDS,
    LINE_ITEM_FIELDS,
    TAX_DETAIL_FIELDS,
    ExtractedField,
    Extraction,
    LineItem,
    Provenance,
    TaxDetail,
)
from docai.schemas.parsed import ParsedDocument
from docai.schemas.review import (
    ACTIVE_TASK_STATES,
    CLOSED_TASK_STATES,
    AuditRecord,
    Corrections,
    ReviewTaskState,
    ReviewTaskView,
)
from docai.schemas.routing import ReviewReason, Route
from docai.services.common import idempotency
from docai.services.common.errors import (
    AbortedError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from docai.services.documents import store
from docai.services.documents.bank import BANK_FIELDS, changes_bank_details, may_confirm
from docai.services.documents.vendor import vendor_key
from docai.services.extraction.checks import CHECK_NAMES, run_checks
from docai.services.extraction.normalize import normalize_field
from docai.services.extraction.provenance import locate
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.storage import tables
from docai.services.storage.database import Database

ORDERS = {"", "create_time", "-create_time", "total_gross", "-total_gross"}


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _effective_state(task: tables.ReviewTask, now: dt.datetime) -> ReviewTaskState:
    """The task's state as people see it: a claim whose lease ran out is open again."""
    if task.state == ReviewTaskState.CLAIMED and (aware(task.lease_until) or now) <= now:
        return ReviewTaskState.OPEN
    return ReviewTaskState(task.state)


# Reasons a correction can settle; the others (bank details changed, credit note, a document that
# steers its reader...) need a person's decision, which approving or rejecting is.
_FIELD_REASONS = frozenset({"LOW_CONFIDENCE", "MISSING_FIELD"})
_ROUTE_REASONS = frozenset({"ROUTE_UNCOVERED", "LOW_ROUTE_CONFIDENCE"})


def _resolved(reasons: list[ReviewReason], extraction: Extraction, checks: list[Any], route: Any) -> list[int]:
    """Indexes of the reasons the current fields, checks and route settle.

    A failed check is settled when it runs again and passes (not when its inputs were deleted);
    a missing or unsure field when a person entered it (a reviewed value has confidence 1); an
    uncovered or unsure route when a person chose it.
    """
    passed = {c.get("name"): bool(c.get("passed")) for c in checks or [] if isinstance(c, dict)}
    route_by_person = isinstance(route, dict) and "reviewer" in (route.get("reasons") or [])
    settled = []
    for index, reason in enumerate(reasons):
        if reason.check:
            done = passed.get(reason.check, False)
        elif reason.code in _FIELD_REASONS:
            field = extraction.fields.get(reason.field)
            done = field is not None and bool(field.value.strip()) and field.confidence >= 1.0
        elif reason.code in _ROUTE_REASONS:
            done = route_by_person
        else:
            done = False
        if done:
            settled.append(index)
    return settled


def _view(
    task: tables.ReviewTask, doc: tables.Document, now: dt.datetime, example: tables.ApprovedExample | None = None
) -> ReviewTaskView:
    extraction = store.extraction_of(doc)
    state = _effective_state(task, now)
    reasons = [ReviewReason.model_validate(reason) for reason in task.reasons or []]
    bank_change = example is not None and example.needs_second_approval
    confirmed_by = (example.second_approver or "") if example is not None and bank_change else ""
    return ReviewTaskView(
        id=task.id,
        document_id=task.document_id,
        state=state,
        reasons=reasons,
        resolved_reasons=_resolved(reasons, extraction, doc.checks or [], doc.route),
        version=task.version,
        claimed_by=task.claimed_by if state == ReviewTaskState.CLAIMED else "",
        lease_until=aware(task.lease_until) if state == ReviewTaskState.CLAIMED else None,
        vendor_name=extraction.value("vendor_name") or "",
        total_gross=extraction.value("total_gross") or "",
        currency=extraction.value("currency") or "",
        filename=doc.filename,
        page_count=doc.page_count,
        create_time=aware(task.create_time),
        bank_details_unconfirmed=bank_change and not confirmed_by,
        bank_details_confirmed_by=confirmed_by,
    )


def _examples(session: Session, tenant_id: str, document_ids: list[str]) -> dict[str, tables.ApprovedExample]:
    """The newest approved example of each document: what its approval left for training."""
    if not document_ids:
        return {}
    rows = session.scalars(
        select(tables.ApprovedExample)
        .where(tables.ApprovedExample.tenant_id == tenant_id, tables.ApprovedExample.document_id.in_(document_ids))
        .order_by(tables.ApprovedExample.id)
    )
    return {row.document_id: row for row in rows}


def _example(session: Session, tenant_id: str, document_id: str) -> tables.ApprovedExample | None:
    return _examples(session, tenant_id, [document_id]).get(document_id)


def _corrections(session: Session, document_id: str) -> list[tables.AuditEntry]:
    """Every change a person made to the document's fields, line items or route."""
    return list(
        session.scalars(
            select(tables.AuditEntry).where(
                tables.AuditEntry.document_id == document_id, tables.AuditEntry.action.like("%_corrected")
            )
        )
    )


def _version(etag: str) -> int:
    digits = "".join(c for c in etag if c.isdigit())
    if not digits:
        raise InvalidArgumentError("etag is required", reason="MISSING_FIELD", field="etag")
    return int(digits)


# -- listing in SQL ------------------------------------------------------------------------------


def _live_lease(now: dt.datetime) -> ColumnElement[bool]:
    task = tables.ReviewTask
    return and_(task.state == ReviewTaskState.CLAIMED, task.lease_until > now)


def _lapsed_or_open(now: dt.datetime) -> ColumnElement[bool]:
    """Open, or claimed with a lease that ran out (the effective state "open" of `_effective_state`)."""
    task = tables.ReviewTask
    return or_(
        task.state == ReviewTaskState.OPEN,
        and_(task.state == ReviewTaskState.CLAIMED, or_(task.lease_until.is_(None), task.lease_until <= now)),
    )


def _in_state(state: str, now: dt.datetime) -> ColumnElement[bool]:
    if state == ReviewTaskState.OPEN:
        return _lapsed_or_open(now)
    if state == ReviewTaskState.CLAIMED:
        return _live_lease(now)
    return tables.ReviewTask.state == state


def _bank_details_unconfirmed(tenant_id: str) -> ColumnElement[bool]:
    task, example = tables.ReviewTask, tables.ApprovedExample
    return and_(
        task.state == ReviewTaskState.APPROVED,
        exists().where(
            example.tenant_id == tenant_id,
            example.document_id == task.document_id,
            example.needs_second_approval == true(),
            example.second_approver == "",
        ),
    )


def _has_reason(dialect: str, code: str) -> ColumnElement[bool]:
    """The task has a review reason with this code (reasons is a JSON list of objects)."""
    task = tables.ReviewTask
    if dialect == "postgresql":
        return cast(task.reasons, JSONB).contains([{"code": code}])
    reasons = func.json_each(task.reasons).table_valued("value").alias("reason")
    return exists(select(1).select_from(reasons).where(func.json_extract(reasons.c.value, "$.code") == code))


def _extracted(name: str) -> ColumnElement[str]:
    """The value of one extracted header field, as text (NULL when the field is missing)."""
    value: ColumnElement[str] = tables.Document.extraction[("fields", name, "value")].as_string()
    return value


def _lower(dialect: str, text: ColumnElement[str]) -> ColumnElement[str]:
    # SQLite's own lower() folds ASCII only; "müller" must find "MÜLLER GmbH" as Python's did.
    return func.docai_lower(text) if dialect == "sqlite" else func.lower(text)


def _register_sqlite_lower(session: Session) -> None:
    connection = session.connection().connection.dbapi_connection
    assert connection is not None
    connection.create_function(
        "docai_lower", 1, lambda text: text.lower() if isinstance(text, str) else text, deterministic=True
    )


def _amount(dialect: str, text: ColumnElement[str]) -> ColumnElement[float]:
    """A normalised amount ('1234.56') as a number to sort by; 0 when missing or not a number."""
    if dialect == "postgresql":
        return case((text.op("~")(r"^-?[0-9]+(\.[0-9]+)?$"), cast(text, Float)), else_=0.0)
    return func.coalesce(cast(text, Float), 0.0)


class ReviewQueue:
    def __init__(self, *, db: Database, lease_seconds: int = 600) -> None:
        self.db = db
        self.lease = dt.timedelta(seconds=lease_seconds)

    # -- reading -----------------------------------------------------------------------------

    def _load(
        self, session: Session, tenant_id: str, task_id: str, *, lock: bool = False
    ) -> tuple[tables.ReviewTask, tables.Document]:
        """The task and its document; with `lock`, the task row stays locked until the transaction ends.

        A change reads the task only under the lock: on PostgreSQL ``SELECT ... FOR UPDATE`` makes a
        second writer wait here and then read what the first one committed; on SQLite the
        transaction holds the write lock since ``BEGIN IMMEDIATE``.
        """
        query = select(tables.ReviewTask).where(
            tables.ReviewTask.id == task_id,
            tables.ReviewTask.tenant_id == tenant_id,  # another tenant's reads as missing
        )
        task = session.scalar(query.with_for_update() if lock else query, execution_options={"populate_existing": True})
        if task is None:
            raise NotFoundError(f"reviewTasks/{task_id} not found", reason="REVIEW_TASK_NOT_FOUND")
        doc = session.get(tables.Document, task.document_id)
        assert doc is not None
        return task, doc

    def list(
        self,
        *,
        tenant_id: str,
        state: str = "",
        reason_code: str = "",
        vendor_contains: str = "",
        order_by: str = "",
        bank_details_unconfirmed: bool = False,
        claimed_by: str = "",
        page_size: int = 50,
        offset: int = 0,
    ) -> tuple[list[ReviewTaskView], int]:
        """One page of the tenant's tasks and how many match; filtered, counted and paged in SQL.

        Args:
            state: "open" (a lapsed lease counts as open), "claimed", "approved" or "rejected";
                open and claimed when empty (approved with ``bank_details_unconfirmed``).
            reason_code: Only tasks with a reason of this code.
            vendor_contains: Only invoices whose vendor name contains this (case-insensitive).
            order_by: One of ``ORDERS``; oldest first when empty.
            bank_details_unconfirmed: Only approved invoices whose changed bank details wait for
                a second person.
            claimed_by: Only tasks this person holds a live lease on.
        """
        if order_by not in ORDERS:
            raise InvalidArgumentError(f"order_by must be one of {sorted(ORDERS - {''})}", reason="INVALID_ORDER_BY")
        task, doc = tables.ReviewTask, tables.Document
        now = tables.utcnow()
        dialect = self.db.engine.dialect.name
        wanted = state or (ReviewTaskState.APPROVED if bank_details_unconfirmed else "")
        where: list[ColumnElement[bool]] = [
            task.tenant_id == tenant_id,
            _in_state(wanted, now) if wanted else task.state.in_(ACTIVE_TASK_STATES),
        ]
        if bank_details_unconfirmed:
            where.append(_bank_details_unconfirmed(tenant_id))
        if claimed_by:
            where += [_live_lease(now), task.claimed_by == claimed_by]
        if reason_code:
            where.append(_has_reason(dialect, reason_code))
        if vendor_contains:
            where.append(_lower(dialect, _extracted("vendor_name")).contains(vendor_contains.lower(), autoescape=True))
        if order_by.lstrip("-") == "total_gross":
            amount = _amount(dialect, _extracted("total_gross"))
            order = [amount.desc() if order_by.startswith("-") else amount, task.create_time, task.id]
        elif order_by == "-create_time":
            order = [task.create_time.desc(), task.id.desc()]
        else:
            order = [task.create_time, task.id]
        # The page is cut on the tasks alone (the index), and only its rows read their documents;
        # a document is joined for every candidate only to filter by vendor or sort by amount.
        page = select(task.id).select_from(task)
        counted = select(func.count()).select_from(task)
        if vendor_contains:
            counted = counted.join(doc, doc.id == task.document_id)
        if vendor_contains or order_by.lstrip("-") == "total_gross":
            page = page.join(doc, doc.id == task.document_id)
        page = page.where(*where).order_by(*order).offset(max(offset, 0)).limit(max(page_size, 0))
        with self.db.transaction() as session:
            if vendor_contains and dialect == "sqlite":
                _register_sqlite_lower(session)
            total = session.scalar(counted.where(*where)) or 0
            rows = session.execute(
                select(task, doc)
                .join(doc, doc.id == task.document_id)
                .where(task.id.in_(page))
                .order_by(*order)
                .options(load_only(doc.filename, doc.page_count, doc.extraction, doc.checks, doc.route))
            ).all()
            examples = _examples(
                session, tenant_id, [t.document_id for t, _ in rows if t.state == ReviewTaskState.APPROVED]
            )
            views = [_view(t, d, now, examples.get(t.document_id)) for t, d in rows]
        return views, total

    def get(
        self, *, tenant_id: str, task_id: str
    ) -> tuple[ReviewTaskView, Extraction, builtins.list[CheckResult], Route | None]:
        with self.db.transaction() as session:
            task, doc = self._load(session, tenant_id, task_id)
            return (
                _view(task, doc, tables.utcnow(), _example(session, tenant_id, doc.id)),
                store.extraction_of(doc),
                store.checks_of(doc),
                store.route_of(doc),
            )

    def audit(self, *, tenant_id: str, document_id: str) -> builtins.list[AuditRecord]:
        with self.db.transaction() as session:
            store.load(session, tenant_id=tenant_id, document_id=document_id)
            rows = session.scalars(
                select(tables.AuditEntry)
                .where(tables.AuditEntry.document_id == document_id)
                .order_by(tables.AuditEntry.id)
            )
            return [
                AuditRecord.model_validate(
                    {
                        **{c: getattr(r, c) for c in ("id", "actor", "action", "field", "old_value", "new_value")},
                        "create_time": aware(r.create_time),
                    }
                )
                for r in rows
            ]

    # -- leases ------------------------------------------------------------------------------

    def claim(self, *, tenant_id: str, actor: str, task_id: str = "", lease_seconds: int = 0) -> ReviewTaskView:
        """Claims a task (or the oldest open one) for `actor`; a colleague's live lease gets ABORTED."""
        now = tables.utcnow()
        lease = dt.timedelta(seconds=lease_seconds) if lease_seconds > 0 else self.lease
        with self.db.transaction() as session:
            if task_id:
                task, doc = self._load(session, tenant_id, task_id, lock=True)
            else:
                # The oldest open task nobody else is claiming right now: SKIP LOCKED lets two
                # people claiming "the next one" at once get two different tasks (PostgreSQL).
                oldest = session.scalar(
                    select(tables.ReviewTask)
                    .where(tables.ReviewTask.tenant_id == tenant_id, _lapsed_or_open(now))
                    .order_by(tables.ReviewTask.create_time, tables.ReviewTask.id)
                    .limit(1)
                    .with_for_update(skip_locked=True),
                    execution_options={"populate_existing": True},
                )
                if oldest is None:
                    raise NotFoundError("no open review task", reason="NO_OPEN_TASK")
                task = oldest
                doc = session.get(tables.Document, task.document_id)  # type: ignore[assignment]
            state = _effective_state(task, now)
            if state in CLOSED_TASK_STATES:
                raise FailedPreconditionError(f"the task is already {state}", reason="TASK_CLOSED")
            if state == ReviewTaskState.CLAIMED and task.claimed_by != actor:
                raise _lease_held(task)
            _compare_and_set(
                session,
                task,
                expect={"state": task.state, "claimed_by": task.claimed_by, "version": task.version},
                values={
                    "state": ReviewTaskState.CLAIMED,
                    "claimed_by": actor,
                    "lease_until": now + lease,
                    "update_time": now,
                },
            )
            store.audit(session, doc, actor=actor, action="claimed")
            return _view(task, doc, now)

    def release(self, *, tenant_id: str, actor: str, task_id: str) -> ReviewTaskView:
        now = tables.utcnow()
        with self.db.transaction() as session:
            task, doc = self._load(session, tenant_id, task_id, lock=True)
            self._require_lease(task, actor, now)
            _compare_and_set(
                session,
                task,
                expect={"state": ReviewTaskState.CLAIMED, "claimed_by": actor, "version": task.version},
                values={"state": ReviewTaskState.OPEN, "claimed_by": "", "lease_until": None, "update_time": now},
            )
            store.audit(session, doc, actor=actor, action="released")
            return _view(task, doc, now)

    @staticmethod
    def _require_lease(task: tables.ReviewTask, actor: str, now: dt.datetime) -> None:
        state = _effective_state(task, now)
        if state in CLOSED_TASK_STATES:
            raise FailedPreconditionError(f"the task is already {state}", reason="TASK_CLOSED")
        if state == ReviewTaskState.CLAIMED and task.claimed_by != actor:
            raise _lease_held(task)
        if state != ReviewTaskState.CLAIMED:
            raise FailedPreconditionError("claim the task before changing it", reason="TASK_NOT_CLAIMED")

    def _guard(self, task: tables.ReviewTask, *, actor: str, etag: str, now: dt.datetime) -> int:
        """Checks, under the task's lock, that `actor` holds the lease and loaded the current version."""
        self._require_lease(task, actor, now)
        version = _version(etag)
        if version != task.version:
            raise _stale()
        return version

    @staticmethod
    def _advance(
        session: Session, task: tables.ReviewTask, *, actor: str, version: int, now: dt.datetime, **values: Any
    ) -> None:
        """The change's compare-and-set: the version moves on only from the one the caller loaded."""
        _compare_and_set(
            session,
            task,
            expect={"state": ReviewTaskState.CLAIMED, "claimed_by": actor, "version": version},
            values={"version": version + 1, "update_time": now, **values},
        )

    # -- changes -----------------------------------------------------------------------------

    def correct(
        self, *, tenant_id: str, actor: str, task_id: str, etag: str, corrections: Corrections, request_id: str
    ) -> tuple[ReviewTaskView, Extraction, builtins.list[CheckResult]]:
        """Applies a reviewer's corrections, re-runs the checks and records every change in the audit log."""
        fingerprint = hashlib.sha256(f"{task_id}\0{etag}\0{corrections.model_dump_json()}".encode()).hexdigest()
        key = {
            "tenant_id": tenant_id,
            "method": "SubmitCorrections",
            "request_id": request_id,
            "fingerprint": fingerprint,
        }
        now = tables.utcnow()
        with self.db.transaction() as session:
            task, doc = self._load(session, tenant_id, task_id, lock=True)
            if idempotency.recall(session, **key) is None:
                version = self._guard(task, actor=actor, etag=etag, now=now)
                self._apply(session, task, doc, actor=actor, corrections=corrections, version=version)
                idempotency.remember(session, **key, resource=task_id)
            return _view(task, doc, now), store.extraction_of(doc), store.checks_of(doc)

    def _apply(
        self,
        session: Session,
        task: tables.ReviewTask,
        doc: tables.Document,
        *,
        actor: str,
        corrections: Corrections,
        version: int,
    ) -> None:
        extraction = store.extraction_of(doc)
        parsed = ParsedDocument.model_validate(doc.parsed or {"pages": []})
        audit: list[tuple[str, str, str, str]] = []
        for name, typed in corrections.fields.items():
            if name not in HEADER_FIELDS:
                raise InvalidArgumentError(f"unknown field {name!r}", reason="UNKNOWN_FIELD", field=name)
            old = extraction.value(name) or ""
            new = _normalised(name, typed)
            if new == old:
                continue
            if new:
                extraction.fields[name] = _reviewed(name, new, typed, parsed)
            else:
                extraction.fields.pop(name, None)
            audit.append(("field_corrected", name, old, new))
        if corrections.line_items is not None:
            old_rows = [{k: f.value for k, f in item.fields.items()} for item in extraction.line_items]
            rows = []
            for typed_row in corrections.line_items:
                cells = {}
                for key, typed in typed_row.items():
                    if key not in LINE_ITEM_FIELDS:
                        raise InvalidArgumentError(
                            f"unknown line item field {key!r}", reason="UNKNOWN_FIELD", field=key
                        )
                    value = _normalised(key, typed)
                    if value:
                        cells[key] = _reviewed(key, value, typed, parsed)
                if cells:
                    rows.append(LineItem(fields=cells))
            new_rows = [{k: f.value for k, f in item.fields.items()} for item in rows]
            if new_rows != old_rows:
                extraction.line_items = rows
                audit.append(("line_items_corrected", "line_items", _rows_text(old_rows), _rows_text(new_rows)))
        if corrections.tax_details is not None:
            old_taxes = [{k: f.value for k, f in tax.fields.items()} for tax in extraction.tax_details]
            taxes = []
            for typed_row in corrections.tax_details:
                cells = {}
                for key, typed in typed_row.items():
                    if key not in TAX_DETAIL_FIELDS:
                        raise InvalidArgumentError(
                            f"unknown tax detail field {key!r}", reason="UNKNOWN_FIELD", field=key
                        )
                    value = _normalised(key, typed)
                    if value:
                        cells[key] = _reviewed(key, value, typed, parsed)
                if cells:
                    taxes.append(TaxDetail(fields=cells))
            new_taxes = [{k: f.value for k, f in tax.fields.items()} for tax in taxes]
            if new_taxes != old_taxes:
                extraction.tax_details = taxes
                audit.append(("tax_details_corrected", "tax_details", _rows_text(old_taxes), _rows_text(new_taxes)))
        if corrections.route is not None:
            route = store.route_of(doc) or Route(
                department="", cost_centre="", approver="", confidence=0, covered=False
            )
            for attr in ("department", "cost_centre", "approver"):
                new = getattr(corrections.route, attr).strip()
                old = getattr(route, attr)
                if new and new != old:
                    audit.append(("route_corrected", attr, old, new))
            route = route.model_copy(
                update={
                    attr: getattr(corrections.route, attr).strip() or getattr(route, attr)
                    for attr in ("department", "cost_centre", "approver")
                }
                | {"confidence": 1.0, "covered": True, "reasons": [*route.reasons, "reviewer"]}
            )
            store.set_route(doc, route)
        if not audit:
            return
        # The arithmetic checks run again on the corrected values; what only the reader could
        # check (the e-invoice XML against the page, text that steers its reader) stays as read.
        kept = [c for c in doc.checks or [] if isinstance(c, dict) and c.get("name") not in CHECK_NAMES]
        store.set_extraction(doc, extraction, [*run_checks(extraction), *kept])
        store.touch(doc)
        self._advance(session, task, actor=actor, version=version, now=doc.update_time)
        for action, field, old, new in audit:
            store.audit(session, doc, actor=actor, action=action, field=field, old_value=old, new_value=new)

    def approve(self, *, tenant_id: str, actor: str, task_id: str, etag: str, request_id: str) -> ReviewTaskView:
        """Approves the invoice for the ERP and keeps it, with what people touched, for training."""
        key = {"tenant_id": tenant_id, "method": "ApproveReviewTask", "request_id": request_id, "fingerprint": task_id}
        now = tables.utcnow()
        with self.db.transaction() as session:
            task, doc = self._load(session, tenant_id, task_id, lock=True)
            if idempotency.recall(session, **key) is not None:
                return _view(task, doc, now, _example(session, tenant_id, doc.id))
            version = self._guard(task, actor=actor, etag=etag, now=now)
            checks = store.checks_of(doc)
            extraction = store.extraction_of(doc)
            changed = sorted({entry.field for entry in _corrections(session, doc.id)})
            bank_change = changes_bank_details(changed, task.reasons or [])
            self._advance(
                session, task, actor=actor, version=version, now=now, state=ReviewTaskState.APPROVED, lease_until=None
            )
            store.transition(session, doc, DocumentState.APPROVED)  # its review reasons stay, for the archive
            example = tables.ApprovedExample(
                tenant_id=tenant_id,
                document_id=doc.id,
                vendor_key=vendor_key(extraction.value("vendor_name")),
                extraction=extraction.model_dump(),
                confirmed_fields=sorted({*extraction.fields, *(["line_items"] if extraction.line_items else [])}),
                changed_fields=changed,
                reviewer=actor,
                needs_second_approval=bank_change,
                second_approver="",
            )
            session.add(example)
            if doc.parsed:  # the approved values teach the vendor layout; changed bank details wait
                VendorMemoryStore(self.db).learn(
                    session,
                    tenant_id=tenant_id,
                    parsed=ParsedDocument.model_validate(doc.parsed),
                    extraction=extraction,
                    exclude=BANK_FIELDS if bank_change else (),
                )
            failed = [c.name for c in checks if not c.passed]
            store.audit(
                session,
                doc,
                actor=actor,
                action="approved",
                new_value=f"failed checks: {', '.join(failed)}" if failed else "",
            )
            idempotency.remember(session, **key, resource=task_id)
            return _view(task, doc, now, example)

    def confirm_bank_details(self, *, tenant_id: str, actor: str, task_id: str, request_id: str) -> ReviewTaskView:
        """A second person vouches for the bank details changed on an approved invoice (four eyes).

        Until then the invoice's corrections train nothing: one person changing IBANs must not be
        able to teach the model a fraudulent account.
        """
        key = {"tenant_id": tenant_id, "method": "ConfirmBankDetails", "request_id": request_id, "fingerprint": task_id}
        now = tables.utcnow()
        with self.db.transaction() as session:
            task, doc = self._load(session, tenant_id, task_id, lock=True)
            example = _example(session, tenant_id, doc.id) if task.state == ReviewTaskState.APPROVED else None
            if idempotency.recall(session, **key) is not None:
                return _view(task, doc, now, example)
            if example is None or not example.needs_second_approval:
                raise FailedPreconditionError(
                    "only an approved invoice with changed bank details needs a confirmation", reason="NO_BANK_CHANGE"
                )
            if example.second_approver:
                raise FailedPreconditionError(
                    f"{example.second_approver} already confirmed these bank details", reason="ALREADY_CONFIRMED"
                )
            editors = (entry.actor for entry in _corrections(session, doc.id) if entry.field in BANK_FIELDS)
            if not may_confirm(actor, approver=example.reviewer, bank_editors=editors):
                raise FailedPreconditionError(
                    "whoever changed or approved the bank details cannot also confirm them",
                    reason="SECOND_PERSON_REQUIRED",
                )
            confirmed = session.execute(
                update(tables.ApprovedExample)
                .where(tables.ApprovedExample.id == example.id, tables.ApprovedExample.second_approver == "")
                .values(second_approver=actor),
                execution_options={"synchronize_session": "evaluate"},
            )
            if confirmed.rowcount != 1:  # type: ignore[attr-defined]
                raise FailedPreconditionError(
                    "someone else already confirmed these bank details", reason="ALREADY_CONFIRMED"
                )
            store.audit(
                session,
                doc,
                actor=actor,
                action="bank_details_confirmed",
                field="iban",
                new_value=store.extraction_of(doc).value("iban") or "",
            )
            idempotency.remember(session, **key, resource=task_id)
            return _view(task, doc, now, example)

    def reopen(self, *, tenant_id: str, actor: str, document_id: str, reason: str, request_id: str) -> ReviewTaskView:
        """Re-opens an approved invoice: back to IN_REVIEW with an open task and an audit entry.

        The document's review task (a document has one) opens again with a new version, reason
        ``REOPENED`` first and the reasons it had after; an invoice approved automatically gets
        its first task. Its approved example goes (the approval it recorded no longer stands, so it
        trains nothing; the next approval writes a new one, four eyes on bank details included).
        What an approval taught the vendor memory stays: it is merged, not kept per invoice.
        Exported invoices are refused (``ALREADY_EXPORTED``): the ERP has booked them.
        """
        reason = reason.strip()
        if not reason:
            raise InvalidArgumentError("say why the invoice is re-opened", reason="MISSING_FIELD", field="reason")
        key = {"tenant_id": tenant_id, "method": "ReopenDocument", "request_id": request_id, "fingerprint": document_id}
        now = tables.utcnow()
        with self.db.transaction() as session:
            doc = store.load(session, tenant_id=tenant_id, document_id=document_id, lock=not self.db.is_sqlite)
            task = session.scalar(
                select(tables.ReviewTask).where(tables.ReviewTask.document_id == document_id),
                execution_options={"populate_existing": True},
            )
            if idempotency.recall(session, **key) is not None and task is not None:
                return _view(task, doc, now)
            if doc.state == DocumentState.EXPORTED.value:
                raise FailedPreconditionError(
                    "the ERP has already exported this invoice; correct it there (a credit note), not here",
                    reason="ALREADY_EXPORTED",
                )
            if doc.state != DocumentState.APPROVED.value:
                raise FailedPreconditionError(
                    f"only approved invoices can be re-opened; this one is {doc.state}", reason="NOT_APPROVED"
                )
            reopened = ReviewReason(code="REOPENED", detail=f"re-opened by {actor}: {reason}")
            earlier = [r for r in (task.reasons if task is not None else []) or [] if r.get("code") != "REOPENED"]
            reasons = [reopened.model_dump(), *earlier]
            if task is None:
                task = tables.ReviewTask(
                    id=uuid.uuid4().hex,
                    tenant_id=tenant_id,
                    document_id=document_id,
                    state=ReviewTaskState.OPEN,
                    reasons=reasons,
                    create_time=now,
                    update_time=now,
                )
                session.add(task)
            else:
                _compare_and_set(
                    session,
                    task,
                    expect={"state": task.state, "version": task.version},
                    # Queued as a new task: its age in the queue starts now.
                    values={
                        "state": ReviewTaskState.OPEN,
                        "claimed_by": "",
                        "lease_until": None,
                        "reasons": reasons,
                        "version": task.version + 1,
                        "create_time": now,
                        "update_time": now,
                    },
                )
            for example in session.scalars(
                select(tables.ApprovedExample).where(tables.ApprovedExample.document_id == document_id)
            ):
                session.delete(example)
            store.transition(
                session, doc, DocumentState.IN_REVIEW, decision="review", review_reasons=store.review_summary(reasons)
            )
            store.audit(
                session, doc, actor=actor, action="reopened", old_value=DocumentState.APPROVED.value, new_value=reason
            )
            idempotency.remember(session, **key, resource=task.id)
            session.flush()
            return _view(task, doc, now)

    def reject(
        self, *, tenant_id: str, actor: str, task_id: str, etag: str, reason: str, request_id: str
    ) -> ReviewTaskView:
        if not reason.strip():
            raise InvalidArgumentError("a rejection needs a reason", reason="MISSING_FIELD", field="reason")
        key = {"tenant_id": tenant_id, "method": "RejectReviewTask", "request_id": request_id, "fingerprint": task_id}
        now = tables.utcnow()
        with self.db.transaction() as session:
            task, doc = self._load(session, tenant_id, task_id, lock=True)
            if idempotency.recall(session, **key) is not None:
                return _view(task, doc, now)
            version = self._guard(task, actor=actor, etag=etag, now=now)
            self._advance(
                session, task, actor=actor, version=version, now=now, state=ReviewTaskState.REJECTED, lease_until=None
            )
            store.transition(
                session, doc, DocumentState.REJECTED, failure_reason="REJECTED_BY_REVIEWER", failure_message=reason
            )
            store.audit(session, doc, actor=actor, action="rejected", new_value=reason)
            idempotency.remember(session, **key, resource=task_id)
            return _view(task, doc, now)


def _normalised(name: str, typed: str) -> str:
    typed = typed.strip()
    if not typed:
        return ""
    value = normalize_field(name, typed)
    if value is None:
        raise InvalidArgumentError(f"{typed!r} is not a valid {name}", reason="INVALID_FIELD_VALUE", field=name)
    return value


def _reviewed(name: str, value: str, typed: str, parsed: ParsedDocument) -> ExtractedField:
    provenance = locate(value, typed, parsed, field=name) or Provenance(derived="entered by reviewer")
    return ExtractedField(value=value, confidence=1.0, provenance=provenance)


def _rows_text(rows: list[dict[str, Any]]) -> str:
    return "; ".join(" | ".join(f"{k}={v}" for k, v in row.items()) for row in rows)


def _stale() -> AbortedError:
    return AbortedError("the invoice changed since you loaded it; reload it", reason="STALE_ETAG")


def _lease_held(task: tables.ReviewTask) -> AbortedError:
    return AbortedError(f"{task.claimed_by} is working on this invoice", reason="LEASE_HELD", holder=task.claimed_by)


def _compare_and_set(
    session: Session, task: tables.ReviewTask, *, expect: dict[str, Any], values: dict[str, Any]
) -> None:
    """``UPDATE review_tasks SET values WHERE id = ? AND expect``: the row count decides the winner.

    Under the row lock the caller's checks already hold, so this only fails if something wrote
    the row without taking the lock; the loser is then told its view was stale, never INTERNAL.
    The in-memory task takes the new values.
    """
    columns = tables.ReviewTask
    result = session.execute(
        update(columns)
        .where(columns.id == task.id, *(getattr(columns, name) == value for name, value in expect.items()))
        .values(**values),
        execution_options={"synchronize_session": "evaluate"},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _stale()
