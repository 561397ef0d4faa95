"""What the sandbox child runs: the parse of a PDF, or of an e-invoice XML, as result JSON.

:func:`extract` puts the pieces together (pages from ``pdf_page``, the embedded e-invoice from
``pdf_attachments``, revisions from ``pdf_revisions``) under the decode budget of
``pdf_decoders``, and is the boundary where every failure becomes the name of a domain error;
:func:`extract_xml` does the same for an XML uploaded on its own. Both return only JSON-ready
dicts, which the monitor in ``pdf_worker`` carries back to ``pdf_parse``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.psexceptions import PSException

from docai.services.common.errors import DocAIError
from docai.services.ingest.pdf_attachments import einvoice_text, embedded_einvoice
from docai.services.ingest.pdf_decoders import BUDGET, Refused, install_pdfminer_guards
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.ingest.pdf_page import (
    OpenFailed,
    build_text,
    open_document,
    page_list,
    read_page,
)
from docai.services.ingest.pdf_revisions import FIRST_REVISION_SHARE, first_revision_ibans, revision_ends


def extract(data: bytes, *, limits: ParseLimits) -> dict[str, Any]:
    """Parses a PDF in this process and maps every failure to a domain error name.

    Call it only inside the sandbox child (it installs process-wide patches); ``parse_pdf``
    is the public entry point.

    Args:
        data: The PDF bytes, starting at the ``%PDF-`` header.
        limits: Page, glyph and decode caps (memory, CPU and time are enforced by the caller).

    Returns:
        ``{"pages": [...], "hidden_chars_dropped": n, "hidden_chars_by_kind": {kind: n},
        "revisions": n}`` where each page is ``{"number", "width", "height", "text",
        "words": [[text, x0, top, x1, bottom], ...], "hidden": {kind: n}}`` (kinds as
        :func:`hidden_kind` names them; revisions as :func:`revision_ends` counts them), plus
        ``"first_revision_ibans": [...]`` (or None when it could not be read) when there is
        more than one revision, and ``"einvoice": {"filename", "xml"}`` (or ``{"filename",
        "xml": "", "error": REASON}``) when the PDF carries an XML attachment,
        or ``{"error": "<DocAIError subclass name>", "metadata": {...}, "detail": "<type>"}``.

    Raises:
        MemoryError: Left to the caller, which reports it by exit status.
    """
    started = time.monotonic()
    install_pdfminer_guards()
    BUDGET.reset(limits.max_decompressed_bytes)
    try:
        result = _extract(data, limits, started=started)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary: every type becomes a domain error
        return _error_for(exc, data)
    if BUDGET.exceeded:
        return _error("DecompressionBombError", max_decompressed_bytes=limits.max_decompressed_bytes)
    return result


def _error(kind: str, *, detail: str = "", reason: str = "", **metadata: object) -> dict[str, Any]:
    error: dict[str, Any] = {
        "error": kind,
        "detail": detail,
        "metadata": {k: str(v) for k, v in metadata.items()},
    }
    if reason:
        error["reason"] = reason  # an error class with several reasons (MalformedXmlError)
    return error


def _error_for(exc: BaseException, data: bytes) -> dict[str, Any]:
    chain = list(_causes(exc))
    for cause in chain:
        if isinstance(cause, MemoryError):
            raise cause
    if BUDGET.exceeded:
        return _error("DecompressionBombError", max_decompressed_bytes=BUDGET.limit)
    for cause in chain:
        if isinstance(cause, Refused):
            return _error(cause.kind, **cause.metadata)
    detail = type(chain[-1]).__name__
    if any(isinstance(cause, PDFEncryptionError) for cause in chain):
        return _error("EncryptedDocumentError", detail=detail)
    if isinstance(exc, OpenFailed) and not isinstance(chain[-1], PSException) and b"/Encrypt" in data:
        # A broken /Encrypt dictionary fails with TypeError, KeyError and the like while the
        # security handler is set up; the caller needs to hear "encrypted", not "malformed".
        return _error("EncryptedDocumentError", detail=detail)
    return _error("MalformedDocumentError", detail=detail)


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = wrapped or current.__cause__ or current.__context__


def _extract(data: bytes, limits: ParseLimits, *, started: float | None = None) -> dict[str, Any]:
    started = time.monotonic() if started is None else started
    document = open_document(data)
    page_objs = page_list(document, limits)
    rsrcmgr = PDFResourceManager()
    pages: list[dict[str, Any]] = []
    hidden_by_kind: Counter[str] = Counter()
    for number, page_obj in enumerate(page_objs, start=1):
        words, box, hidden = read_page(rsrcmgr, page_obj, number, limits)
        hidden_by_kind.update(hidden)
        pages.append(
            {
                "number": number,
                "width": round(box[2] - box[0], 2),
                "height": round(box[3] - box[1], 2),
                "words": words,
                "text": build_text(words),
                "hidden": dict(hidden),
            }
        )
    result: dict[str, Any] = {
        "pages": pages,
        "hidden_chars_dropped": sum(hidden_by_kind.values()),
        "hidden_chars_by_kind": dict(hidden_by_kind),
    }
    einvoice = embedded_einvoice(document)
    if einvoice is not None:
        result["einvoice"] = einvoice
    ends = revision_ends(data)
    result["revisions"] = len(ends)
    if len(ends) > 1:
        deadline = started + FIRST_REVISION_SHARE * min(limits.wall_seconds, limits.cpu_seconds)
        result["first_revision_ibans"] = first_revision_ibans(data[: ends[0]], limits, deadline=deadline)
    return result


def extract_xml(data: bytes) -> dict[str, Any]:
    """Parses an e-invoice XML uploaded on its own; call it only inside the sandbox child.

    Returns:
        ``{"xml": text}`` (re-serialised by ``safe_xml``), or ``{"error": "<DocAIError subclass
        name>", "reason": REASON, "metadata": {...}}``.
    """
    try:
        return {"xml": einvoice_text(data)}
    except DocAIError as exc:
        return _error(type(exc).__name__, reason=exc.reason, **exc.metadata)
