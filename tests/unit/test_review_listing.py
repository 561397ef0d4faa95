"""ReviewQueue.list filters, orders, counts and pages in SQL, on SQLite and PostgreSQL (issue 13, defect 8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from docai.schemas.invoice import ExtractedField, Extraction
from docai.services.common.errors import InvalidArgumentError
from docai.services.common.tenants import create_tenant
from docai.services.review.queue import ReviewQueue
from docai.services.storage import tables
from docai.services.storage.database import open_database

NOW = tables.utcnow()  # at import: leases below are set far enough from it to outlast a long run


def _extraction(vendor: str | None, total: str | None) -> dict[str, Any] | None:
    if vendor is None and total is None:
        return None
    fields = {"vendor_name": ExtractedField(value=vendor or "", confidence=0.9)}
    if total is not None:
        fields["total_gross"] = ExtractedField(value=total, confidence=0.9)
    return Extraction(fields=fields).model_dump()


# id: (tenant, state, claimed_by, lease in seconds from now, reason codes, vendor, total gross)
TASKS: dict[str, tuple[str, str, str, int | None, list[str], str | None, str | None]] = {
    "t0": ("acme", "open", "", None, ["CHECK_FAILED"], "Müller GmbH", "100.00"),
    "t1": ("acme", "claimed", "ann", 86_400, ["LOW_CONFIDENCE"], "Acme 100% Supplies", "2500.50"),
    "t2": ("acme", "claimed", "bob", -5, ["CHECK_FAILED", "CREDIT_NOTE"], "Beta_Corp", "-50.00"),  # lease lapsed
    "t3": ("acme", "approved", "", None, ["BANK_DETAILS_CHANGED"], "Gamma", "10"),  # waits for a 2nd person
    "t4": ("acme", "approved", "", None, ["BANK_DETAILS_CHANGED"], "Gamma", "10"),  # confirmed
    "t5": ("acme", "rejected", "", None, ["CHECK_FAILED"], "Delta", "7.00"),
    "t6": ("acme", "open", "", None, ["MISSING_FIELD"], None, None),  # nothing read
    "x0": ("other", "open", "", None, ["CHECK_FAILED"], "Müller GmbH", "100.00"),
}


@pytest.fixture
def queue(database_url: str) -> Iterator[ReviewQueue]:
    db = open_database(database_url)
    for tenant in ("acme", "other"):
        create_tenant(db, tenant_id=tenant)
    with db.transaction() as session:
        for index, (task_id, (tenant, state, holder, lease, codes, vendor, total)) in enumerate(TASKS.items()):
            created = NOW - dt.timedelta(hours=10) + dt.timedelta(minutes=index)
            session.add(
                tables.Document(
                    id=f"d{task_id}",
                    tenant_id=tenant,
                    filename=f"{task_id}.pdf",
                    sha256="0" * 64,
                    size_bytes=1,
                    state="in_review",
                    extraction=_extraction(vendor, total),
                    parsed={"pages": []},
                )
            )
            session.flush()
            session.add(
                tables.ReviewTask(
                    id=task_id,
                    tenant_id=tenant,
                    document_id=f"d{task_id}",
                    state=state,
                    claimed_by=holder,
                    lease_until=NOW + dt.timedelta(seconds=lease) if lease is not None else None,
                    reasons=[{"code": code, "field": "", "detail": ""} for code in codes],
                    create_time=created,
                )
            )
            if state == "approved":
                session.add(
                    tables.ApprovedExample(
                        tenant_id=tenant,
                        document_id=f"d{task_id}",
                        vendor_key="gamma",
                        extraction={},
                        reviewer="ann",
                        needs_second_approval=True,
                        second_approver="" if task_id == "t3" else "bob",
                    )
                )
    yield ReviewQueue(db=db)
    db.dispose()


def ids(queue: ReviewQueue, **kwargs: Any) -> tuple[list[str], int]:
    views, total = queue.list(tenant_id=kwargs.pop("tenant_id", "acme"), **kwargs)
    return [v.id for v in views], total


def test_states_and_lapsed_leases(queue: ReviewQueue) -> None:
    assert ids(queue) == (["t0", "t1", "t2", "t6"], 4)
    assert ids(queue, state="open") == (["t0", "t2", "t6"], 3)
    assert ids(queue, state="claimed") == (["t1"], 1)
    assert ids(queue, state="approved") == (["t3", "t4"], 2)
    assert ids(queue, state="rejected") == (["t5"], 1)
    views, _ = queue.list(tenant_id="acme", state="open")
    lapsed = next(v for v in views if v.id == "t2")
    assert (lapsed.state, lapsed.claimed_by, lapsed.lease_until) == ("open", "", None)
    assert ids(queue, claimed_by="ann") == (["t1"], 1)
    assert ids(queue, claimed_by="bob") == ([], 0)  # a lapsed lease holds nothing


def test_bank_details_waiting_for_a_second_person(queue: ReviewQueue) -> None:
    assert ids(queue, bank_details_unconfirmed=True) == (["t3"], 1)
    views, _ = queue.list(tenant_id="acme", bank_details_unconfirmed=True)
    assert views[0].bank_details_unconfirmed and not views[0].bank_details_confirmed_by
    confirmed = next(v for v in queue.list(tenant_id="acme", state="approved")[0] if v.id == "t4")
    assert (confirmed.bank_details_unconfirmed, confirmed.bank_details_confirmed_by) == (False, "bob")
    assert ids(queue, bank_details_unconfirmed=True, state="open") == ([], 0)


def test_reason_codes(queue: ReviewQueue) -> None:
    assert ids(queue, reason_code="CREDIT_NOTE") == (["t2"], 1)
    assert ids(queue, reason_code="CHECK_FAILED") == (["t0", "t2"], 2)
    assert ids(queue, reason_code="CHECK_FAILED", state="rejected") == (["t5"], 1)
    assert ids(queue, reason_code="CHECK") == ([], 0)


def test_vendor_text_is_matched_literally_and_without_case(queue: ReviewQueue) -> None:
    assert ids(queue, vendor_contains="MÜLLER") == (["t0"], 1)
    assert ids(queue, vendor_contains="100%") == (["t1"], 1)
    assert ids(queue, vendor_contains="0%") == (["t1"], 1)
    assert ids(queue, vendor_contains="_") == (["t2"], 1)  # no LIKE wildcards
    assert ids(queue, vendor_contains="m") == (["t0", "t1"], 2)
    assert ids(queue, vendor_contains="gmbh", tenant_id="other") == (["x0"], 1)


def test_orders(queue: ReviewQueue) -> None:
    assert ids(queue, order_by="total_gross")[0] == ["t2", "t6", "t0", "t1"]
    assert ids(queue, order_by="-total_gross")[0] == ["t1", "t0", "t6", "t2"]
    assert ids(queue, order_by="-create_time")[0] == ["t6", "t2", "t1", "t0"]
    assert ids(queue, order_by="create_time")[0] == ["t0", "t1", "t2", "t6"]
    with pytest.raises(InvalidArgumentError):
        queue.list(tenant_id="acme", order_by="vendor")


def test_pages_are_cut_in_the_database(queue: ReviewQueue) -> None:
    assert ids(queue, page_size=2) == (["t0", "t1"], 4)
    assert ids(queue, page_size=2, offset=2) == (["t2", "t6"], 4)
    assert ids(queue, page_size=2, offset=4) == ([], 4)
    assert ids(queue, page_size=2, offset=1, order_by="-total_gross") == (["t0", "t6"], 4)
    # The page query asks the database for one page, and never reads the documents' pages.
    statements: list[str] = []
    engine = queue.db.engine
    listener = lambda *args: statements.append(args[2])
    event.listen(engine, "before_cursor_execute", listener)
    try:
        queue.list(tenant_id="acme", page_size=2)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "review_tasks" in s]
    assert selects and all("LIMIT" in s.upper() or "count(" in s.lower() for s in selects), selects
    assert not any("documents.parsed" in s for s in statements)
