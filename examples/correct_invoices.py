"""Play the accountant: upload invoices of one new vendor, correct what the model got wrong, approve.

Run against `make run`. The ERP's token uploads (``var/demo_token``); people review with their
own tokens, since who acts comes from the credential (the README's "Who may do what"):

    .venv/bin/docai tokens create demo --scope person --actor accountant@demo --role admin --out var/accountant_token
    .venv/bin/docai tokens create demo --scope person --actor controller@demo --role approver --out var/controller_token
    .venv/bin/python examples/correct_invoices.py --count 3 --second-token-file var/controller_token
    .venv/bin/docai train --token "$(cat var/accountant_token)" --steps 2 --synthetic 12 --dev-documents 1 --promote
    .venv/bin/python examples/correct_invoices.py --count 1 --first-seed 105   # read by the new champion?

The invoices come from the project's synthetic generator (one vendor, so one layout), which
also knows the right answers: the corrections are what a careful accountant would type. A
corrected IBAN trains nothing until a second person confirms it (``--second-token-file``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import grpc

from docai.schemas.invoice import HEADER_FIELDS
from docai.services.client import DocaiClient
from docai.services.pb.extraction.v1 import extraction_service_pb2 as ext_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as rpc
from docai.training.synthetic import SyntheticInvoice, generate_invoice, make_vendor

SETTLED = {ingest_pb.DOCUMENT_STATE_IN_REVIEW, ingest_pb.DOCUMENT_STATE_APPROVED, ingest_pb.DOCUMENT_STATE_FAILED}


def wait_settled(client: DocaiClient, name: str, timeout_s: float) -> ingest_pb.GetDocumentResponse:
    """The document once extraction is over (in review, approved or failed)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(name)
        if response.document.state in SETTLED or time.monotonic() > deadline:
            return response
        time.sleep(1.0)


def corrections(extraction: ext_pb.Extraction, truth: dict[str, Any]) -> list[pb.FieldCorrection]:
    """Every header field whose value differs from the truth; a value the invoice does not print is cleared."""
    read = {f.name: f.value for f in extraction.fields}
    fixes = []
    for name in HEADER_FIELDS:
        right = truth.get(name)
        expected = "" if right is None else (f"{right:.2f}" if isinstance(right, float) else str(right))
        if read.get(name, "") != expected:
            fixes.append(pb.FieldCorrection(name=name, value=expected))
    return fixes


def line_items(truth: dict[str, Any]) -> list[ext_pb.LineItem]:
    return [
        ext_pb.LineItem(fields=[ext_pb.Field(name=k, value=str(v)) for k, v in row.items()])
        for row in truth.get("line_items", [])
    ]


def _cells(rows: Any) -> list[dict[str, Any]]:
    """Rows of cells with numbers as numbers, so "12.50" and "12.5" compare equal."""

    def value(text: str) -> Any:
        try:
            return round(float(text), 4)
        except ValueError:
            return text

    return [{f.name: value(f.value) for f in row.fields} for row in rows]


def review_one(
    review: rpc.ReviewServiceStub, auth: Any, document: str, invoice: SyntheticInvoice, extraction: ext_pb.Extraction
) -> tuple[pb.ReviewTask, int]:
    """Claim the document's review task, correct it and approve it.

    Returns the approved task and the number of fixes (the rows count as one).
    """
    tasks = review.ListReviewTasks(pb.ListReviewTasksRequest(page_size=500), metadata=auth).review_tasks
    task = next(t for t in tasks if t.document == document)
    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=auth).review_task
    fixes = corrections(extraction, invoice.truth)
    rows = line_items(invoice.truth)
    rows_wrong = _cells(extraction.line_items) != _cells(rows)
    corrected = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=task.name,
            etag=claimed.etag,
            fields=fixes,
            replace_line_items=rows_wrong,
            line_items=rows if rows_wrong else [],
            request_id=f"fix-{task.name}",
        ),
        metadata=auth,
    )
    approved = review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=task.name, etag=corrected.review_task.etag, request_id=f"ok-{task.name}"),
        metadata=auth,
    ).review_task
    return approved, len(fixes) + rows_wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument(
        "--token-file",
        type=Path,
        default=Path("var/demo_token"),
        help="the ERP system's token, which uploads the invoices",
    )
    parser.add_argument(
        "--person-token-file",
        type=Path,
        default=Path("var/accountant_token"),
        help="the token of the person who corrects and approves (an approver or admin)",
    )
    parser.add_argument("--count", type=int, default=5, help="invoices to upload and correct")
    parser.add_argument("--vendor-seed", type=int, default=4242, help="which synthetic vendor sends them")
    parser.add_argument("--first-seed", type=int, default=100, help="seed of the first invoice")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for each extraction")
    parser.add_argument(
        "--second-token-file",
        type=Path,
        default=None,
        help="the token of a second approver, who confirms corrected bank details",
    )
    args = parser.parse_args()
    token = args.token_file.read_text().strip()
    auth = (("authorization", f"Bearer {args.person_token_file.read_text().strip()}"),)
    second = (
        (("authorization", f"Bearer {args.second_token_file.read_text().strip()}"),) if args.second_token_file else None
    )
    vendor = make_vendor(args.vendor_seed)
    print(f"vendor {vendor.name!r}, layout {vendor.layout}, language {vendor.language}")
    fixed_total = checked = 0
    with DocaiClient(args.address, token) as client:
        review = rpc.ReviewServiceStub(client.channel)
        for seed in range(args.first_seed, args.first_seed + args.count):
            invoice = generate_invoice(seed, vendor=vendor)
            document = client.upload(
                invoice.pdf,
                filename=f"{invoice.truth['invoice_number']}.pdf",
                request_id=f"example-{args.vendor_seed}-{seed}",
            )
            settled = wait_settled(client, document.name, args.timeout)
            state = ingest_pb.DocumentState.Name(settled.document.state)
            adapter = settled.extraction.adapter or "none (base model)"
            if settled.document.state != ingest_pb.DOCUMENT_STATE_IN_REVIEW:
                print(f"{document.name}: {state} with adapter {adapter}, nothing to correct")
                continue
            task, fixed = review_one(review, auth, document.name, invoice, settled.extraction)
            fixed_total, checked = fixed_total + fixed, checked + 1
            print(f"{document.name}: adapter {adapter}; {fixed} corrections (header fields, line items), approved")
            if task.bank_details_unconfirmed and second is not None:
                confirmed = review.ConfirmBankDetails(
                    pb.ConfirmBankDetailsRequest(name=task.name, request_id=f"iban-{task.name}"), metadata=second
                ).review_task
                print(f"{document.name}: corrected bank details confirmed by {confirmed.bank_details_confirmed_by}")
            elif task.bank_details_unconfirmed:
                print(f"{document.name}: corrected bank details wait for a second person (ConfirmBankDetails)")
    print(f"{checked} invoices corrected and approved ({fixed_total} field corrections)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except grpc.RpcError as error:
        sys.exit(f"{error.code().name}: {error.details()}")
