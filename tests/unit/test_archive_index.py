"""The search and duplicate columns (derived from the extraction, filled by migration 0009 for older
documents) and the CSV layout of approved invoices."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from docai.schemas.archive import Approval, ApprovedInvoice
from docai.schemas.document import DocumentState
from docai.schemas.routing import Route
from docai.services.ingest.csv_export import COLUMNS, write_invoices
from docai.services.storage import tables
from docai.services.storage.database import MIGRATIONS, open_database
from docai.services.storage.document_index import canonical_amount, duplicate_key, index_values


def _extraction(**fields: str) -> dict:
    return {"fields": {name: {"value": value, "confidence": 0.9} for name, value in fields.items()}}


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("1234.5", "1234.50"),
        ("1234.50", "1234.50"),
        ("-0.00", "0.00"),
        ("12.345", "12.345"),
        ("12.3400", "12.34"),
        ("x", ""),
        ("", ""),
        ("NaN", ""),
    ],
)
def test_amounts_have_one_canonical_form(typed, canonical):
    assert canonical_amount(typed) == canonical


def test_the_duplicate_key_ignores_case_spaces_and_punctuation_and_needs_all_three_parts():
    key = duplicate_key(vendor="ACME GmbH.", number="inv 001", gross="100.5")
    assert key == duplicate_key(vendor="Acme  GmbH", number="INV001", gross="100.50")
    assert key != duplicate_key(vendor="Acme GmbH", number="INV002", gross="100.50")
    assert key != duplicate_key(vendor="Acme GmbH", number="INV001", gross="100.51")
    assert key != duplicate_key(vendor="Acne GmbH", number="INV001", gross="100.50")
    assert duplicate_key(vendor="", number="INV001", gross="100.50") is None
    assert duplicate_key(vendor="Acme", number="INV001", gross="") is None


def test_setting_the_extraction_sets_the_indexed_columns(tmp_path: Path):
    db = open_database(f"sqlite:///{tmp_path / 'docai.db'}")
    with db.transaction() as session:
        session.add(tables.Tenant(id="acme", name="acme"))
        session.flush()
        row = tables.Document(
            id="d1", tenant_id="acme", filename="a.pdf", sha256="0" * 64, size_bytes=1, state="parsed"
        )
        session.add(row)
        assert row.duplicate_key is None
        row.extraction = _extraction(
            vendor_name="Müller  GmbH", invoice_number="re 7", total_gross="10.5", invoice_date="2026-01-31"
        )
    with db.transaction() as session:
        row = session.get(tables.Document, "d1")
        assert (row.search_vendor, row.search_number, row.search_gross, row.search_date) == (
            "müller gmbh",
            "RE7",
            "10.50",
            dt.date(2026, 1, 31),
        )
        assert row.duplicate_key == duplicate_key(vendor="Müller GmbH", number="RE7", gross="10.50")
        row.extraction = _extraction(vendor_name="Müller GmbH")  # a correction that clears fields clears them too
    with db.transaction() as session:
        row = session.get(tables.Document, "d1")
        assert (row.search_number, row.search_gross, row.search_date, row.duplicate_key) == ("", "", None, None)
    db.dispose()


def test_migration_0009_fills_the_columns_of_documents_extracted_before_it(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'docai.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    extraction = _extraction(
        vendor_name="Acme Ltd", invoice_number="A-1", total_gross="99.9", invoice_date="2025-02-03"
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        connection.execute(
            text("INSERT INTO tenants (id, name, thresholds, create_time) VALUES ('t', 't', '{}', '2025-01-01')")
        )
        connection.execute(
            text(
                "INSERT INTO documents (id, tenant_id, filename, external_id, sha256, size_bytes, page_count, state, "
                "failure_reason, failure_message, decision, review_reasons, extraction, checks, "
                "create_time, update_time) "
                "VALUES ('old', 't', 'a.pdf', '', :sha, 1, 1, 'approved', '', '', '', '[]', :ex, '[]', "
                "'2025-02-03', '2025-02-03')"
            ),
            {"sha": "0" * 64, "ex": json.dumps(extraction)},
        )
    engine.dispose()
    db = open_database(url)  # migrates to the newest revision
    with db.transaction() as session:
        row = session.get(tables.Document, "old")
        assert row.duplicate_key == index_values(extraction)["duplicate_key"] is not None
        assert (row.search_vendor, row.search_number, row.search_gross, row.search_date) == (
            "acme ltd",
            "A-1",
            "99.90",
            dt.date(2025, 2, 3),
        )
    indexes = {ix["name"] for ix in __import__("sqlalchemy").inspect(db.engine).get_indexes("documents")}
    assert {"ix_documents_tenant_id_duplicate_key", "ix_documents_tenant_id_sha256"} <= indexes
    db.dispose()


def test_the_csv_has_one_row_per_invoice_and_defuses_formulas_but_not_amounts():
    invoice = ApprovedInvoice(
        document_id="d1",
        tenant_id="acme",
        state=DocumentState.APPROVED,
        filename="a.pdf",
        upload_time=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
        fields={
            "vendor_name": '=HYPERLINK("http://x")',
            "invoice_number": "A-1",
            "total_gross": "-12.50",
            "invoice_date": "2026-01-04",
            "currency": "EUR",
        },
        line_items=[{"description": "Widget", "amount": "-12.50"}],
        tax_details=[{"rate": "19", "base": "-10.50", "amount": "-2.00"}],
        route=Route(department="IT", cost_centre="CC-1", approver="boss@acme", confidence=1.0, covered=True),
        approval=Approval(
            approved_by="alice@acme",
            approve_time=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
            overridden_checks=["net_plus_tax_equals_gross"],
            review_reasons=["CHECK_FAILED:total_gross"],
        ),
    )
    out, lines = io.StringIO(newline=""), io.StringIO(newline="")
    assert write_invoices([invoice], out, lines=lines) == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(row) == list(COLUMNS)
    assert row["vendor_name"] == '\'=HYPERLINK("http://x")'
    assert (row["total_gross"], row["tax_breakdown"]) == ("-12.50", "19:-10.50:-2.00")
    assert (row["department"], row["cost_centre"], row["route_approver"]) == ("IT", "CC-1", "boss@acme")
    assert (row["approved_by"], row["approve_time"], row["automatic"]) == (
        "alice@acme",
        "2026-01-06T00:00:00+00:00",
        "false",
    )
    assert (row["checks_overridden"], row["overridden_checks"]) == ("true", "net_plus_tax_equals_gross")
    assert out.getvalue().endswith("\r\n")
    [line] = list(csv.DictReader(io.StringIO(lines.getvalue())))
    assert (line["document"], line["line"], line["description"], line["amount"]) == (
        "documents/d1",
        "1",
        "Widget",
        "-12.50",
    )


def test_a_duplicate_reason_links_to_the_earlier_invoice_on_the_review_page():
    from docai.services.pb.review.v1 import review_service_pb2 as pb
    from docai.services.web.views import earlier_document_link, reason_view

    duplicate = pb.ReviewReason(
        code="DUPLICATE_INVOICE",
        field="invoice_number",
        detail="same vendor, invoice number and gross total as documents/ab12 (a.pdf, approved)",
    )
    assert earlier_document_link(duplicate) == "/documents/ab12"
    assert reason_view(duplicate)["link"] == "/documents/ab12"
    assert reason_view(duplicate)["label"] == "Duplicate invoice"
    assert earlier_document_link(pb.ReviewReason(code="CHECK_FAILED", detail="see documents/ab12")) == ""
