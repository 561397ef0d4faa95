"""Search, archive and export against a real in-process server: ListDocuments filters, re-opening an
approved invoice, ExportDocument's structured invoice, ListApprovedInvoices and `docai export`.

The archive every test starts from (tenant ``acme``, thresholds lowered so clean reads auto-approve):

====  ====  ===========  ===============================================================
name  seed  invoice day  what happens
====  ====  ===========  ===============================================================
A     7     2025-03-25   auto-approved
B     11    2023-03-18   auto-approved
C     1     2023-07-23   auto-approved
D     5     2024-05-05   in review (no route; gross misread), approved by alice over the
                         failed check
E     12    2025-01-12   in review (no route), left there
====  ====  ===========  ===============================================================
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any

import grpc
import pytest

from docai.services.cli import main as docai
from docai.services.client import DocaiClient
from docai.services.common.tenants import set_thresholds
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc
from docai.training.synthetic import generate_invoice

from .conftest import as_person, metadata, reason_of, wait_for_state

SEEDS = {"A": 7, "B": 11, "C": 1, "D": 5, "E": 12}


class Archive:
    def __init__(self, running: Any, answers: Any) -> None:
        self.running = running
        self.token = running.tenant("acme")
        set_thresholds(running.suite.db, tenant_id="acme", changes={"field_confidence": 0.0})
        self.ingest = ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
        self.review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
        self.alice = as_person(running, "alice@acme")
        self.invoices = {key: generate_invoice(seed, credit_note=False) for key, seed in SEEDS.items()}
        self.truth = {key: invoice.truth for key, invoice in self.invoices.items()}
        gross = float(self.truth["D"]["total_gross"])
        # net + tax != gross: a failed check; and the VAT breakdown the page reader does not state.
        answers.add(self.truth["D"], total_gross=gross + 10, tax_details=self.truth["D"]["tax_details"])
        self.misread_gross = f"{gross + 10:.2f}"
        self.names: dict[str, str] = {}
        with DocaiClient(running.address, self.token) as client:
            for key, invoice in self.invoices.items():
                self.names[key] = client.upload(invoice.pdf, filename=f"{key}.pdf", request_id=key).name
        self.states = {
            key: wait_for_state(self.ingest, name, self.token).document.state for key, name in self.names.items()
        }
        assert [k for k, s in self.states.items() if s == ingest_pb.DOCUMENT_STATE_APPROVED] == ["A", "B", "C"], (
            self.states
        )
        self.approve("D")

    def task(self, key: str, state: int = 0) -> pb.ReviewTask:
        request = pb.ListReviewTasksRequest(page_size=100, state=state)
        listed = self.review.ListReviewTasks(request, metadata=self.alice).review_tasks
        return next(t for t in listed if t.document == self.names[key])

    def approve(self, key: str, request_id: str = "") -> pb.ReviewTask:
        task = self.task(key)
        claimed = self.review.ClaimReviewTask(
            pb.ClaimReviewTaskRequest(name=task.name), metadata=self.alice
        ).review_task
        return self.review.ApproveReviewTask(
            pb.ApproveReviewTaskRequest(name=task.name, etag=claimed.etag, request_id=request_id or f"ok-{key}"),
            metadata=self.alice,
        ).review_task

    def listed(self, **filters: Any) -> list[str]:
        """The archive's names (A..E) ListDocuments returns for these filters."""
        response = self.ingest.ListDocuments(
            ingest_pb.ListDocumentsRequest(page_size=100, **filters), metadata=metadata(self.token)
        )
        by_name = {name: key for key, name in self.names.items()}
        return sorted(by_name[d.name] for d in response.documents)

    def export(self, key: str, request_id: str, **options: Any) -> ingest_pb.ExportDocumentResponse:
        return self.ingest.ExportDocument(
            ingest_pb.ExportDocumentRequest(name=self.names[key], request_id=request_id, **options),
            metadata=metadata(self.token),
        )


@pytest.fixture
def archive(running, answers) -> Archive:  # type: ignore[no-untyped-def]
    return Archive(running, answers)


def _error(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value


def test_list_documents_finds_invoices_by_vendor_number_amount_dates_and_state(archive):
    truth, today = archive.truth, dt.datetime.now(dt.UTC).date()
    assert archive.listed() == ["A", "B", "C", "D", "E"]
    a = archive.ingest.ListDocuments(
        ingest_pb.ListDocumentsRequest(vendor_contains="ashdown"), metadata=metadata(archive.token)
    )
    assert [(d.vendor_name, d.invoice_number, d.invoice_date, d.total_gross) for d in a.documents] == [
        (truth["A"]["vendor_name"], truth["A"]["invoice_number"], "2025-03-25", "10233.00")
    ]
    assert archive.listed(vendor_contains="WHITCOMBE") == ["B"]  # any case
    assert archive.listed(vendor_contains="Whitcombe Ltd%") == []  # % is a character, not a wildcard
    assert archive.listed(invoice_number=" 2025/9871 ") == ["A"]
    assert archive.listed(invoice_number="2025/9872") == []
    assert archive.listed(total_gross="10.233,00") == ["A"]  # any way of writing it
    assert archive.listed(total_gross="10233") == ["A"]
    assert archive.listed(total_gross="10233.01") == []
    assert archive.listed(date_from="2023-01-01", date_to="2023-12-31") == ["B", "C"]  # invoice date by default
    assert archive.listed(
        date_field=ingest_pb.DATE_FIELD_INVOICE_DATE, date_from="2023-03-19", date_to="2024-05-05"
    ) == ["C", "D"]
    assert archive.listed(date_to="2023-03-18") == ["B"]
    assert archive.listed(date_field=ingest_pb.DATE_FIELD_UPLOAD_DATE, date_from=str(today), date_to=str(today)) == [
        "A",
        "B",
        "C",
        "D",
        "E",
    ]
    assert archive.listed(date_field=ingest_pb.DATE_FIELD_UPLOAD_DATE, date_to=str(today - dt.timedelta(days=1))) == []
    assert archive.listed(state=ingest_pb.DOCUMENT_STATE_APPROVED) == ["A", "B", "C", "D"]
    assert archive.listed(state=ingest_pb.DOCUMENT_STATE_IN_REVIEW) == ["E"]
    assert archive.listed(state=ingest_pb.DOCUMENT_STATE_APPROVED, date_from="2024-01-01") == ["A", "D"]

    for filters, reason in [
        ({"date_from": "2025-13-01"}, "INVALID_FIELD"),
        ({"date_to": "yesterday"}, "INVALID_FIELD"),
        ({"total_gross": "ten euros"}, "INVALID_FIELD"),
        ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "INVALID_DATE_RANGE"),
    ]:
        error = _error(lambda filters=filters: archive.listed(**filters))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert reason_of(error) == reason

    other = archive.running.tenant("globex")  # another tenant finds none of them
    assert not archive.ingest.ListDocuments(
        ingest_pb.ListDocumentsRequest(vendor_contains="ashdown"), metadata=metadata(other)
    ).documents


def test_export_document_returns_the_approved_invoice_with_route_approver_and_overridden_checks(archive):
    truth = archive.truth["D"]
    exported = archive.export("D", "x-d")
    assert exported.document.state == ingest_pb.DOCUMENT_STATE_EXPORTED
    assert (exported.content, exported.content_type) == (b"", "")
    invoice = exported.invoice
    assert invoice.document == archive.names["D"]
    assert invoice.state == ingest_pb.DOCUMENT_STATE_EXPORTED
    assert invoice.header.vendor_name == truth["vendor_name"]
    assert invoice.header.invoice_number == truth["invoice_number"]
    assert invoice.header.invoice_date == truth["invoice_date"]
    assert invoice.header.total_gross == archive.misread_gross  # what was approved, misread and all
    assert invoice.header.total_net == f"{truth['total_net']:.2f}"
    assert len(invoice.line_items) == len(truth["line_items"])
    assert invoice.line_items[0].description and invoice.line_items[0].amount
    assert [(t.rate, t.base, t.amount) for t in invoice.tax_details] == [
        (f"{t['rate']:g}", f"{t['base']:.2f}", f"{t['amount']:.2f}") for t in truth["tax_details"]
    ]
    assert invoice.route.name == archive.names["D"] + "/route"
    approval = invoice.approval
    assert (approval.approved_by, approval.automatic, approval.checks_overridden) == ("alice@acme", False, True)
    assert "net_plus_tax_equals_gross" in approval.overridden_checks
    assert approval.approve_time.ToDatetime(tzinfo=dt.UTC) > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    assert "ROUTE_UNCOVERED" in approval.review_reasons

    automatic = archive.export("A", "x-a", format=ingest_pb.EXPORT_FORMAT_JSON)
    assert automatic.invoice.approval.approved_by == "system"
    assert automatic.invoice.approval.automatic and not automatic.invoice.approval.checks_overridden
    assert not automatic.invoice.approval.overridden_checks
    assert automatic.invoice.route.department
    assert automatic.content_type == "application/json"
    body = json.loads(automatic.content)
    assert body["header"]["invoice_number"] == archive.truth["A"]["invoice_number"]
    assert body["approval"]["approved_by"] == "system"
    assert body["document"] == archive.names["A"]

    retried = archive.export("A", "x-a")  # a retry hands the same invoice over again
    assert retried.invoice.header == automatic.invoice.header
    error = _error(lambda: archive.export("E", "x-e"))  # still in review
    assert (error.code(), reason_of(error)) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_APPROVED")


def test_list_approved_invoices_pages_through_a_date_range_without_exporting(archive):
    request = ingest_pb.ListApprovedInvoicesRequest(page_size=2, date_from="2023-01-01", date_to="2025-12-31")
    first = archive.ingest.ListApprovedInvoices(request, metadata=metadata(archive.token))
    request.page_token = first.next_page_token
    second = archive.ingest.ListApprovedInvoices(request, metadata=metadata(archive.token))
    assert not second.next_page_token
    by_name = {name: key for key, name in archive.names.items()}
    assert [by_name[i.document] for i in [*first.invoices, *second.invoices]] == ["B", "C", "D", "A"]  # by invoice date
    assert archive.listed(state=ingest_pb.DOCUMENT_STATE_EXPORTED) == []


def test_docai_export_writes_exactly_the_approved_invoices_of_the_range(
    archive, database_url, tmp_path, monkeypatch, capsys
):
    archive.export("C", "x-c")  # exported ones are approved invoices too
    monkeypatch.setenv("DOCAI_DATABASE_URL", database_url)
    monkeypatch.setenv("DOCAI_HOME", str(tmp_path / "cli-home"))
    out, lines = tmp_path / "out" / "jan.csv", tmp_path / "out" / "lines.csv"
    assert (
        docai(
            [
                "export",
                "--from",
                "2023-06-01",
                "--to",
                "2025-12-31",
                "--tenant",
                "acme",
                "--out",
                str(out),
                "--lines",
                str(lines),
            ]
        )
        == 0
    )
    assert "3 approved invoices of acme" in capsys.readouterr().err
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {name: key for key, name in archive.names.items()}
    # B is approved but dated before the range, E is in the range but waits in review.
    assert [by_name[r["document"]] for r in rows] == ["C", "D", "A"]
    c, d, a = rows
    assert (c["state"], d["state"], a["state"]) == ("exported", "approved", "approved")
    assert (a["invoice_number"], a["invoice_date"], a["total_gross"]) == (
        archive.truth["A"]["invoice_number"],
        "2025-03-25",
        "10233.00",
    )
    assert (a["approved_by"], a["automatic"], a["checks_overridden"]) == ("system", "true", "false")
    assert (d["approved_by"], d["automatic"], d["checks_overridden"]) == ("alice@acme", "false", "true")
    assert "net_plus_tax_equals_gross" in d["overridden_checks"].split(";")
    assert a["department"] and a["route_approver"] and a["approve_time"].startswith(str(dt.datetime.now(dt.UTC).year))
    assert int(a["line_count"]) == len(archive.truth["A"]["line_items"])
    with lines.open(newline="", encoding="utf-8") as handle:
        items = list(csv.DictReader(handle))
    assert len(items) == sum(int(r["line_count"]) for r in rows)
    assert {i["document"] for i in items} == {r["document"] for r in rows}

    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert docai(["export", "--from", today, "--to", today, "--by", "upload", "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        assert sorted(by_name[r["document"]] for r in csv.DictReader(handle)) == ["A", "B", "C", "D"]

    assert docai(["export", "--from", "2025-02-01", "--to", "2025-01-01", "--out", str(out)]) == 2
    assert "INVALID_DATE_RANGE" in capsys.readouterr().err
    assert docai(["export", "--from", "2025-01-01", "--to", "2025-01-31", "--tenant", "nobody", "--out", str(out)]) == 2
    assert "TENANT_NOT_FOUND" in capsys.readouterr().err


def test_reopen_moves_an_approved_invoice_back_to_review_with_an_audit_entry(archive):
    reviewer = as_person(archive.running, "rob@acme", "reviewer")
    for who, reason in [(reviewer, "ROLE_REQUIRED"), (metadata(archive.token), "ROLE_REQUIRED")]:
        error = _error(
            lambda who=who: archive.review.ReopenDocument(
                pb.ReopenDocumentRequest(name=archive.names["A"], reason="wrong cost centre", request_id="r-0"),
                metadata=who,
            )
        )
        assert (error.code(), reason_of(error)) == (grpc.StatusCode.PERMISSION_DENIED, reason)

    reopened = archive.review.ReopenDocument(
        pb.ReopenDocumentRequest(name=archive.names["A"], reason="wrong cost centre", request_id="r-a"),
        metadata=archive.alice,
    ).review_task
    assert reopened.state == pb.REVIEW_TASK_STATE_OPEN
    assert reopened.document == archive.names["A"]
    assert reopened.reasons[0].code == "REOPENED" and "wrong cost centre" in reopened.reasons[0].detail
    again = archive.review.ReopenDocument(  # a retry answers the same task
        pb.ReopenDocumentRequest(name=archive.names["A"], reason="wrong cost centre", request_id="r-a"),
        metadata=archive.alice,
    ).review_task
    assert again.name == reopened.name
    document = archive.ingest.GetDocument(
        ingest_pb.GetDocumentRequest(name=archive.names["A"]), metadata=metadata(archive.token)
    )
    assert document.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    assert document.document.review_reasons[0] == "REOPENED"
    audit = archive.review.ListAuditEntries(
        pb.ListAuditEntriesRequest(parent=archive.names["A"]), metadata=archive.alice
    ).audit_entries
    assert [(e.actor, e.action, e.old_value, e.new_value) for e in audit][-1] == (
        "alice@acme",
        "reopened",
        "approved",
        "wrong cost centre",
    )
    assert [e.action for e in audit][:2] == ["auto_approved", "reopened"]
    assert archive.approve("A", "ok-a-again").state == pb.REVIEW_TASK_STATE_APPROVED  # approved again, by a person
    assert archive.export("A", "x-a").invoice.approval.approved_by == "alice@acme"

    # A person-approved invoice re-opens its own task (a new version), and approves again.
    task_before = archive.task("D", pb.REVIEW_TASK_STATE_APPROVED)
    reopened_d = archive.review.ReopenDocument(
        pb.ReopenDocumentRequest(name=archive.names["D"], reason="gross is wrong", request_id="r-d"),
        metadata=archive.alice,
    ).review_task
    assert reopened_d.name == task_before.name and reopened_d.etag != task_before.etag
    assert next(r.code for r in reopened_d.reasons) == "REOPENED" and "CHECK_FAILED" in [
        r.code for r in reopened_d.reasons
    ]
    assert archive.approve("D", "ok-d-again").state == pb.REVIEW_TASK_STATE_APPROVED

    for key, code, reason in [
        ("E", grpc.StatusCode.FAILED_PRECONDITION, "NOT_APPROVED"),  # in review
        ("A", grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_EXPORTED"),  # the ERP has it
    ]:
        error = _error(
            lambda key=key: archive.review.ReopenDocument(
                pb.ReopenDocumentRequest(name=archive.names[key], reason="why not", request_id=f"r2-{key}"),
                metadata=archive.alice,
            )
        )
        assert (error.code(), reason_of(error)) == (code, reason)
    error = _error(
        lambda: archive.review.ReopenDocument(
            pb.ReopenDocumentRequest(name=archive.names["B"], reason="  ", request_id="r-b"), metadata=archive.alice
        )
    )
    assert (error.code(), reason_of(error)) == (grpc.StatusCode.INVALID_ARGUMENT, "MISSING_FIELD")
