"""AIP-155 request ids: the first result of a request id is returned to every retry."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docai.services.common.errors import AlreadyExistsError, InvalidArgumentError
from docai.services.storage import tables


def recall(session: Session, *, tenant_id: str, method: str, request_id: str, fingerprint: str) -> str | None:
    """Returns the resource a previous call with this request id produced, if any.

    Raises:
        AlreadyExistsError: the id was used before with a different request (REQUEST_ID_REUSED).
    """
    if not request_id:
        raise InvalidArgumentError("request_id is required", reason="MISSING_REQUEST_ID", field="request_id")
    row = session.scalar(
        select(tables.IdempotentRequest).where(
            tables.IdempotentRequest.tenant_id == tenant_id,
            tables.IdempotentRequest.method == method,
            tables.IdempotentRequest.request_id == request_id,
        )
    )
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise AlreadyExistsError("request_id was already used with a different request", reason="REQUEST_ID_REUSED")
    return row.resource


def remember(
    session: Session, *, tenant_id: str, method: str, request_id: str, fingerprint: str, resource: str
) -> None:
    session.add(
        tables.IdempotentRequest(
            tenant_id=tenant_id, method=method, request_id=request_id, fingerprint=fingerprint, resource=resource
        )
    )
