"""A real suite on a loopback port with a scripted model, and helpers to read gRPC errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from docai.services.common.settings import Settings
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.testing import ScriptedReader, SuiteThread, scripted_backend

TERMINAL = {
    ingest_pb.DOCUMENT_STATE_APPROVED,
    ingest_pb.DOCUMENT_STATE_IN_REVIEW,
    ingest_pb.DOCUMENT_STATE_FAILED,
    ingest_pb.DOCUMENT_STATE_REJECTED,
}


@pytest.fixture
def answers() -> ScriptedReader:
    """How the suite reads: the real reader, with the misreadings a test scripts (``answers.add``)."""
    return ScriptedReader()


@pytest.fixture
def running(database_url: str, tmp_path: Path, answers: ScriptedReader) -> Iterator[SuiteThread]:
    settings = Settings(home=tmp_path / "home", database_url=database_url, backend="fake", max_upload_bytes=2_000_000)
    with SuiteThread(settings, backend=scripted_backend(lambda request: "{}"), reader=answers) as suite:
        yield suite


def metadata(token: str, actor: str = "", role: str = "") -> tuple[tuple[str, str], ...]:
    """Call metadata with ``token``; ``actor``/``role`` go in x-docai-actor/x-docai-role, which only a
    service token (the review page) may send: a person is otherwise who their own token says."""
    pairs: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {token}"),)
    return pairs + ((("x-docai-actor", actor),) if actor else ()) + ((("x-docai-role", role),) if role else ())


def as_person(
    running: SuiteThread, actor: str, role: str = "approver", tenant: str = "acme"
) -> tuple[tuple[str, str], ...]:
    """Call metadata of a fresh person token: ``actor`` of ``tenant`` with ``role``."""
    return metadata(running.person(tenant, actor, role))


def reason_of(error: grpc.RpcError) -> str:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "the error carries no google.rpc.Status"
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    raise AssertionError("no ErrorInfo in the status details")


def wait_for_state(stub: Any, name: str, token: str, *, states: set[int] = TERMINAL, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = stub.GetDocument(ingest_pb.GetDocumentRequest(name=name), metadata=metadata(token))
        if response.document.state in states:
            return response
        time.sleep(0.1)
    raise AssertionError(f"{name} did not reach {states} in {timeout}s")
