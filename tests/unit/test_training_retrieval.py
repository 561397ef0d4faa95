"""Few-shot retrieval: the tenant's own approved invoices of the same vendor."""

from __future__ import annotations

from pathlib import Path

from docai.schemas.invoice import ExtractedField, Extraction, Provenance
from docai.schemas.parsed import Page, ParsedDocument
from docai.services.common.tenants import create_tenant
from docai.services.storage import tables
from docai.services.storage.database import open_database
from docai.training.retrieval import examples_for, header_lines, layout_similarity


def _add(db, tenant: str, doc_id: str, text: str, vendor: str, *, pending_bank: bool = False) -> None:  # type: ignore[no-untyped-def]
    parsed = ParsedDocument(pages=[Page(number=1, width=595, height=842, text=text)])
    fields = {
        "vendor_name": ExtractedField(value=vendor, confidence=1.0),
        "total_gross": ExtractedField(value="119.00", confidence=1.0, provenance=Provenance(source_text="119,00")),
    }
    with db.transaction() as session:
        session.add(
            tables.Document(
                id=doc_id,
                tenant_id=tenant,
                filename="a.pdf",
                sha256="0" * 64,
                size_bytes=1,
                state="approved",
                parsed=parsed.model_dump(),
            )
        )
        session.flush()
        session.add(
            tables.ApprovedExample(
                tenant_id=tenant,
                document_id=doc_id,
                vendor_key=vendor.lower(),
                extraction=Extraction(fields=fields).model_dump(),
                confirmed_fields=["vendor_name", "total_gross"],
                changed_fields=[],
                reviewer="ann",
                needs_second_approval=pending_bank,
            )
        )


def test_examples_come_from_the_same_tenant_and_vendor(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    for tenant in ("acme", "other"):
        create_tenant(db, tenant_id=tenant)
    _add(db, "acme", "d1", "Nordlicht GmbH\nHauptstr. 1\nRechnung 17", "Nordlicht GmbH")
    _add(db, "acme", "d2", "Blue Ocean Ltd\nHarbour Road\nInvoice 9", "Blue Ocean Ltd")
    _add(db, "acme", "d3", "Nordlicht GmbH\nHauptstr. 1\nRechnung 18", "Nordlicht GmbH", pending_bank=True)
    _add(db, "other", "d4", "Nordlicht GmbH\nHauptstr. 1\nRechnung 99", "Nordlicht GmbH")
    found = examples_for(db, "acme", "--- page 1 ---\nNordlicht GmbH\nHauptstr. 1\nRechnung 42", k=3)
    assert [e.document_text.splitlines()[1] for e in found] == ["Nordlicht GmbH"]
    assert "Rechnung 17" in found[0].document_text
    assert found[0].answer == {"vendor_name": "Nordlicht GmbH", "total_gross": "119,00"}
    by_key = examples_for(db, "acme", "something else entirely", k=1, vendor_key="Blue Ocean Ltd")
    assert len(by_key) == 1 and "Harbour Road" in by_key[0].document_text
    assert examples_for(db, "acme", "Unknown Vendor SA\nRue 1", k=1) == []
    assert examples_for(db, "acme", "Nordlicht GmbH", k=0) == []
    db.dispose()


def test_header_lines_skip_page_markers() -> None:
    assert header_lines("--- page 1 ---\n\nACME  \nStreet\nx\ny\nz", lines=2) == "acme\nstreet"


def test_the_example_closest_in_layout_comes_first(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tenant(db, tenant_id="acme")
    header = "Nordlicht GmbH\nHauptstr. 1\n"
    _add(db, "acme", "d1", header + "Rechnung 17\nPosition Menge Preis\nSumme netto\nUmsatzsteuer", "Nordlicht GmbH")
    _add(db, "acme", "d2", header + "Gutschrift 18\nErstattung Storno\nBetrag gutgeschrieben", "Nordlicht GmbH")
    invoice = examples_for(
        db,
        "acme",
        header + "Rechnung 19\nPosition Menge Preis\nSumme netto\nUmsatzsteuer",
        k=2,
        vendor_key="Nordlicht GmbH",
    )
    assert ["Rechnung 17" in e.document_text for e in invoice] == [True, False]
    credit_note = examples_for(
        db, "acme", header + "Gutschrift 20\nErstattung Storno\nBetrag gutgeschrieben", k=1, vendor_key="Nordlicht GmbH"
    )
    assert "Gutschrift 18" in credit_note[0].document_text
    db.dispose()


def test_layout_similarity_ignores_numbers() -> None:
    assert layout_similarity("Invoice 17 Total 119,00", "Invoice 18 Total 23,50") == 1.0
    assert layout_similarity("Invoice Total", "Credit note Refund") == 0.0
