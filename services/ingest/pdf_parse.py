"""Parse untrusted uploads: PDFs into the visible words of each page, e-invoice XML as is.

``parse_pdf`` runs cheap checks here, then hands the bytes to a sandbox (``pdf_worker``): a
helper process, started once, that forks a child per parse under memory, CPU and wall-clock
limits. Whatever happens in the child comes back as a ``ParsedDocument`` or a domain error;
nothing from the PDF or XML libraries escapes. The child also looks for the e-invoice XML a
PDF may carry (Factur-X, ZUGFeRD, XRechnung) and parses it hardened; ``parse_upload`` sends
an XML uploaded on its own through the same sandbox. Thread-safe: call it through ``asyncio.to_thread``
from a ``grpc.aio`` servicer, as often concurrently as memory allows (each parse may use up
to ``ParseLimits.memory_bytes``, so bound concurrency with a semaphore in the servicer).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from pydantic import ValidationError

from docai.schemas.parsed import EInvoiceXml, Page, ParsedDocument, Word
from docai.services.common.errors import (
    DecompressionBombError,
    DocAIError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    MalformedDocumentError,
    MalformedXmlError,
    NotAnEInvoiceError,
    NotAPdfError,
    ParseTimeoutError,
    TooManyGlyphsError,
    TooManyPagesError,
    UnavailableError,
)
from docai.services.einvoice.safe_xml import MAX_XML_BYTES
from docai.services.ingest.pdf_limits import (
    EXIT_NO_MEMORY,
    ParseLimits,
    looks_like_xml,
    recv_frame,
    request_header,
    send_frame,
    send_json,
)

__all__ = ["ParseLimits", "parse_pdf", "parse_upload", "shutdown_pdf_worker"]

logger = logging.getLogger(__name__)

HEADER_SEARCH_BYTES = 1024
"""Readers accept junk before ``%PDF-`` if the header starts within this many bytes."""

_STARTUP_TIMEOUT = 60.0
_GRACE_SECONDS = 5.0  # the monitor enforces the wall clock; this is the backstop behind it
_RESULT_MAX = 512 * 1024 * 1024

PDF_TYPE = "application/pdf"
XML_TYPES = frozenset({"application/xml", "text/xml"})
ACCEPTED_TYPES = "application/pdf or application/xml"

_MESSAGES: dict[str, str] = {  # by reason; {what} is "PDF" or "XML"
    EncryptedDocumentError.reason: "the PDF is password-protected",
    MalformedDocumentError.reason: "the {what} is damaged and could not be read",
    EmptyDocumentError.reason: "the PDF has no pages",
    TooManyGlyphsError.reason: "a page of the PDF draws too many characters",
    DecompressionBombError.reason: "the {what} expands to more data than allowed",
    ParseTimeoutError.reason: "reading the {what} took too long",
    TooManyPagesError.reason: "the PDF has too many pages",
    DocumentTooLargeError.reason: "the XML is larger than allowed",
    MalformedXmlError.reason: "the XML is not well-formed",
    "XML_DTD_FORBIDDEN": "the XML declares a DTD (entities), which e-invoices never need",
    "XML_TOO_DEEP": "the XML nests too deep",
    NotAnEInvoiceError.reason: "the XML is not an e-invoice (a CII or UBL invoice or credit note)",
}
_XML_REASONS = frozenset({MalformedXmlError.reason, "XML_DTD_FORBIDDEN", "XML_TOO_DEEP"})
"""The reasons a ``MalformedXmlError`` may carry."""
_ERRORS_BY_NAME = {
    cls.__name__: cls
    for cls in (
        EncryptedDocumentError,
        MalformedDocumentError,
        EmptyDocumentError,
        TooManyGlyphsError,
        DecompressionBombError,
        ParseTimeoutError,
        TooManyPagesError,
        DocumentTooLargeError,
        MalformedXmlError,
        NotAnEInvoiceError,
    )
}
_ATTACHMENT_ERRORS = _XML_REASONS | {
    DocumentTooLargeError.reason,
    NotAnEInvoiceError.reason,
    "ATTACHMENT_NOT_XML",
    "ATTACHMENT_UNREADABLE",
}
"""What the sandbox may say about a PDF's XML attachment; anything else reads as unreadable."""


def parse_upload(
    data: bytes, *, content_type: str, filename: str, limits: ParseLimits = ParseLimits()
) -> ParsedDocument:
    """Parses an upload that is a PDF or an e-invoice XML, each in the sandbox.

    Args:
        data: The uploaded file.
        content_type: As the client declared it (parameters such as ``charset`` are ignored);
            empty means "look at the bytes": ``%PDF-`` is a PDF, ``<`` (after a byte-order mark
            and whitespace) is XML.
        filename: The uploaded file's name, kept as the XML's name.
        limits: As for ``parse_pdf``; an XML is also capped at ``safe_xml.MAX_XML_BYTES``.

    Returns:
        For a PDF, what ``parse_pdf`` returns. For XML, ``xml_only`` set, ``einvoice`` holding
        the XML re-serialised by the hardened parser, and as pages docai's rendering of it
        (:func:`with_rendered_pages`).

    Raises:
        NotAPdfError: Neither a PDF nor XML (the message names the accepted types).
        DocumentTooLargeError: Over ``limits.max_bytes`` or, for XML, ``MAX_XML_BYTES``.
        MalformedXmlError: Not well-formed (``MALFORMED_XML``), declares a DTD
            (``XML_DTD_FORBIDDEN``: XXE, billion laughs) or nests too deep (``XML_TOO_DEEP``).
        NotAnEInvoiceError: Well-formed, but the root is not a CII or UBL invoice or credit note.
        ParseTimeoutError, UnavailableError: As for ``parse_pdf``; and its errors for a PDF.
    """
    if not data:
        raise EmptyDocumentError("the upload is empty")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == PDF_TYPE or (not media_type and data.find(b"%PDF-", 0, HEADER_SEARCH_BYTES + 5) >= 0):
        return parse_pdf(data, limits=limits)
    if media_type in XML_TYPES or (not media_type and looks_like_xml(data[:HEADER_SEARCH_BYTES])):
        return with_rendered_pages(_parse_xml(data, filename=filename, limits=limits), limits=limits)
    raise NotAPdfError(f"only {ACCEPTED_TYPES} is accepted", content_type=content_type[:100])


def with_rendered_pages(document: ParsedDocument, *, limits: ParseLimits = ParseLimits()) -> ParsedDocument:
    """An XML-only e-invoice with docai's rendering of its content as its pages.

    The rendering is read like any PDF, so the review page shows it with each field's box and
    nothing downstream needs a page-less special case. It is made again from the stored XML
    when the review page shows it (:mod:`docai.services.review.pages`); both are deterministic.

    Raises:
        NotAnEInvoiceError, MalformedXmlError: The XML cannot be read as an invoice.
    """
    from docai.services.einvoice.read import read_einvoice
    from docai.services.einvoice.render import render_pdf

    assert document.einvoice is not None
    rendered = render_pdf(read_einvoice(document.einvoice.xml))
    return parse_pdf(rendered, limits=limits).model_copy(update={"einvoice": document.einvoice, "xml_only": True})


def parse_pdf(data: bytes, *, limits: ParseLimits = ParseLimits()) -> ParsedDocument:
    """Parses an untrusted PDF into its visible words, in a sandboxed process.

    Args:
        data: The uploaded file.
        limits: Caps on size, pages, decompressed bytes, glyphs, memory, CPU and time.

    Returns:
        One ``Page`` per page with its visible words (boxes in points, origin top-left) and
        its text rebuilt as lines. A scanned page has no words; that is not an error.
        ``hidden_chars_dropped`` counts glyphs a reader cannot see (white, tiny, off-page,
        render mode 3, transparent, covered by an opaque shape or image), which are never
        returned; ``hidden_chars_by_kind`` (of the document and of each page) says why.
        ``revisions`` counts the PDF's saves (incremental updates add one each); when there
        are several, ``first_revision_ibans`` lists the IBAN-shaped strings the first one shows.

    Raises:
        EmptyDocumentError: ``data`` is empty or the document has no pages.
        NotAPdfError: No ``%PDF-`` header in the first 1024 bytes.
        DocumentTooLargeError: More than ``limits.max_bytes``.
        EncryptedDocumentError: It needs a password (empty user passwords are tried).
        TooManyPagesError, TooManyGlyphsError, DecompressionBombError: A cap was hit.
        ParseTimeoutError: The wall-clock or CPU limit was hit.
        MalformedDocumentError: Anything else the parser could not get through.
        UnavailableError: The sandbox could not be started.

    Example:
        >>> doc = await asyncio.to_thread(parse_pdf, upload, limits=ParseLimits(max_pages=10))
        >>> doc.pages[0].text
        'INVOICE        No. 2024-0042'
    """
    if not data:
        raise EmptyDocumentError("the upload is empty")
    header = data.find(b"%PDF-", 0, HEADER_SEARCH_BYTES + 5)
    if header < 0:
        raise NotAPdfError("the upload is not a PDF (no %PDF- header)")
    if len(data) > limits.max_bytes:
        raise DocumentTooLargeError(f"the PDF is larger than {limits.max_bytes} bytes", max_bytes=str(limits.max_bytes))
    # Cross-reference offsets count from the header, so junk before it is cut off (as Acrobat does).
    body = data[header:] if header else data
    started = time.monotonic()
    reply, result = _SANDBOX.run("pdf", body, limits)
    document = _to_document(_payload(reply, result, what="PDF"))
    elapsed = time.monotonic() - started
    logger.debug("parsed PDF: %d bytes, %d pages in %.3fs", len(data), len(document.pages), elapsed)
    return document


def shutdown_pdf_worker() -> None:
    """Stops the sandbox helper (it restarts on the next parse). Call on server shutdown."""
    _SANDBOX.close()


def _parse_xml(data: bytes, *, filename: str, limits: ParseLimits) -> ParsedDocument:
    max_bytes = min(limits.max_bytes, MAX_XML_BYTES)
    if len(data) > max_bytes:
        raise DocumentTooLargeError(f"the XML is larger than {max_bytes} bytes", max_bytes=str(max_bytes))
    reply, result = _SANDBOX.run("xml", data, limits)
    payload = _payload(reply, result, what="XML")
    try:
        einvoice = EInvoiceXml(filename=filename, xml=payload["xml"], error="")
    except (TypeError, KeyError, ValidationError) as exc:
        raise _domain(MalformedXmlError, what="XML", detail=f"bad sandbox reply: {type(exc).__name__}") from None
    return ParsedDocument(pages=[], hidden_chars_dropped=0, einvoice=einvoice, xml_only=True)


def _payload(reply: dict[str, Any], result: bytes, *, what: str) -> dict[str, Any]:
    """The child's JSON result; raises the domain error for how it ended or what it reported."""
    # A child that died without a word failed on the PDF (or XML) as a whole.
    broken = MalformedDocumentError if what == "PDF" else MalformedXmlError
    if reply.get("timed_out") or reply.get("signal") in (signal.SIGXCPU, signal.SIGALRM):
        raise _domain(ParseTimeoutError, what=what, detail=str(reply))
    if reply.get("exit") == EXIT_NO_MEMORY or reply.get("signal") == signal.SIGKILL:
        # SIGKILL that the monitor did not send comes from the kernel's OOM killer.
        raise _domain(DecompressionBombError, what=what, detail=str(reply))
    if reply.get("oversized"):
        raise _domain(TooManyGlyphsError, what=what, detail=str(reply))
    if reply.get("exit") != 0 or not result:
        raise _domain(broken, what=what, detail=str(reply))
    try:
        payload = json.loads(result)
        if not isinstance(payload, dict):
            raise TypeError("not an object")
        if "error" in payload:
            error_class = _ERRORS_BY_NAME.get(payload["error"], broken)
            metadata = {str(k): str(v)[:100] for k, v in dict(payload.get("metadata") or {}).items()}
            reason = str(payload.get("reason") or error_class.reason)
            raise _domain(error_class, what=what, reason=reason, detail=str(payload.get("detail")), **metadata)
    except (ValueError, TypeError) as exc:
        raise _domain(broken, what=what, detail=f"bad sandbox reply: {type(exc).__name__}") from None
    return payload


def _to_document(payload: dict[str, Any]) -> ParsedDocument:
    try:
        pages = [
            Page(
                number=page["number"],
                width=page["width"],
                height=page["height"],
                text=page["text"],
                words=[Word(text=w[0], x0=w[1], top=w[2], x1=w[3], bottom=w[4]) for w in page["words"]],
                hidden_chars_by_kind=page.get("hidden") or {},
            )
            for page in payload["pages"]
        ]
        attachment = payload.get("einvoice")
        einvoice = None
        if attachment is not None:
            error = str(attachment.get("error") or "")
            einvoice = EInvoiceXml(
                filename=attachment["filename"],
                xml="" if error else attachment["xml"],
                error=error if error in _ATTACHMENT_ERRORS or not error else "ATTACHMENT_UNREADABLE",
            )
        return ParsedDocument(
            pages=pages,
            hidden_chars_dropped=payload["hidden_chars_dropped"],
            hidden_chars_by_kind=payload.get("hidden_chars_by_kind") or {},
            revisions=payload.get("revisions") or 1,
            first_revision_ibans=payload.get("first_revision_ibans"),
            einvoice=einvoice,
            xml_only=False,
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ValidationError) as exc:
        raise _domain(MalformedDocumentError, what="PDF", detail=f"bad sandbox reply: {type(exc).__name__}") from None


def _domain(error_class: type[DocAIError], *, what: str, detail: str, reason: str = "", **metadata: str) -> DocAIError:
    """The error for the caller: a fixed message per reason, never text from the sandbox."""
    if error_class is not MalformedXmlError or reason not in _XML_REASONS:
        reason = error_class.reason
    logger.info("%s refused: %s (%s)", what, reason, detail)
    return error_class(_MESSAGES[reason].format(what=what), reason=reason, **metadata)


class _Sandbox:
    """Owns the helper process; starts it on first use and again after it dies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: str | None = None
        self._path = ""
        self._atexit_registered = False

    def run(self, kind: str, data: bytes, limits: ParseLimits) -> tuple[dict[str, Any], bytes]:
        for attempt in range(2):
            path = self._ensure_started()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(10.0)
                sock.connect(path)
            except OSError:
                sock.close()
                self._restart_if_dead()
                if attempt:
                    raise UnavailableError("the PDF parser is unavailable") from None
                continue
            with sock:
                try:
                    sock.settimeout(limits.wall_seconds + _GRACE_SECONDS)
                    send_json(sock, request_header(kind, limits))
                    send_frame(sock, data)
                    reply = json.loads(recv_frame(sock, max_size=64 * 1024))
                    result = recv_frame(sock, max_size=_RESULT_MAX)
                except TimeoutError:
                    # Closing the socket tells the monitor to kill the child.
                    raise _domain(ParseTimeoutError, what=kind.upper(), detail="no reply from the sandbox") from None
                except (OSError, ValueError) as exc:
                    raise UnavailableError("the PDF parser failed") from exc
            return reply, result
        raise UnavailableError("the PDF parser is unavailable")  # pragma: no cover - loop returns

    def _ensure_started(self) -> str:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return self._path
            self._stop_locked()
            self._dir = tempfile.mkdtemp(prefix="docai-pdf-")
            self._path = os.path.join(self._dir, "sock")
            env = dict(os.environ)
            # The helper must import the same docai as this process, however that was found.
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
            proc = subprocess.Popen(
                [sys.executable, "-m", "docai.services.ingest.pdf_worker", self._path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                close_fds=True,
            )
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], _STARTUP_TIMEOUT)
            if not ready or proc.stdout.readline() != b"ready\n":
                proc.kill()
                proc.wait()
                raise UnavailableError("the PDF parser could not start")
            self._proc = proc
            if not self._atexit_registered:
                atexit.register(self.close)
                self._atexit_registered = True
            return self._path

    def _restart_if_dead(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is not None:
                self._stop_locked()

    def close(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()  # EOF on stdin is the helper's signal to exit
            try:
                proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


_SANDBOX = _Sandbox()
