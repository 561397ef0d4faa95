"""Honest progress: queue positions in pipeline order across tenants, estimates from measured times."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest

from docai.schemas.invoice import ExtractedField, Extraction
from docai.services.common.progress_bar import line, progress_bar
from docai.services.common.tenants import create_tenant
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.pipeline import progress
from docai.services.pipeline.progress import PipelineStatus, Progress, ProgressReader
from docai.services.pipeline.worker import Pipeline
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage import tables
from docai.services.storage.blobs import LocalBlobStore
from docai.services.storage.database import open_database
from docai.training.synthetic import generate_invoice


def test_the_estimate_is_the_measured_time_times_the_position_over_the_workers():
    assert progress.estimate(3, per_document=10.0, workers=1) == pytest.approx(30.0)
    assert progress.estimate(3, per_document=10.0, workers=2) == pytest.approx(15.0)
    assert progress.estimate(1, per_document=4.0, workers=0) == pytest.approx(4.0)  # never divides by zero
    assert progress.estimate(0, per_document=10.0, workers=1) == 0.0  # done
    assert progress.estimate(5, per_document=None, workers=1) == 0.0  # nothing measured yet: unknown, not a guess


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> DocumentStore:
    db = open_database(database_url)
    for tenant in ("acme", "globex"):
        create_tenant(db, tenant_id=tenant)
    return DocumentStore(db=db, blobs=LocalBlobStore(tmp_path / "blobs"))


_PARSED: dict[int, object] = {}


def _upload(store: DocumentStore, seed: int, tenant: str = "acme") -> str:
    invoice = generate_invoice(seed)
    parsed = _PARSED.setdefault(seed, parse_pdf(invoice.pdf))
    return store.create(
        tenant_id=tenant, request_id=f"r{seed}", filename="a.pdf", external_id="", data=invoice.pdf, parsed=parsed
    ).id


def _measured(store: DocumentStore, *seconds: float) -> None:
    with store.db.transaction() as session:
        for value in seconds:
            progress.record(session, document_id="x", seconds=value)


def test_positions_follow_pipeline_order_across_tenants_and_only_count_them(store):
    first = _upload(store, 1, "acme")
    theirs = _upload(store, 2, "globex")
    second = _upload(store, 3, "acme")
    reader = ProgressReader(store.db)
    unmeasured = reader.of([second, first, theirs])
    assert [unmeasured[d].queue_position for d in (first, theirs, second)] == [1, 2, 3]
    assert all(p.estimated_seconds == 0.0 for p in unmeasured.values())  # nothing measured yet

    _measured(store, 100.0, 8.0, 12.0, 10.0, 9.0)  # the median (10 s) rides out one slow document
    measured = reader.of([first, second, "unknown"])
    assert measured[first] == Progress(queue_position=1, estimated_seconds=pytest.approx(10.0))
    assert measured[second] == Progress(queue_position=3, estimated_seconds=pytest.approx(30.0))
    assert measured["unknown"] == Progress()
    assert ProgressReader(store.db, workers=2).of([second])[second].estimated_seconds == pytest.approx(15.0)

    # The tenant sees its own count; globex's document ahead lengthens the wait, nothing more.
    assert reader.status(tenant_id="acme") == PipelineStatus(processing=2, estimated_seconds=pytest.approx(30.0))
    assert reader.status(tenant_id="globex") == PipelineStatus(processing=1, estimated_seconds=pytest.approx(20.0))
    assert reader.status(tenant_id="nobody") == PipelineStatus()


def test_more_documents_in_processing_than_configured_workers_count_as_workers(store):
    ids = [_upload(store, seed) for seed in (1, 2, 3, 4)]
    _measured(store, 10.0)
    reader = ProgressReader(store.db, workers=1)
    assert reader.of([ids[3]])[ids[3]].estimated_seconds == pytest.approx(40.0)
    with store.db.transaction() as session:  # two worker processes each hold one
        for item in session.query(tables.WorkItem).order_by(tables.WorkItem.id).limit(2):
            item.locked_until = tables.utcnow() + dt.timedelta(seconds=30)
    assert reader.of([ids[3]])[ids[3]].estimated_seconds == pytest.approx(20.0)  # 10 s x 4th / 2 busy workers


def test_the_median_reads_the_newest_window_and_old_times_are_dropped(store):
    _measured(store, *([1000.0] * 30 + [2.0] * progress.WINDOW))
    with store.db.transaction() as session:
        assert progress.median_seconds(session) == pytest.approx(2.0)
        assert progress.median_seconds(session, window=progress.WINDOW + 1) == pytest.approx(2.0)
    _measured(store, *([3.0] * progress.KEEP))
    with store.db.transaction() as session:
        assert session.query(tables.ProcessingTime).count() == progress.KEEP
        assert progress.median_seconds(session) == pytest.approx(3.0)


def test_the_worker_measures_each_document_and_a_done_document_has_no_position(store):
    document_id = _upload(store, 5)
    waiting = _upload(store, 6)

    def slow(parsed, *, tenant_id, adapter=None):
        time.sleep(0.2)
        return ExtractionOutcome(
            extraction=Extraction(fields={"vendor_name": ExtractedField(value="Nordlicht GmbH", confidence=0.99)}),
            checks=[],
        )

    pipeline = Pipeline(db=store.db, extract=slow, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db))
    assert pipeline.process_next()
    with store.db.transaction() as session:
        times = [(row.document_id, row.seconds) for row in session.query(tables.ProcessingTime)]
    assert len(times) == 1 and times[0][0] == document_id and times[0][1] >= 0.2
    reader = ProgressReader(store.db)
    after = reader.of([document_id, waiting])
    assert after[document_id] == Progress()
    assert after[waiting].queue_position == 1
    assert after[waiting].estimated_seconds == pytest.approx(times[0][1], rel=0.01)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_bars_show_an_eta_on_a_terminal_and_stay_out_of_logs_and_pipes(capsys):
    terminal, pipe = _Terminal(), io.StringIO()
    with progress_bar(total=4, desc="eval reader", file=terminal) as bar:
        for _ in range(4):
            line(bar, "one document")
            bar.update(1)
    shown = terminal.getvalue()
    assert "eval reader" in shown and "4/4" in shown
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", shown), shown  # elapsed<remaining: the ETA
    assert "one document" not in capsys.readouterr().out  # on a terminal the bar says it, not stdout

    with progress_bar(range(3), desc="eval reader", file=pipe) as bar:
        assert list(bar) == [0, 1, 2]
        line(bar, "  1/3 a.pdf 0.1s")
    assert bar.disable and pipe.getvalue() == ""
    assert capsys.readouterr().out == "  1/3 a.pdf 0.1s\n"  # logs keep their plain lines


def test_training_steps_in_a_log_are_a_line_per_stage_and_tenth(capsys):
    from docai.training.cli import StepProgress

    with StepProgress("train") as steps:  # pytest's stderr is no terminal: no bar, plain lines
        for step in range(101):
            steps.show("training", step, 100, loss=1.0, eta_s=100 - step)
        steps.show("evaluating", 0, 0, loss=1.0, eta_s=0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "training step 0/100 loss 1.0000 eta 100s"
    assert len(lines) == 12 and lines[-1].startswith("evaluating step 0/0")
