"""Logs, metrics and traces without a server: line formats, the database gauges, the pipeline's steps
and the decode loop's token counter (docai.services.common.observability)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from docai.schemas.invoice import ExtractedField, Extraction
from docai.services.common import observability
from docai.services.common.observability import (
    bound,
    configure_logging,
    metrics_registry,
    remove_logging,
    request_id_from,
)
from docai.services.common.tenants import create_tenant
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.models.backend import GenerationRequest
from docai.services.models.decoding import DecodeStats, Step
from docai.services.models.hf_backend import LoopBackend
from docai.services.pipeline.worker import Pipeline
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage import tables
from docai.services.storage.blobs import LocalBlobStore
from docai.services.storage.database import open_database
from docai.training.synthetic import generate_invoice


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Everything logged, as JSON lines (the handler is taken back afterwards)."""
    stream = io.StringIO()
    handler = configure_logging(log_format="json", stream=stream)
    try:
        yield stream
    finally:
        remove_logging(handler)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def sample(registry: Any, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def test_json_lines_carry_the_fields_of_the_request_being_handled(lines):
    with bound(request_id="req-1", tenant="acme", document="d1"):
        logging.getLogger("docai.test").warning("something %s", "odd")
    logging.getLogger("docai.test").info("outside")
    inside, outside = records(lines)
    assert inside["message"] == "something odd" and inside["level"] == "WARNING" and inside["logger"] == "docai.test"
    assert (inside["request_id"], inside["tenant"], inside["document"]) == ("req-1", "acme", "d1")
    assert "request_id" not in outside


def test_text_lines_end_with_the_fields_as_key_value_pairs():
    stream = io.StringIO()
    handler = configure_logging(log_format="text", stream=stream)
    try:
        with bound(request_id="req-2", tenant="acme"):
            logging.getLogger("docai.test").info("hello", extra={"code": "OK", "duration_ms": 1.5})
    finally:
        remove_logging(handler)
    line = stream.getvalue().strip()
    assert line.endswith("docai.test: hello code=OK duration_ms=1.5 request_id=req-2 tenant=acme"), line
    with pytest.raises(ValueError):
        configure_logging(log_format="xml")


def test_a_client_request_id_is_kept_only_when_it_is_sane():
    assert request_id_from("abc-123_x.y") == "abc-123_x.y"
    assert request_id_from(b"from-bytes") == "from-bytes"
    for bad in (None, "", "has space", "x" * 200, "new\nline"):
        fresh = request_id_from(bad)
        assert fresh != bad and len(fresh) == 32


def test_model_libraries_are_silenced(monkeypatch):
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    observability.silence_model_libraries()
    import os

    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
    assert logging.getLogger("transformers").level == logging.ERROR


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> DocumentStore:
    db = open_database(database_url)
    create_tenant(db, tenant_id="acme")
    return DocumentStore(db=db, blobs=LocalBlobStore(tmp_path / "blobs"))


def _upload(store: DocumentStore, seed: int) -> str:
    invoice = generate_invoice(seed)
    return store.create(
        tenant_id="acme",
        request_id=f"r{seed}",
        filename="a.pdf",
        external_id="",
        data=invoice.pdf,
        parsed=parse_pdf(invoice.pdf),
    ).id


def test_the_database_gauges_are_read_at_scrape_time(store):
    registry = metrics_registry(store.db)
    assert sample(registry, "docai_queue_depth") == 0
    assert sample(registry, "docai_queue_oldest_age_seconds") == 0
    _upload(store, 1)
    _upload(store, 2)
    assert sample(registry, "docai_queue_depth") == 2  # no restart, no refresh: read when scraped
    assert sample(registry, "docai_queue_oldest_age_seconds") > 0
    assert sample(registry, "docai_documents", state="parsed") == 2
    assert sample(registry, "docai_review_backlog", state="open") == 0
    assert sample(registry, "docai_training_jobs", state="RUNNING") == 0
    assert sample(registry, "docai_metrics_database_up") == 1
    with store.db.transaction() as session:
        session.add(tables.TuningJob(id="j1", tenant_id="acme", task="extraction", state="RUNNING"))
    assert sample(registry, "docai_training_jobs", state="RUNNING") == 1
    store.db.dispose()
    broken = metrics_registry(type("Gone", (), {"transaction": lambda self: (_ for _ in ()).throw(RuntimeError())})())
    assert sample(broken, "docai_metrics_database_up") == 0  # a scrape still answers


def _fixed(parsed: Any, *, tenant_id: str, adapter: str | None = None) -> ExtractionOutcome:
    return ExtractionOutcome(
        extraction=Extraction(fields={"total_gross": ExtractedField(value="1.00", confidence=0.2)}), checks=[]
    )


def test_pipeline_steps_log_a_line_each_with_the_uploads_request_id(store, lines):
    with bound(request_id="upload-req-9"):  # as inside the UploadDocument call
        document_id = _upload(store, 3)
    registry = metrics_registry(store.db)
    before = {
        stage: sample(registry, "docai_stage_duration_seconds_count", stage=stage) or 0
        for stage in ("extract", "route")
    }
    review_before = sample(registry, "docai_decisions_total", outcome="review") or 0
    pipeline = Pipeline(db=store.db, extract=_fixed, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db))
    assert pipeline.process_next()
    steps = {r["step"]: r for r in records(lines) if r.get("event") == "step"}
    assert set(steps) == {"extract", "route"}
    for line in steps.values():
        assert (line["request_id"], line["tenant"], line["document"], line["code"]) == (
            "upload-req-9",
            "acme",
            document_id,
            "OK",
        )
        assert line["duration_ms"] >= 0
    assert steps["route"]["decision"] == "review"
    for stage in ("extract", "route"):
        assert sample(registry, "docai_stage_duration_seconds_count", stage=stage) == before[stage] + 1
    assert sample(registry, "docai_decisions_total", outcome="review") == review_before + 1
    assert sample(registry, "docai_review_backlog", state="open") == 1


class _Tokens:
    """A tokenizer whose token i is the letter chr(97 + i)."""

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return "".join(chr(97 + i) for i in ids)


class _Loop(LoopBackend):
    model_name = "loop-test"

    def __init__(self) -> None:
        self._tokenizer = _Tokens()
        self._adapters = {}

    def _run(self, request: GenerationRequest, stats: DecodeStats) -> Iterator[Step]:
        for token in range(5):
            stats.generated_tokens += 1
            stats.decode_s += 0.1
            yield Step(token_ids=[token], logprobs=[0.0], forced=False)


def test_the_decode_loop_counts_tokens_and_seconds_once_per_request(store):
    registry = metrics_registry(store.db)

    def counts() -> tuple[float, float, float]:
        return tuple(  # type: ignore[return-value]
            sample(registry, name, model="loop-test") or 0.0
            for name in (
                "docai_generation_requests_total",
                "docai_generated_tokens_total",
                "docai_generation_seconds_total",
            )
        )

    start = counts()
    request = GenerationRequest(messages=[{"role": "user", "content": "x"}], max_new_tokens=5)
    assert _Loop().generate(request).text == "abcde"
    assert "".join(_Loop().stream(request)) == "abcde"
    requests, tokens, seconds = (after - before for after, before in zip(counts(), start, strict=True))
    assert (requests, tokens) == (2, 10)
    assert seconds == pytest.approx(1.0)
