"""Honest progress over gRPC: queue positions and estimates of documents the pipeline has not done yet."""

from __future__ import annotations

import grpc
import pytest

from docai.services.client import DocaiClient
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2 as review_pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as review_grpc
from docai.services.testing import GatedReader
from docai.training.synthetic import generate_invoice

from .conftest import metadata, wait_for_state

DELAY_S = 0.3


@pytest.fixture
def answers() -> GatedReader:
    """The scripted reader, slowed down, holding documents in the pipeline while its gate is shut."""
    return GatedReader(delay=DELAY_S)


def test_waiting_documents_report_their_place_and_an_estimate_until_done(running, answers):
    acme, globex = running.tenant("acme"), running.tenant("globex")
    with DocaiClient(running.address, globex) as theirs:
        # Nothing measured yet: a waiting document has a place but no made-up estimate.
        answers.gate.clear()
        first = theirs.upload(generate_invoice(1).pdf, filename="g1.pdf", request_id="g1")
        assert answers.waiting.wait(60)
        unmeasured = theirs.get(first.name).document
        assert unmeasured.queue_position == 1
        assert unmeasured.estimated_seconds == 0.0
        answers.gate.set()
        wait_for_state(theirs.ingest, first.name, globex)

        answers.gate.clear()
        answers.waiting.clear()
        ahead = theirs.upload(generate_invoice(2).pdf, filename="g2.pdf", request_id="g2")  # another tenant's, first
        assert answers.waiting.wait(60)  # the worker holds it at the gate
    with DocaiClient(running.address, acme) as client:
        names = [
            client.upload(generate_invoice(seed).pdf, filename=f"a{seed}.pdf", request_id=f"a{seed}").name
            for seed in (3, 4, 5)
        ]
        documents = [client.get(name).document for name in names]
        listed = {
            d.name: d
            for d in client.ingest.ListDocuments(pb.ListDocumentsRequest(), metadata=client.metadata).documents
        }
        status = review_grpc.ReviewServiceStub(grpc.insecure_channel(running.address)).GetPipelineStatus(
            review_pb.GetPipelineStatusRequest(), metadata=metadata(acme)
        )

        # globex's document is ahead of acme's three: it counts, and nothing else of it shows.
        assert [d.queue_position for d in documents] == [2, 3, 4]
        assert [listed[d.name].queue_position for d in documents] == [2, 3, 4]
        assert ahead.name not in listed
        estimates = [d.estimated_seconds for d in documents]
        assert all(e > 0 for e in estimates), estimates
        per_document = estimates[0] / 2  # measured on globex's first document: at least the reader's delay
        assert per_document >= DELAY_S - 0.05
        assert estimates == pytest.approx([per_document * p for p in (2, 3, 4)], abs=0.2)
        assert status.processing_count == 3  # acme's own; globex's document is not counted
        assert status.estimated_seconds == pytest.approx(estimates[-1], abs=0.2)

        answers.gate.set()
        done = [wait_for_state(client.ingest, name, acme).document for name in names]
        after = review_grpc.ReviewServiceStub(grpc.insecure_channel(running.address)).GetPipelineStatus(
            review_pb.GetPipelineStatusRequest(), metadata=metadata(acme)
        )
    assert [(d.queue_position, d.estimated_seconds) for d in done] == [(0, 0.0)] * 3
    assert (after.processing_count, after.estimated_seconds) == (0, 0.0)
