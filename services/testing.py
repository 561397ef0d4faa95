"""Test helpers shipped with the package: a suite running in a background thread, fake answers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from docai.services.app import Suite, start_suite
from docai.services.common.settings import Settings
from docai.services.common.tenants import create_tenant, ensure_tenant, issue_token
from docai.services.models.backend import GenerationRequest, TextGenerator
from docai.services.models.fake_backend import FakeTextGenerator


class SuiteThread:
    """Runs the embedded suite on its own event loop so plain (blocking) gRPC stubs can call it.

    Example:
        >>> with SuiteThread(settings, backend=fake) as running:
        ...     token = running.tenant("acme")
    """

    def __init__(self, settings: Settings, *, backend: TextGenerator, reader: Any = None) -> None:
        self.settings = settings
        self.backend = backend
        self.reader = reader
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="suite-loop", daemon=True)
        self.suite: Suite | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        self.suite = self.call(start_suite(self.settings, backend=self.backend, port=0, reader=self.reader))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.suite is not None:
            self.call(self.suite.stop(grace=0.5))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=300)

    @property
    def address(self) -> str:
        assert self.suite is not None
        return f"127.0.0.1:{self.suite.port}"

    def tenant(self, tenant_id: str, *, scope: str = "erp") -> str:
        """Creates a tenant and returns a fresh API token for it (an ERP system's, by default)."""
        assert self.suite is not None
        create_tenant(self.suite.db, tenant_id=tenant_id)
        return issue_token(self.suite.db, tenant_id=tenant_id, scope=scope)

    def token(self, tenant_id: str, *, scope: str = "erp", actor: str = "", role: str = "") -> str:
        """A fresh token of an existing tenant (created when missing) with any scope, person and role."""
        assert self.suite is not None
        ensure_tenant(self.suite.db, tenant_id=tenant_id)
        return issue_token(self.suite.db, tenant_id=tenant_id, scope=scope, actor=actor, role=role)

    def person(self, tenant_id: str, actor: str, role: str = "approver") -> str:
        """A person token: ``actor`` of ``tenant_id`` (created when missing) with ``role``."""
        return self.token(tenant_id, scope="person", actor=actor, role=role)


def answer_from_truth(truth: dict[str, Any]) -> str:
    """The JSON a perfect model would write for a document with this ground truth."""

    def text(value: Any) -> str:
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    answer: dict[str, Any] = {
        key: text(value) for key, value in truth.items() if not key.startswith("_") and not isinstance(value, list)
    }
    for key in ("line_items", "tax_details"):
        if truth.get(key):
            answer[key] = [{k: text(v) for k, v in row.items()} for row in truth[key]]
    return json.dumps(answer)


def scripted_backend(answers: Callable[[GenerationRequest], str]) -> FakeTextGenerator:
    return FakeTextGenerator(answers, model_name="fake-model")


MISREAD_CONFIDENCE = 0.3


class ScriptedReader:
    """The real page reader with scripted misreadings, so a test can send an invoice to review on purpose.

    ``add(truth, total_gross=1.0, iban=None)`` makes the invoice whose number is ``truth``'s read
    a gross of 1.00 (with a low confidence, as a doubtful read would have) and no IBAN; every
    other field is what the reader reads. ``line_items=[...]`` and ``tax_details=[...]`` (rows as
    in a synthetic invoice's truth) replace the lines and the VAT breakdown. ``calls`` counts reads.
    """

    def __init__(self) -> None:
        from docai.services.extraction.reader import InvoiceReader

        self.reader = InvoiceReader()
        self.changes: dict[str, dict[str, Any]] = {}
        self.calls = 0

    def add(self, truth: dict[str, Any], **changes: Any) -> None:
        self.changes[str(truth["invoice_number"])] = changes

    @property
    def model_name(self) -> str:
        return self.reader.model_name

    def extract(self, document: Any, **options: Any) -> Any:
        return self.read(document, **options).outcome

    def read(self, document: Any, **options: Any) -> Any:
        """The real reader's reading, with this invoice's scripted misreads applied to its outcome."""
        from docai.schemas.invoice import ExtractedField, LineItem, Provenance, TaxDetail
        from docai.services.extraction.checks import run_checks
        from docai.services.extraction.normalize import normalize_field

        self.calls += 1
        reading = self.reader.read(document, **options)
        outcome = reading.outcome
        extraction = outcome.extraction
        for number, changes in self.changes.items():
            if number not in document.text:
                continue
            for name, value in changes.items():
                if name == "line_items":
                    extraction.line_items = [
                        LineItem(
                            fields={
                                k: ExtractedField(
                                    value=normalize_field(k, str(v), decimal=".") or str(v), confidence=0.9
                                )
                                for k, v in row.items()
                                if not k.startswith("_")
                            }
                        )
                        for row in value
                    ]
                elif name == "tax_details":  # the page reader states no VAT breakdown; a test may
                    extraction.tax_details = [
                        TaxDetail(
                            fields={
                                k: ExtractedField(
                                    value=normalize_field(k, str(v), decimal=".") or str(v), confidence=0.9
                                )
                                for k, v in row.items()
                            }
                        )
                        for row in value
                    ]
                elif value is None:
                    extraction.fields.pop(name, None)
                else:
                    kept = extraction.fields.get(name)
                    misread = normalize_field(name, str(value), decimal=".") or str(value)
                    extraction.fields[name] = ExtractedField(
                        value=misread,
                        confidence=MISREAD_CONFIDENCE,
                        provenance=kept.provenance if kept else Provenance(),
                    )
            outcome.checks = run_checks(extraction)
        return reading


class GatedReader(ScriptedReader):
    """A :class:`ScriptedReader` that takes ``delay`` seconds per document and waits at a gate while
    ``gate`` is cleared, so a test can hold documents in the pipeline (``waiting`` is set once one
    is held there).

    Example:
        >>> reader = GatedReader(delay=0.3)
        >>> reader.gate.clear()  # uploads from now on stay in processing until reader.gate.set()
    """

    def __init__(self, *, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()

    def read(self, document: Any, **options: Any) -> Any:
        if not self.gate.is_set():
            self.waiting.set()
            if not self.gate.wait(300):
                raise TimeoutError("the test never opened the gate")
        if self.delay:
            time.sleep(self.delay)
        return super().read(document, **options)
