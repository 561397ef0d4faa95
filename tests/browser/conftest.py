"""The real suite with a scripted model, the review page on a free port, and Debian's Chromium.

One suite per module: tenant ``demo`` has four invoices waiting for review (wrong totals, a
wrong line item, a vendor name that is a script tag), tenant ``other`` has one. The demo
account (``accountant@demo``) is created by ``start_web``; ``reviewer@other`` here.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest

from docai.services.client import DocaiClient
from docai.services.common.settings import Settings
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.testing import ScriptedReader, SuiteThread, scripted_backend
from docai.services.web.serve import WebServer, start_web
from docai.services.web.users import create_user
from docai.training.synthetic import generate_invoice

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS_VENDOR = "<script>alert(1)</script>"
OTHER_USER, OTHER_PASSWORD = "reviewer@other", "other-secret-1"
REVIEWER, REVIEWER_PASSWORD = "junior@demo", "junior-secret-1"
EINVOICE_USER, EINVOICE_PASSWORD = "clerk@einv", "einvoice-secret-1"


@dataclass
class Stage:
    """What the tests work with."""

    running: SuiteThread
    web: WebServer
    url: str
    service_token: str
    truths: dict[str, dict[str, Any]]  # by role: "totals", "line", "xss", "plain", "other"
    documents: dict[str, str] = field(default_factory=dict)  # role -> documents/{id}

    def task_id(self, role: str) -> str:
        """The review task of one of the uploaded invoices (the test may read the database)."""
        from sqlalchemy import select

        from docai.services.storage import tables

        document_id = self.documents[role].split("/", 1)[1]
        assert self.running.suite is not None
        with self.running.suite.db.transaction() as session:
            task = session.scalar(select(tables.ReviewTask).where(tables.ReviewTask.document_id == document_id))
            assert task is not None, f"no review task for {role}"
            return str(task.id)

    def review_stub(self) -> Any:
        from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc

        return pb_grpc.ReviewServiceStub(grpc.insecure_channel(self.running.address))

    def as_user(self, actor: str, tenant: str = "demo", role: str = "approver") -> tuple[tuple[str, str], ...]:
        """Call metadata of the review page acting for `actor` (with `role`) of `tenant`."""
        return (
            ("authorization", f"Bearer {self.service_token}"),
            ("x-docai-tenant", tenant),
            ("x-docai-actor", actor),
            ("x-docai-role", role),
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_in_review(address: str, token: str, names: list[str], timeout: float = 120) -> None:
    stub = ingest_grpc.IngestServiceStub(grpc.insecure_channel(address))
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in list(pending):
            doc = stub.GetDocument(
                ingest_pb.GetDocumentRequest(name=name), metadata=(("authorization", f"Bearer {token}"),)
            )
            if doc.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW:
                pending.discard(name)
            elif doc.document.state in (ingest_pb.DOCUMENT_STATE_FAILED, ingest_pb.DOCUMENT_STATE_APPROVED):
                raise AssertionError(
                    f"{name} ended in {ingest_pb.DocumentState.Name(doc.document.state)}, not in review"
                )
        time.sleep(0.1)
    assert not pending, f"not in review after {timeout}s: {pending}"


def _tampered_einvoice() -> bytes:
    """A synthetic e-invoice whose embedded XML pays another account than its page prints."""
    import facturx

    from docai.schemas.invoice import HEADER_FIELDS, ExtractedField, Extraction
    from docai.services.einvoice.export import to_cii
    from docai.services.einvoice.tamper import tamper_pdf

    invoice = generate_invoice(33, layout=0, language="de", credit_note=False)
    fields = {
        name: ExtractedField(value=f"{value:.2f}" if isinstance(value, float) else str(value), confidence=1.0)
        for name, value in invoice.truth.items()
        if name in HEADER_FIELDS
    }
    pdf = facturx.generate_from_binary(invoice.pdf, to_cii(Extraction(fields=fields)), check_xsd=False)
    tampered = tamper_pdf(pdf, "iban")
    assert tampered is not None
    return tampered


def _upload_pdf(running: SuiteThread, token: str, role: str, pdf: bytes) -> dict[str, str]:
    with DocaiClient(running.address, token) as client:
        name = client.upload(pdf, filename=f"{role}.pdf", request_id=f"browser-{role}").name
    _wait_in_review(running.address, token, [name])
    return {role: name}


def _upload(running: SuiteThread, token: str, items: list[tuple[str, Any]]) -> dict[str, str]:
    names = {}
    with DocaiClient(running.address, token) as client:
        for role, invoice in items:
            names[role] = client.upload(invoice.pdf, filename=f"{role}.pdf", request_id=f"browser-{role}").name
            time.sleep(0.02)  # distinct create times keep the queue order fixed
    _wait_in_review(running.address, token, list(names.values()))
    return names


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("web") / "home"
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home.parent / 'docai.db'}",
        backend="fake",
        web_port=_free_port(),
        max_upload_bytes=2_000_000,
        demo=True,  # the demo account signs in
    )
    answers = ScriptedReader()  # the real reader, with the misreadings below
    totals = generate_invoice(21, n_items=3, language="en", credit_note=False)
    line = generate_invoice(33, n_items=3, language="en", credit_note=False)
    xss = generate_invoice(45, n_items=2, language="en", credit_note=False, overrides={"vendor_name": XSS_VENDOR})
    plain = generate_invoice(57, n_items=2, language="en", credit_note=False)
    other = generate_invoice(69, n_items=2, language="en", credit_note=False)
    t = totals.truth
    wrong_rows = [dict(row) for row in t["line_items"]]
    wrong_rows[1]["amount"] = float(wrong_rows[1]["amount"]) + 5
    # "totals": a wrong gross and a wrong line amount; the others: one wrong gross each.
    answers.add(t, total_gross=float(t["total_gross"]) + 10, line_items=wrong_rows)
    for invoice in (line, xss, plain, other):
        answers.add(invoice.truth, total_gross=float(invoice.truth["total_gross"]) + 1)
    with SuiteThread(settings, backend=scripted_backend(lambda request: "{}"), reader=answers) as running:
        demo_token = running.tenant("demo")
        other_token = running.tenant("other")
        service_token = running.tenant("review-web", scope="service")
        documents = _upload(running, demo_token, [("totals", totals), ("line", line), ("xss", xss), ("plain", plain)])
        documents |= _upload(running, other_token, [("other", other)])
        documents |= _upload_pdf(running, running.tenant("einv"), "tampered", _tampered_einvoice())
        web = running.call(start_web(settings=settings, grpc_address=running.address, service_token=service_token))
        create_user(home, username=OTHER_USER, password=OTHER_PASSWORD, tenant="other", role="approver")
        create_user(home, username=REVIEWER, password=REVIEWER_PASSWORD, tenant="demo", role="reviewer")
        create_user(home, username=EINVOICE_USER, password=EINVOICE_PASSWORD, tenant="einv", role="approver")
        truths = {"totals": t, "line": line.truth, "xss": xss.truth, "plain": plain.truth, "other": other.truth}
        try:
            yield Stage(
                running=running, web=web, url=web.url, service_token=service_token, truths=truths, documents=documents
            )
        finally:
            running.call(web.stop())


@pytest.fixture(scope="module")
def browser(stage: Stage) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, stage: Stage) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, base_url=stage.url)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()


def sign_in(page: Any, username: str = "accountant@demo", password: str = "review-demo") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
