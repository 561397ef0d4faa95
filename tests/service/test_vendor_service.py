"""VendorService against a real in-process server: import and sync, roles, checks, and what the
pipeline makes of the master (bank details judged against it, unknown vendors), plus the CLI import."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from docai.services.cli import main
from docai.services.client import DocaiClient
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.review.v1 import review_service_pb2 as review_pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as review_grpc
from docai.services.pb.vendors.v1 import vendor_service_pb2 as pb
from docai.services.pb.vendors.v1 import vendor_service_pb2_grpc as pb_grpc
from docai.training.synthetic import generate_invoice, make_vendor

from .conftest import as_person, metadata, reason_of, wait_for_state

SCHWARZWALD = make_vendor(12)  # DE167992022, DE46370400442158947147: read exactly by the reader
NORDLICHT = make_vendor(1)
OTHER_IBAN = "DE89370400440532013000"


def _vendor(vendor_id: str, name: str, **fields: object) -> pb.Vendor:
    return pb.Vendor(vendor_id=vendor_id, display_name=name, **fields)


def _stub(running) -> pb_grpc.VendorServiceStub:
    return pb_grpc.VendorServiceStub(grpc.insecure_channel(running.address))


def _upload(running, token: str, invoice, request_id: str) -> ingest_pb.GetDocumentResponse:
    with DocaiClient(running.address, token) as client:
        document = client.upload(invoice.pdf, request_id=request_id)
    return wait_for_state(ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address)), document.name, token)


def _codes(done: ingest_pb.GetDocumentResponse) -> set[str]:
    return {reason.split(":")[0] for reason in done.document.review_reasons}


def test_import_get_list_and_sync(running):
    token = running.tenant("acme")
    stub = _stub(running)
    batch = [
        _vendor(
            "V-1",
            "Schwarzwald Bürobedarf GmbH & Co. KG",
            tax_id="DE 167 992 022",
            iban=SCHWARZWALD.iban,
            department="Facilities",
            aliases=["Schwarzwald Büro"],
        ),
        _vendor("V-2", "Nordlicht Bürotechnik UG", tax_id=NORDLICHT.tax_id, active=False),
    ]
    first = stub.ImportVendors(pb.ImportVendorsRequest(vendors=batch, request_id="import-1"), metadata=metadata(token))
    assert (first.created_count, first.updated_count, first.unchanged_count) == (2, 0, 0)
    retry = stub.ImportVendors(pb.ImportVendorsRequest(vendors=batch, request_id="import-1"), metadata=metadata(token))
    assert retry == first  # the same request id: the first result

    got = stub.GetVendor(pb.GetVendorRequest(name="vendors/V-1"), metadata=metadata(token)).vendor
    assert (got.name, got.tax_id, got.iban, got.active) == ("vendors/V-1", "DE167992022", SCHWARZWALD.iban, True)
    assert list(got.aliases) == ["Schwarzwald Büro"] and got.HasField("update_time")
    assert not stub.GetVendor(pb.GetVendorRequest(name="vendors/V-2"), metadata=metadata(token)).vendor.active

    page = stub.ListVendors(pb.ListVendorsRequest(page_size=1), metadata=metadata(token))
    assert page.total_size == 2 and [v.vendor_id for v in page.vendors] == ["V-1"] and page.next_page_token
    rest = stub.ListVendors(
        pb.ListVendorsRequest(page_size=1, page_token=page.next_page_token), metadata=metadata(token)
    )
    assert [v.vendor_id for v in rest.vendors] == ["V-2"] and not rest.next_page_token
    named = stub.ListVendors(pb.ListVendorsRequest(name_contains="schwarzwald buero"), metadata=metadata(token))
    assert [v.vendor_id for v in named.vendors] == ["V-1"]
    taxed = stub.ListVendors(pb.ListVendorsRequest(tax_id="920655056"), metadata=metadata(token))
    assert [v.vendor_id for v in taxed.vendors] == ["V-2"]

    # Sync: the batch is the whole master; V-1 is not in it any more.
    synced = stub.ImportVendors(
        pb.ImportVendorsRequest(
            vendors=[_vendor("V-2", "Nordlicht Bürotechnik UG", tax_id=NORDLICHT.tax_id), _vendor("V-3", "Third GmbH")],
            sync=True,
        ),
        metadata=metadata(token),
    )
    assert (synced.created_count, synced.updated_count, synced.deactivated_count) == (1, 1, 1)
    active = stub.ListVendors(pb.ListVendorsRequest(active_only=True), metadata=metadata(token))
    assert [v.vendor_id for v in active.vendors] == ["V-2", "V-3"]

    # Another tenant sees none of it.
    globex = running.tenant("globex")
    assert stub.ListVendors(pb.ListVendorsRequest(), metadata=metadata(globex)).total_size == 0
    with pytest.raises(grpc.RpcError) as missing:
        stub.GetVendor(pb.GetVendorRequest(name="vendors/V-1"), metadata=metadata(globex))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(missing.value) == "VENDOR_NOT_FOUND"


def test_erp_and_admin_import_others_only_read(running):
    running.tenant("acme")
    stub = _stub(running)
    request = pb.ImportVendorsRequest(vendors=[_vendor("V-1", "Alpha GmbH")])
    with pytest.raises(grpc.RpcError) as denied:
        stub.ImportVendors(request, metadata=as_person(running, "rita@acme", "approver"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED and reason_of(denied.value) == "ROLE_REQUIRED"
    assert stub.ImportVendors(request, metadata=as_person(running, "ada@acme", "admin")).created_count == 1
    reviewer = as_person(running, "rob@acme", "reviewer")
    assert stub.ListVendors(pb.ListVendorsRequest(), metadata=reviewer).total_size == 1


def test_an_invalid_iban_is_invalid_argument_and_imports_nothing(running):
    token = running.tenant("acme")
    stub = _stub(running)
    batch = [_vendor("V-1", "Alpha GmbH", iban=OTHER_IBAN), _vendor("V-2", "Beta GmbH", iban="DE89370400440532013001")]
    with pytest.raises(grpc.RpcError) as error:
        stub.ImportVendors(pb.ImportVendorsRequest(vendors=batch), metadata=metadata(token))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(error.value) == "INVALID_IBAN"
    assert "vendors[1]: vendor V-2" in error.value.details() and "check digits" in error.value.details()
    assert stub.ListVendors(pb.ListVendorsRequest(), metadata=metadata(token)).total_size == 0
    with pytest.raises(grpc.RpcError) as tax:
        stub.ImportVendors(
            pb.ImportVendorsRequest(vendors=[_vendor("V-1", "Alpha", tax_id="DE167992023")]), metadata=metadata(token)
        )
    assert reason_of(tax.value) == "INVALID_TAX_ID"


def test_an_iban_other_than_the_masters_is_a_bank_details_change_naming_the_record(running):
    token = running.tenant("acme")
    _stub(running).ImportVendors(
        pb.ImportVendorsRequest(
            vendors=[
                _vendor("V-77", "Schwarzwald Bürobedarf GmbH & Co. KG", tax_id=SCHWARZWALD.tax_id, iban=OTHER_IBAN)
            ]
        ),
        metadata=metadata(token),
    )
    done = _upload(running, token, generate_invoice(500, vendor=SCHWARZWALD), "bank")
    assert done.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    assert "BANK_DETAILS_CHANGED" in _codes(done) and "VENDOR_UNKNOWN" not in _codes(done)

    review = review_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    alice = as_person(running, "alice@acme", "reviewer")
    task = review.ListReviewTasks(review_pb.ListReviewTasksRequest(), metadata=alice).review_tasks[0]
    changed = next(r for r in task.reasons if r.code == "BANK_DETAILS_CHANGED")
    assert "vendor master record V-77" in changed.detail and "...3000" in changed.detail

    # The review page gets the record beside the invoice, its IBAN masked but for the last 4.
    match = review.GetReviewTask(review_pb.GetReviewTaskRequest(name=task.name), metadata=alice).vendor_match
    assert match.master_exists and match.matched_by == "tax_id"
    assert (
        match.vendor.vendor_id == "V-77" and match.vendor.iban.endswith("3000") and OTHER_IBAN not in match.vendor.iban
    )


def test_the_masters_iban_is_no_change(running):
    token = running.tenant("acme")
    _stub(running).ImportVendors(
        pb.ImportVendorsRequest(
            vendors=[
                _vendor(
                    "V-77", "Schwarzwald Bürobedarf GmbH & Co. KG", tax_id=SCHWARZWALD.tax_id, iban=SCHWARZWALD.iban
                )
            ]
        ),
        metadata=metadata(token),
    )
    done = _upload(running, token, generate_invoice(500, vendor=SCHWARZWALD), "same")
    assert not _codes(done) & {"BANK_DETAILS_CHANGED", "VENDOR_UNKNOWN"}, done.document.review_reasons


def test_an_unknown_vendor_is_reviewed_only_where_there_is_a_master(running):
    without = running.tenant("plain")
    done = _upload(running, without, generate_invoice(501, vendor=NORDLICHT), "plain")
    assert done.document.state in (ingest_pb.DOCUMENT_STATE_APPROVED, ingest_pb.DOCUMENT_STATE_IN_REVIEW)
    assert "VENDOR_UNKNOWN" not in _codes(done)

    with_master = running.tenant("mastered")
    _stub(running).ImportVendors(
        pb.ImportVendorsRequest(
            vendors=[_vendor("V-1", "Schwarzwald Bürobedarf GmbH & Co. KG", tax_id=SCHWARZWALD.tax_id)]
        ),
        metadata=metadata(with_master),
    )
    done = _upload(running, with_master, generate_invoice(501, vendor=NORDLICHT), "mastered")
    assert done.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    assert "VENDOR_UNKNOWN" in _codes(done)


def test_cli_imports_a_csv_and_names_the_bad_line(running, tmp_path: Path, monkeypatch, capsys):
    token = running.tenant("acme")
    monkeypatch.setenv("DOCAI_HOME", str(running.settings.home))
    monkeypatch.setenv("DOCAI_DATABASE_URL", running.settings.db_url)
    good = tmp_path / "vendors.csv"
    good.write_text(
        "vendor_id;name;aliases;tax_id;iban;department;cost_centre;approver\n"
        f"V-77;Schwarzwald Bürobedarf GmbH & Co. KG;Schwarzwald Büro;{SCHWARZWALD.tax_id};{OTHER_IBAN};"
        "Facilities;CC-2100;facility@example.com\n"
        f"V-78;Nordlicht Bürotechnik UG;;{NORDLICHT.tax_id};;;;\n",
        encoding="utf-8",
    )
    assert main(["vendors", "import", str(good), "--tenant", "acme"]) == 0
    assert "2 created" in capsys.readouterr().out
    listed = _stub(running).ListVendors(pb.ListVendorsRequest(), metadata=metadata(token))
    assert [v.vendor_id for v in listed.vendors] == ["V-77", "V-78"]
    assert main(["vendors", "list", "--tenant", "acme"]) == 0
    table = capsys.readouterr().out
    assert "V-77" in table and "...3000" in table and OTHER_IBAN not in table

    bad = tmp_path / "bad.csv"
    bad.write_text("vendor_id,name,iban\nV-1,Alpha GmbH,\nV-2,Beta GmbH,DE89370400440532013001\n", encoding="utf-8")
    assert main(["vendors", "import", str(bad), "--tenant", "acme", "--sync"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: INVALID_ARGUMENT INVALID_IBAN: line 3: vendor V-2:") and len(err.splitlines()) == 1
    # Nothing of the bad file was imported, and --sync deactivated nothing.
    assert _stub(running).ListVendors(pb.ListVendorsRequest(active_only=True), metadata=metadata(token)).total_size == 2
