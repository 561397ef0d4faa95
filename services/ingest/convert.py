"""Ingest domain ⇄ protobuf."""

from __future__ import annotations

from docai.schemas.document import DocumentRecord, DocumentState
from docai.services.pipeline.progress import Progress
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb

_STATES = {state: getattr(pb, f"DOCUMENT_STATE_{state.name}") for state in DocumentState}
_FROM_PB = {value: state for state, value in _STATES.items()}


def state_from_pb(value: int) -> DocumentState | None:
    return _FROM_PB.get(value)


def document_to_pb(doc: DocumentRecord, progress: Progress | None = None) -> pb.Document:
    """The Document message; ``progress`` (docai.services.pipeline.progress) fills its queue position and estimate."""
    progress = progress or Progress()
    message = pb.Document(
        name=doc.name,
        filename=doc.filename,
        state=_STATES[doc.state],
        sha256=doc.sha256,
        size_bytes=doc.size_bytes,
        page_count=doc.page_count,
        external_id=doc.external_id,
        review_reasons=doc.review_reasons,
        decision=doc.decision,
        queue_position=progress.queue_position,
        estimated_seconds=round(progress.estimated_seconds, 1),
    )
    message.create_time.FromDatetime(doc.create_time)
    message.update_time.FromDatetime(doc.update_time)
    if doc.failure_reason:
        message.failure.CopyFrom(pb.Failure(reason=doc.failure_reason, message=doc.failure_message))
    return message
