"""The PDF sandbox: a helper process that forks one resource-limited child per parse.

``pdf_parse`` starts it once as ``python -m docai.services.ingest.pdf_worker SOCKET`` and
talks to it over that Unix socket (frames from ``pdf_limits``)::

    service (threads) ──socket──▶ helper   single-threaded, pdfminer preloaded
                                    └─ monitor    one per request: reads it, enforces the wall
                                         │        clock, reports how the child ended
                                         └─ child RLIMIT_AS/CPU/CORE/FSIZE, parses, writes JSON

Why not ``multiprocessing``: its spawn and forkserver contexts re-import the caller's
``__main__`` in every child (the whole server's imports, on each parse) and pickle results
back. Forking from this single-threaded helper costs about 2 ms and carries JSON only.

The second half of the module is what runs inside the child: pdfminer hardened against
decompression bombs (capped, linear Flate/LZW/RunLength decoders), a page device that
counts glyphs and records text render modes, paint order and transparency, the visible-text
filter (which also drops text painted over by opaque shapes and images, and counts what it
drops by why), the line builder, the search for an embedded e-invoice XML (Factur-X,
ZUGFeRD, XRechnung), and the count of the PDF's revisions, with the IBANs its first revision
shows when it was updated incrementally. A request of kind ``xml`` (an e-invoice uploaded on
its own) is parsed by the same child, under the same limits.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import re
import resource
import select
import signal
import socket
import statistics
import sys
import time
import unicodedata
import warnings
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NoReturn

import pdfminer.pdftypes
from docai.services.common.errors import DocAIError, DocumentTooLargeError, NotAnEInvoiceError
from docai.services.einvoice.safe_xml import MAX_XML_BYTES, parse_xml, to_text
from docai.services.extraction.lookalikes import iban_like
from docai.services.ingest.pdf_limits import (
    EXIT_NO_MEMORY,
    ParseLimits,
    looks_like_xml,
    read_request_header,
    recv_frame,
    send_frame,
    send_json,
)
from lxml import etree
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTPage, LTRect
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream
from pdfminer.psexceptions import PSException
from pdfminer.psparser import PSLiteral, literal_name
from pdfminer.utils import decode_text
from pdfplumber.utils.text import extract_words

_REQUEST_HEADER_MAX = 64 * 1024
_RESULT_MAX = 512 * 1024 * 1024
_US_LETTER = (0.0, 0.0, 612.0, 792.0)

# ---------------------------------------------------------------------------------------------
# Process machinery: helper, monitor, child.
# ---------------------------------------------------------------------------------------------


def serve(socket_path: str) -> None:
    """Runs the helper: accepts connections on ``socket_path`` until stdin closes.

    Args:
        socket_path: Where to listen, in a private directory that is removed on exit.
    """
    install_pdfminer_guards()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(128)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished monitors
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the service, which closes stdin
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        _accept_until_stdin_closes(listener)
    finally:
        # Also when the service died without cleaning up: socket dirs must not pile up.
        with contextlib.suppress(OSError):
            os.unlink(socket_path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(socket_path))


def _accept_until_stdin_closes(listener: socket.socket) -> None:
    stdin_fd = sys.stdin.fileno()
    while True:
        readable, _, _ = select.select([listener, stdin_fd], [], [])
        if stdin_fd in readable and not os.read(stdin_fd, 4096):
            return  # the service is gone
        if listener in readable:
            conn, _ = listener.accept()
            try:
                pid = os.fork()
            except OSError:
                conn.close()
                continue
            if pid == 0:
                listener.close()
                status = 1
                try:
                    _monitor(conn)
                    status = 0
                finally:
                    os._exit(status)
            conn.close()


def _monitor(conn: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # we wait for our child ourselves
    conn.settimeout(30.0)  # a client that connects and never sends
    kind, limits = read_request_header(recv_frame(conn, max_size=_REQUEST_HEADER_MAX))
    data = recv_frame(conn, max_size=limits.max_bytes + 1024)
    conn.settimeout(None)
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        conn.close()
        _run_child(kind, data, limits, write_fd)
    os.close(write_fd)
    del data
    chunks: list[bytes] = []
    size = 0
    timed_out = client_gone = oversized = False
    deadline = started + limits.wall_seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        readable, _, _ = select.select([read_fd, conn], [], [], remaining)
        if conn in readable:
            client_gone = True  # EOF: the caller gave up, so stop the work
            break
        if read_fd in readable:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > _RESULT_MAX:
                oversized = True
                break
            chunks.append(chunk)
    if timed_out or client_gone or oversized:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    if client_gone:
        return
    header = {
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "oversized": oversized,
        "seconds": round(time.monotonic() - started, 4),
    }
    send_json(conn, header)
    send_frame(conn, b"".join(chunks) if not (timed_out or oversized) else b"")


def _run_child(kind: str, data: bytes, limits: ParseLimits, write_fd: int) -> NoReturn:
    status = 0
    try:
        _apply_rlimits(limits)
        # Kernel-enforced backstop to the monitor's clock: SIGALRM's default action kills.
        signal.setitimer(signal.ITIMER_REAL, limits.wall_seconds + 1.0)
        result = extract(data, limits=limits) if kind == "pdf" else extract_xml(data)
        payload = json.dumps(result, separators=(",", ":")).encode()
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    except MemoryError:
        status = EXIT_NO_MEMORY
    except BaseException:  # noqa: BLE001 - the monitor reports any other death as malformed
        status = 1
    os._exit(status)


def _apply_rlimits(limits: ParseLimits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # The soft limit sends SIGXCPU (reported as a timeout); the hard one is a SIGKILL backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not write a 1 GB core file
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the parser has no business writing files


# ---------------------------------------------------------------------------------------------
# Inside the child: hardened pdfminer.
# ---------------------------------------------------------------------------------------------


class _Refused(Exception):
    """A limit or a property of the document that ends the parse with a domain error."""

    def __init__(self, kind: str, **metadata: object) -> None:
        super().__init__(kind)
        self.kind = kind
        self.metadata = {key: str(value) for key, value in metadata.items()}


class _DecodeBudget:
    """Bytes all stream filters of one document may still produce.

    ``exceeded`` stays set even if some pdfminer code path swallows the exception.
    """

    def __init__(self) -> None:
        self.remaining = 0
        self.limit = 0
        self.exceeded = False

    def reset(self, limit: int) -> None:
        self.remaining = self.limit = limit
        self.exceeded = False

    def take(self, n: int) -> None:
        self.remaining -= n
        if self.remaining < 0:
            self.exceeded = True
            raise _Refused("DecompressionBombError", max_decompressed_bytes=self.limit)

    def give_back(self, n: int) -> None:
        self.remaining += n

    @contextlib.contextmanager
    def limited(self, cap: int) -> Iterator[None]:
        """Lets the block decode at most ``cap`` of the remaining bytes.

        Running out inside raises ``_Refused`` there but leaves the document's budget as it
        was less what the block used: an oversized attachment must not fail the page parse.
        """
        outer, was_exceeded = self.remaining, self.exceeded
        granted = self.remaining = max(0, min(cap, outer))
        try:
            yield
        finally:
            self.remaining = outer - (granted - max(self.remaining, 0))
            self.exceeded = was_exceeded


_BUDGET = _DecodeBudget()
_INFLATE_CHUNK = 1 << 16
_INFLATE_STEP = 1 << 20


def inflate(data: bytes) -> bytes:
    """Decodes a Flate stream leniently, in linear time and within the decode budget.

    Returns everything decodable before corrupt data or the end of a truncated stream, as
    readers do. Stands in for both ``zlib.decompress`` and pdfminer's ``decompress_corrupted``
    (which feeds one byte at a time into a growing ``bytes``: quadratic, and uncapped).
    """
    decoder = zlib.decompressobj()
    out: list[bytes] = []
    view = memoryview(data)
    for start in range(0, len(view), _INFLATE_CHUNK):
        chunk = view[start : start + _INFLATE_CHUNK]
        mark, saved = len(out), decoder.copy()
        try:
            _feed(decoder, chunk, out)
        except zlib.error:
            # Replay this chunk byte by byte to keep the output that precedes the bad byte.
            _BUDGET.give_back(sum(len(piece) for piece in out[mark:]))
            del out[mark:]
            decoder = saved
            for i in range(len(chunk)):
                try:
                    _feed(decoder, chunk[i : i + 1], out)
                except zlib.error:
                    return b"".join(out)
        if decoder.eof:
            break
    return b"".join(out)


def _feed(decoder: Any, chunk: memoryview | bytes, out: list[bytes]) -> None:
    pending: bytes | memoryview = chunk
    while not decoder.eof:
        piece = decoder.decompress(pending, _INFLATE_STEP)
        if piece:
            _BUDGET.take(len(piece))
            out.append(piece)
        pending = decoder.unconsumed_tail
        if not pending and len(piece) < _INFLATE_STEP:
            return


def _lzw_decode(data: bytes) -> bytes:
    out: list[bytes] = []
    for piece in LZWDecoder(io.BytesIO(data)).run():
        _BUDGET.take(len(piece))
        out.append(piece)
    return b"".join(out)


def _runlength_decode(data: bytes) -> bytes:
    # Linear and capped; pdfminer's builds a list of ints (8 bytes per output byte, 128x input).
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        i += 1
        if length == 128:
            break
        if length < 128:
            piece = data[i : i + length + 1]
            i += length + 1
        else:
            piece = data[i : i + 1] * (257 - length)
            i += 1
        _BUDGET.take(len(piece))
        out += piece
    return bytes(out)


class _ZlibForPdfminer:
    """What ``pdfminer.pdftypes`` sees as ``zlib``: ``decompress`` is the capped ``inflate``."""

    error = zlib.error
    decompressobj = staticmethod(zlib.decompressobj)

    @staticmethod
    def decompress(data: bytes, *_args: object, **_kwargs: object) -> bytes:
        return inflate(data)


def install_pdfminer_guards() -> None:
    """Patches pdfminer in this process; idempotent.

    Only the sandbox (a process of its own) calls this: it swaps pdfminer's stream decoders
    for capped, linear ones and silences the libraries' logging and warnings (noise, and slow
    on hostile files).
    """
    pdfminer.pdftypes.zlib = _ZlibForPdfminer  # type: ignore[assignment]
    pdfminer.pdftypes.decompress_corrupted = inflate
    pdfminer.pdftypes.lzwdecode = _lzw_decode
    pdfminer.pdftypes.rldecode = _runlength_decode
    for name in ("pdfminer", "pdfplumber"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")


class _Device(PDFPageAggregator):
    """Page device that caps glyphs and stamps each object with its draw order and paint state.

    pdfminer keeps the text render mode (``Tr``) only in its text state and ignores the fill
    alpha, blend mode and soft mask that ``gs`` sets; the visibility filter needs them per
    glyph, shape and image, and the draw order to know which filled shape lies behind a glyph
    and which opaque shape or image is painted over it. ``_Interpreter`` keeps the transparency
    state here, saved and restored with ``q``/``Q`` and around form XObjects.
    """

    def __init__(
        self, rsrcmgr: PDFResourceManager, *, pageno: int, max_glyphs: int, deadline: float | None = None
    ) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self.page_ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        self._max_glyphs = max_glyphs
        self._deadline = deadline
        self._glyphs = 0
        self._seq = 0
        self._render_mode = 0
        self.fill_alpha = 1.0
        self.blend_normal = True
        self.soft_masked = False
        self._saved: list[tuple[float, bool, bool]] = []

    @property
    def composited(self) -> bool:
        """A blend mode other than Normal, or a soft mask: what is painted may not cover."""
        return not self.blend_normal or self.soft_masked

    def save_paint(self) -> int:
        """Saves the transparency state (``q``); returns the depth to restore to."""
        if len(self._saved) < _MAX_SAVED_STATES:
            self._saved.append((self.fill_alpha, self.blend_normal, self.soft_masked))
        return len(self._saved) - 1

    def restore_paint(self, depth: int | None = None) -> None:
        """Restores the last saved state (``Q``), or the one saved at ``depth`` (after a form
        XObject, whatever its own ``q``/``Q`` left unbalanced)."""
        if depth is not None:
            del self._saved[depth + 1 :]
        if self._saved:
            self.fill_alpha, self.blend_normal, self.soft_masked = self._saved.pop()

    def begin_page(self, page: PDFPage, ctm: Any) -> None:
        self.page_ctm = tuple(ctm)  # not self.ctm: PDFDevice tracks the current one there
        super().begin_page(page, ctm)

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        self._render_mode = textstate.render
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self._glyphs += 1
        if self._glyphs > self._max_glyphs:
            raise _Refused("TooManyGlyphsError", page=self.pageno, max_glyphs_per_page=self._max_glyphs)
        if self._deadline is not None and self._glyphs % 512 == 0 and time.monotonic() > self._deadline:
            raise _Refused("ParseTimeoutError")
        adv: float = super().render_char(*args, **kwargs)
        self._stamp(render_mode=self._render_mode)
        return adv

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        before = len(self.cur_item._objs)
        super().paint_path(*args, **kwargs)
        if len(self.cur_item._objs) > before:
            self._stamp(render_mode=None)

    def render_image(self, name: str, stream: PDFStream) -> None:
        before = len(self.cur_item._objs)
        super().render_image(name, stream)
        if len(self.cur_item._objs) > before:
            self._stamp(render_mode=None)

    def handle_undefined_char(self, font: Any, cid: int) -> str:
        return "\ufffd"  # pdfminer's "(cid:7)" would read as text to the model

    def _stamp(self, *, render_mode: int | None) -> None:
        obj = self.cur_item._objs[-1]
        obj.seq = self._seq  # type: ignore[attr-defined]
        obj.render_mode = render_mode  # type: ignore[attr-defined]
        obj.fill_alpha = self.fill_alpha  # type: ignore[attr-defined]
        obj.composited = self.composited  # type: ignore[attr-defined]
        self._seq += 1


_MAX_SAVED_STATES = 4096  # q nesting kept for the transparency state; deeper saves are not tracked


class _Interpreter(PDFPageInterpreter):
    """pdfminer's interpreter, plus what ``gs`` says about transparency (pdfminer ignores ``gs``)."""

    device: _Device

    def do_q(self) -> None:
        super().do_q()
        self.device.save_paint()

    def do_Q(self) -> None:
        super().do_Q()
        self.device.restore_paint()

    def do_Do(self, xobjid_arg: Any) -> None:
        mark = self.device.save_paint()  # a form XObject runs inside an implicit q/Q
        try:
            super().do_Do(xobjid_arg)
        finally:
            self.device.restore_paint(mark)

    def do_gs(self, name: Any) -> None:
        states = _resolve(self.resources.get("ExtGState")) if isinstance(self.resources, dict) else None
        key = literal_name(name) if isinstance(name, PSLiteral) else name
        params = _resolve(states.get(key)) if isinstance(states, dict) and isinstance(key, str) else None
        if not isinstance(params, dict):
            return
        alpha = _resolve(params.get("ca"))
        if isinstance(alpha, int | float) and not isinstance(alpha, bool) and math.isfinite(alpha):
            self.device.fill_alpha = min(1.0, max(0.0, float(alpha)))
        if "BM" in params:
            blend = _resolve(params.get("BM"))
            if isinstance(blend, list):
                blend = _resolve(blend[0]) if blend else None
            self.device.blend_normal = isinstance(blend, PSLiteral) and literal_name(blend) in (
                "Normal",
                "Compatible",
            )
        if "SMask" in params:
            mask = _resolve(params.get("SMask"))
            self.device.soft_masked = not (isinstance(mask, PSLiteral) and literal_name(mask) == "None")


# ---------------------------------------------------------------------------------------------
# Inside the child: the parse.
# ---------------------------------------------------------------------------------------------


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
    _BUDGET.reset(limits.max_decompressed_bytes)
    try:
        result = _extract(data, limits, started=started)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary: every type becomes a domain error
        return _error_for(exc, data)
    if _BUDGET.exceeded:
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
    if _BUDGET.exceeded:
        return _error("DecompressionBombError", max_decompressed_bytes=_BUDGET.limit)
    for cause in chain:
        if isinstance(cause, _Refused):
            return _error(cause.kind, **cause.metadata)
    detail = type(chain[-1]).__name__
    if any(isinstance(cause, PDFEncryptionError) for cause in chain):
        return _error("EncryptedDocumentError", detail=detail)
    if isinstance(exc, _OpenFailed) and not isinstance(chain[-1], PSException) and b"/Encrypt" in data:
        # A broken /Encrypt dictionary fails with TypeError, KeyError and the like while the
        # security handler is set up; the caller needs to hear "encrypted", not "malformed".
        return _error("EncryptedDocumentError", detail=detail)
    return _error("MalformedDocumentError", detail=detail)


class _OpenFailed(Exception):
    """Wraps whatever PDFDocument raised while reading the trailer and security handler."""


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
    document = _open(data)
    page_objs = _page_list(document, limits)
    rsrcmgr = PDFResourceManager()
    pages: list[dict[str, Any]] = []
    hidden_by_kind: Counter[str] = Counter()
    for number, page_obj in enumerate(page_objs, start=1):
        words, box, hidden = _read_page(rsrcmgr, page_obj, number, limits)
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
    einvoice = _embedded_einvoice(document)
    if einvoice is not None:
        result["einvoice"] = einvoice
    ends = revision_ends(data)
    result["revisions"] = len(ends)
    if len(ends) > 1:
        deadline = started + FIRST_REVISION_SHARE * min(limits.wall_seconds, limits.cpu_seconds)
        result["first_revision_ibans"] = _first_revision_ibans(data[: ends[0]], limits, deadline=deadline)
    return result


def _open(data: bytes) -> PDFDocument:
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except Exception as exc:
        raise _OpenFailed() from exc


def _page_list(document: PDFDocument, limits: ParseLimits) -> list[PDFPage]:
    page_objs: list[PDFPage] = []
    for page_obj in PDFPage.create_pages(document):
        if len(page_objs) == limits.max_pages:
            raise _Refused("TooManyPagesError", max_pages=limits.max_pages)
        page_objs.append(page_obj)
    if not page_objs:
        raise _Refused("EmptyDocumentError")
    return page_objs


def _read_page(
    rsrcmgr: PDFResourceManager,
    page_obj: PDFPage,
    number: int,
    limits: ParseLimits,
    *,
    deadline: float | None = None,
) -> tuple[list[list[Any]], tuple[float, float, float, float], Counter[str]]:
    """One page's visible words (boxes relative to the visible area), that area, and the
    non-blank glyphs left out, by why (:func:`hidden_kind`)."""
    _normalize_boxes(page_obj)
    device = _Device(rsrcmgr, pageno=number, max_glyphs=limits.max_glyphs_per_page, deadline=deadline)
    _Interpreter(rsrcmgr, device).process_page(page_obj)
    layout = device.get_result()
    chars, shapes = _page_objects(layout)
    box = _visible_box(page_obj, device.page_ctm, layout.width, layout.height)
    visible, hidden = sort_glyphs(chars, shapes, box)
    # Boxes relative to the visible area's top-left corner: what a viewer shows as the page.
    left, top = box[0], box[1]
    words = [
        [
            w["text"],
            round(w["x0"] - left, 2),
            round(w["top"] - top, 2),
            round(w["x1"] - left, 2),
            round(w["bottom"] - top, 2),
        ]
        for w in _words(visible)
    ]
    return words, box, hidden


# ---------------------------------------------------------------------------------------------
# Inside the child: revisions (incremental updates).
# ---------------------------------------------------------------------------------------------

FIRST_REVISION_SHARE = 0.75
"""The first revision of a changed PDF is read only while less than this share of the time
limit has passed since the parse began; it gives up, unread, when the share runs out."""
_REVISION_END = re.compile(rb"startxref\s{0,64}\d{1,20}\s{0,64}%%EOF")
_OBJECT_HEADER = re.compile(rb"(?<![0-9])\d{1,10}[ \t\r\n]{1,16}\d{1,5}[ \t\r\n]{1,16}obj\b")
_LINEARIZED = re.compile(rb"/Linearized\b")
_MAX_REVISIONS = 10_000
_MAX_FIRST_REVISION_IBANS = 100


def revision_ends(data: bytes) -> list[int]:
    """Where each revision of the PDF ends: just past its ``startxref … %%EOF``.

    A PDF saved once has one; every incremental update (a later revision appended to the file,
    as editors, form fillers and signers do) adds one. The first-page section of a linearized
    file ends with a ``%%EOF`` of its own but is no revision. Objects appended after the last
    ``%%EOF`` without a cross-reference section of their own count as one more revision:
    readers that rebuild the cross-references find them.

    Args:
        data: The PDF from its ``%PDF-`` header.

    Returns:
        Offsets, in file order; ``[len(data)]`` when no ``%%EOF`` marks an end.
    """
    ends: list[int] = []
    for match in _REVISION_END.finditer(data):
        ends.append(match.end())
        if len(ends) == _MAX_REVISIONS:
            break
    if len(ends) > 1 and _LINEARIZED.search(data, 0, 1024 + 5):
        ends = ends[1:]
    if ends and _OBJECT_HEADER.search(data, ends[-1]):
        ends.append(len(data))
    return ends or [len(data)]


def _first_revision_ibans(prefix: bytes, limits: ParseLimits, *, deadline: float) -> list[str] | None:
    """The IBAN-shaped strings the first revision shows, compact; None when it cannot be read.

    Read like the whole file (visible glyphs only, same caps), but with what is left of the
    decode budget and until ``deadline``; nothing it raises fails the parse of the document.
    """
    if time.monotonic() > deadline:
        return None
    found: list[str] = []
    try:
        with _BUDGET.limited(_BUDGET.remaining):
            document = _open(prefix)
            rsrcmgr = PDFResourceManager()
            for number, page_obj in enumerate(_page_list(document, limits), start=1):
                words, _, _ = _read_page(rsrcmgr, page_obj, number, limits, deadline=deadline)
                found += [iban.raw for iban in iban_like(build_text(words))]
                if time.monotonic() > deadline:
                    return None
    except MemoryError:
        return None
    except Exception:  # noqa: BLE001 - a first revision that cannot be read is only not compared
        return None
    return list(dict.fromkeys(found))[:_MAX_FIRST_REVISION_IBANS]


def _words(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # pdfplumber reads every rotated glyph top to bottom; text turned the other way (its
    # advance points up the page) would come out reversed, so it gets its own pass.
    upward = [char for char in chars if char["direction"] == "btt"]
    rest = [char for char in chars if char["direction"] != "btt"]
    words = extract_words(rest, keep_blank_chars=False, use_text_flow=False)
    if upward:
        words += extract_words(
            upward,
            keep_blank_chars=False,
            use_text_flow=False,
            char_dir_rotated="btt",
            line_dir_rotated="ltr",
        )
    return words


def _page_objects(layout: LTPage) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Glyphs, filled shapes and images of a page as dicts in top-left coordinates (pdfplumber's keys).

    A shape or image is ``opaque`` when whatever it is painted over cannot show through: full
    fill alpha, normal blending, no soft mask, and for an image no mask of its own.
    """
    height = layout.height
    chars: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    stack: list[Any] = [layout]
    while stack:
        for obj in stack.pop():
            if isinstance(obj, LTChar):
                text = obj.get_text()
                if not text.isascii():
                    text = unicodedata.normalize("NFKC", text)  # ligatures, full-width digits
                state = obj.graphicstate
                top = height - obj.y1
                chars.append(
                    {
                        "text": text,
                        "x0": obj.x0,
                        "x1": obj.x1,
                        "top": top,
                        "doctop": top,
                        "bottom": height - obj.y0,
                        "width": obj.width,
                        "height": obj.height,
                        "upright": obj.upright,
                        "direction": "btt" if not obj.upright and obj.matrix[1] > 0 else "",
                        "size": obj.size,
                        "non_stroking_color": state.ncolor,
                        "stroking_color": state.scolor,
                        "ncs": getattr(obj.ncs, "name", None),
                        "render_mode": getattr(obj, "render_mode", 0),
                        "seq": getattr(obj, "seq", 0),
                        "fill_alpha": getattr(obj, "fill_alpha", 1.0),
                        "composited": getattr(obj, "composited", False),
                    }
                )
            elif isinstance(obj, LTCurve):
                if obj.fill:
                    shape = {
                        "fill": True,
                        "x0": obj.x0,
                        "x1": obj.x1,
                        "top": height - obj.y1,
                        "bottom": height - obj.y0,
                        "non_stroking_color": obj.non_stroking_color,
                        "seq": getattr(obj, "seq", 0),
                        "opaque": _paints_opaque(obj),
                    }
                    if not isinstance(obj, LTRect):
                        points = obj.pts if len(obj.pts) <= _MAX_OUTLINE_POINTS else []
                        shape["outline"] = [(x, height - y) for x, y in points]
                    shapes.append(shape)
            elif isinstance(obj, LTImage):
                shapes.append(
                    {
                        "fill": False,  # its colors are unknown: never a background for the contrast test
                        "x0": obj.x0,
                        "x1": obj.x1,
                        "top": height - obj.y1,
                        "bottom": height - obj.y0,
                        "seq": getattr(obj, "seq", 0),
                        "opaque": _paints_opaque(obj) and not _image_masked(obj),
                    }
                )
            elif isinstance(obj, LTContainer):
                stack.append(obj)  # form XObjects and images arrive as LTFigure
    return chars, shapes


_MAX_OUTLINE_POINTS = 256  # a filled path with more points (a logo, a glyph drawn as a path) covers nothing
OPAQUE_ALPHA = 0.9
"""Fill alpha from which a shape or image hides what it is painted over."""


def _paints_opaque(obj: Any) -> bool:
    alpha = getattr(obj, "fill_alpha", 1.0)
    return not getattr(obj, "composited", False) and isinstance(alpha, float | int) and alpha >= OPAQUE_ALPHA


def _image_masked(image: LTImage) -> bool:
    """Whether parts of the image are transparent: a soft mask, a mask, or a stencil mask."""
    stream = image.stream
    try:
        return bool(
            _resolve(stream.get("SMask")) is not None
            or _resolve(stream.get("Mask")) is not None
            or _resolve(stream.get_any(("IM", "ImageMask")))
        )
    except Exception:  # noqa: BLE001 - a damaged image dictionary: assume it lets text show through
        return True


def _normalize_boxes(page_obj: PDFPage) -> None:
    # Corners may come in any order (PDF 32000 7.9.5) but pdfminer's page transform assumes
    # lower-left first; a missing or degenerate box becomes US Letter, as in readers.
    media = _normalized(page_obj.mediabox) or _US_LETTER
    page_obj.mediabox = media
    page_obj.cropbox = _normalized(page_obj.cropbox) or media


def _normalized(box: object) -> tuple[float, float, float, float] | None:
    if not isinstance(box, tuple | list) or len(box) != 4:
        return None
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in box):
        return None
    x0, x1 = sorted((float(box[0]), float(box[2])))
    y0, y1 = sorted((float(box[1]), float(box[3])))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return (x0, y0, x1, y1)


def _visible_box(
    page_obj: PDFPage, ctm: Sequence[float], width: float, height: float
) -> tuple[float, float, float, float]:
    """The CropBox clipped to the MediaBox, in the layout's top-left coordinates."""
    cx0, cy0, cx1, cy1 = page_obj.cropbox
    a, b, c, d, e, f = ctm
    corners = [(a * x + c * y + e, b * x + d * y + f) for x, y in ((cx0, cy0), (cx1, cy1))]
    x0, x1 = sorted(max(0.0, min(width, x)) for x, _ in corners)
    y0, y1 = sorted(max(0.0, min(height, y)) for _, y in corners)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return (0.0, 0.0, width, height)  # a CropBox outside the MediaBox is ignored
    return (x0, height - y1, x1, height - y0)


# ---------------------------------------------------------------------------------------------
# Inside the child: the e-invoice XML, embedded in the PDF or uploaded on its own.
# ---------------------------------------------------------------------------------------------

EINVOICE_ROOTS = frozenset({"CrossIndustryInvoice", "CrossIndustryDocument", "Invoice", "CreditNote"})
"""Local names of the root element of CII (ZUGFeRD 1 and 2, Factur-X) and UBL invoices."""
EINVOICE_NAMES = frozenset({"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"})
"""What the standards name the embedded XML, case-folded."""
ATTACHMENT_NOT_XML = "ATTACHMENT_NOT_XML"
ATTACHMENT_UNREADABLE = "ATTACHMENT_UNREADABLE"
_MAX_CANDIDATES = 8  # attachments tried, best first, before the best one's error is reported
_ATTACHMENTS_DECODE_BYTES = 4 * MAX_XML_BYTES  # all of them together, object streams included
_MAX_NAME_TREE_NODES = 256
_MAX_ATTACHMENT_ENTRIES = 4096
_MAX_REF_HOPS = 16
_MAX_FILENAME = 255
_UTF8_BOM = b"\xef\xbb\xbf"


class _Unusable(Exception):
    """An attachment that is not an XML file, or cannot be read at all."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def extract_xml(data: bytes) -> dict[str, Any]:
    """Parses an e-invoice XML uploaded on its own; call it only inside the sandbox child.

    Returns:
        ``{"xml": text}`` (re-serialised by ``safe_xml``), or ``{"error": "<DocAIError subclass
        name>", "reason": REASON, "metadata": {...}}``.
    """
    try:
        return {"xml": _einvoice_text(data)}
    except DocAIError as exc:
        return _error(type(exc).__name__, reason=exc.reason, **exc.metadata)


def _einvoice_text(data: bytes) -> str:
    root = parse_xml(data)
    if etree.QName(root).localname not in EINVOICE_ROOTS:
        raise NotAnEInvoiceError("the XML is not a CII or UBL invoice")
    return to_text(root)


def _embedded_einvoice(document: PDFDocument) -> dict[str, str] | None:
    """The PDF's e-invoice attachment as result JSON, or None when it attaches no XML.

    Candidates are tried best first; the first that is an e-invoice wins, else the best one's
    error is returned with its name. Nothing here raises: a broken or hostile attachment must
    never fail the pages, so its error travels with them. Its decoding has a budget of its
    own, so running out there does not turn the whole document into a bomb either.
    """
    best: dict[str, str] | None = None
    with _BUDGET.limited(_ATTACHMENTS_DECODE_BYTES):
        for name, spec in _xml_attachments(document)[:_MAX_CANDIDATES]:
            found = _read_attachment(name, spec)
            if "error" not in found:
                return found
            best = best or found
    return best


def _xml_attachments(document: PDFDocument) -> list[tuple[str, dict[str, Any]]]:
    """File specifications named ``*.xml``, best first.

    First the associated files (catalog ``/AF``: PDF/A-3, how Factur-X and ZUGFeRD 2 attach
    the XML), whatever else their name, the standards' names first among them; then the
    standards' names in ``/Names /EmbeddedFiles`` (ZUGFeRD 1 has no ``/AF``); then the rest.
    """
    catalog = document.catalog if isinstance(document.catalog, dict) else {}
    associated = _resolve(catalog.get("AF"))
    entries: list[tuple[bool, object, object]] = [
        (True, None, spec)
        for spec in (associated if isinstance(associated, list) else [])[:_MAX_ATTACHMENT_ENTRIES]
    ]
    names = _resolve(catalog.get("Names"))
    if isinstance(names, dict):
        entries += [(False, key, spec) for key, spec in _name_tree(names.get("EmbeddedFiles"))]
    seen: set[int] = set()  # /AF and the name tree usually list the same file specification
    ranked: list[tuple[tuple[bool, bool, int], str, dict[str, Any]]] = []
    for index, (is_associated, key, spec_ref) in enumerate(entries):
        spec = _resolve(spec_ref)
        if not isinstance(spec, dict) or id(spec) in seen:
            continue
        seen.add(id(spec))
        name = _filename(spec, key)
        if name.casefold().endswith(".xml"):
            ranked.append(((not is_associated, name.casefold() not in EINVOICE_NAMES, index), name, spec))
    ranked.sort(key=lambda entry: entry[0])
    return [(name, spec) for _, name, spec in ranked]


def _name_tree(root: object) -> Iterator[tuple[object, object]]:
    """The (key, value) pairs of a name tree, bounded: a hostile tree may loop or be huge."""
    stack: list[object] = [root]
    visited: set[int] = set()
    entries = 0
    while stack and len(visited) < _MAX_NAME_TREE_NODES:
        node = _resolve(stack.pop())
        if not isinstance(node, dict) or id(node) in visited:
            continue
        visited.add(id(node))
        pairs = _resolve(node.get("Names"))
        if isinstance(pairs, list):
            for key, value in zip(pairs[::2], pairs[1::2], strict=False):
                entries += 1
                if entries > _MAX_ATTACHMENT_ENTRIES:
                    return
                yield key, value
        kids = _resolve(node.get("Kids"))
        if isinstance(kids, list):
            stack.extend(reversed(kids[:_MAX_NAME_TREE_NODES]))


def _filename(spec: dict[str, Any], key: object) -> str:
    """``/UF``, else ``/F``, else the name-tree key: its last path component, printable only."""
    for raw in (spec.get("UF"), spec.get("F"), key):
        raw = _resolve(raw)
        if not isinstance(raw, bytes):
            continue
        text = raw[3:].decode("utf-8", "replace") if raw.startswith(_UTF8_BOM) else decode_text(raw)
        name = "".join(ch for ch in text.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())
        if name.strip():
            return name.strip()[:_MAX_FILENAME]
    return ""


def _read_attachment(name: str, spec: dict[str, Any]) -> dict[str, str]:
    try:
        return {"filename": name, "xml": _einvoice_text(_attachment_bytes(spec))}
    except DocAIError as exc:  # safe_xml's refusals, and not an e-invoice
        reason = exc.reason
    except _Unusable as exc:
        reason = exc.reason
    except (_Refused, MemoryError):
        # Out of decode budget or memory on this attachment: the pages are done, keep them.
        reason = DocumentTooLargeError.reason
    except Exception:  # noqa: BLE001 - whatever pdfminer raises on a broken stream
        reason = ATTACHMENT_UNREADABLE
    return {"filename": name, "xml": "", "error": reason}


def _attachment_bytes(spec: dict[str, Any]) -> bytes:
    """The embedded file, decoded; refused over ``MAX_XML_BYTES`` by its declared and its real size."""
    files = _resolve(spec.get("EF"))
    streams = [_resolve(files.get(key)) for key in ("F", "UF")] if isinstance(files, dict) else []
    stream = next((s for s in streams if isinstance(s, PDFStream)), None)
    if stream is None:
        raise _Unusable(ATTACHMENT_UNREADABLE)
    params = _resolve(stream.get("Params"))
    size = _resolve(params.get("Size")) if isinstance(params, dict) else None
    if isinstance(size, int) and size > MAX_XML_BYTES:
        raise DocumentTooLargeError("the attachment declares more than MAX_XML_BYTES")
    with _BUDGET.limited(MAX_XML_BYTES + 1):
        data = stream.get_data()
    if len(data) > MAX_XML_BYTES:
        raise DocumentTooLargeError("the attachment is larger than MAX_XML_BYTES")
    if not looks_like_xml(data):
        raise _Unusable(ATTACHMENT_NOT_XML)
    return data


def _resolve(obj: object) -> Any:
    """Follows indirect references like pdfminer's ``resolve1``, but a bounded number of hops
    (``1 0 obj 1 0 R`` loops ``resolve1`` forever); a broken one reads as absent, as in readers."""
    for _ in range(_MAX_REF_HOPS):
        if not isinstance(obj, PDFObjRef):
            return obj
        try:
            obj = obj.resolve()
        except Exception:  # noqa: BLE001 - a damaged object, or an object stream over budget
            return None
    return None


# ---------------------------------------------------------------------------------------------
# Visible text.
# ---------------------------------------------------------------------------------------------

MIN_FONT_SIZE = 1.5
"""Glyphs smaller than this (in points) are unreadable and treated as hidden."""
MIN_CONTRAST = 0.1
"""Largest per-channel RGB difference between glyph and background that still counts as hidden."""
_INVISIBLE_RENDER_MODES = {3, 7}  # Tr 3: neither fill nor stroke; Tr 7: clip only
_STROKE_ONLY_RENDER_MODES = {1, 5}
_WHITE = (1.0, 1.0, 1.0)
_BAND = 32.0  # points; the background lookup indexes filled shapes by horizontal bands

RGB = tuple[float, float, float]


def to_rgb(color: object, space: str | None = None) -> RGB | None:
    """Converts a pdfminer color to RGB in 0..1.

    Args:
        color: Gray, RGB or CMYK components (a tuple, or a bare number for gray).
        space: The color space name when known (``Separation`` tints run the other way).

    Returns:
        The RGB triple, or None when the color cannot be judged (patterns, indexed, unknown).
    """
    if color is None:
        return None
    components = color if isinstance(color, tuple | list) else (color,)
    if not components or not all(
        isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in components
    ):
        return None
    if space is not None and ("Pattern" in space or "Indexed" in space):
        return None
    values = [min(1.0, max(0.0, float(c))) for c in components]
    if len(values) == 1:
        gray = values[0]
        if space is not None and ("Separation" in space or "DeviceN" in space):
            gray = 1.0 - gray  # a tint is ink coverage: 0 is no ink
        return (gray, gray, gray)
    if len(values) == 3:
        return (values[0], values[1], values[2])
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


class _Backgrounds:
    """Filled shapes of a page, to find the color behind a glyph and what is painted over it."""

    def __init__(self, shapes: Sequence[dict[str, Any]]) -> None:
        self._bands: dict[int, list[tuple[int, float, float, float, float, RGB | None]]] = {}
        self._covers: dict[
            int, list[tuple[int, float, float, float, float, Sequence[tuple[float, float]] | None]]
        ] = {}
        for shape in shapes:
            x0, top, x1, bottom = (float(shape[k]) for k in ("x0", "top", "x1", "bottom"))
            if not all(math.isfinite(v) for v in (x0, top, x1, bottom)) or x1 - x0 < 2 or bottom - top < 2:
                continue  # rules and hairlines are neither backgrounds nor covers
            seq = int(shape.get("seq") or 0)
            # Clamped: a shape a billion points tall must not become a billion bands.
            bands = range(max(int(top // _BAND), -1), min(int(bottom // _BAND), 1000) + 1)
            if shape.get("fill"):
                entry = (seq, x0, top, x1, bottom, to_rgb(shape.get("non_stroking_color")))
                for band in bands:
                    self._bands.setdefault(band, []).append(entry)
            if shape.get("opaque"):
                outline = shape.get("outline")
                cover = (seq, x0, top, x1, bottom, outline if outline is not None else None)
                for band in bands:
                    self._covers.setdefault(band, []).append(cover)
        for entries in self._bands.values():
            entries.sort(key=lambda entry: -entry[0])

    def behind(self, x: float, y: float, seq: int) -> RGB | None:
        """The color of the topmost filled shape drawn before ``seq`` under (x, y); white if none."""
        for shape_seq, x0, top, x1, bottom, rgb in self._bands.get(int(y // _BAND), ()):
            if shape_seq < seq and x0 <= x <= x1 and top <= y <= bottom:
                return rgb
        return _WHITE

    def covered(self, char: dict[str, Any], seq: int) -> bool:
        """Whether an opaque shape or image painted after ``seq`` hides the glyph's ink.

        The ink is taken as the glyph box less :data:`COVER_MARGIN_X` of its width and
        :data:`COVER_MARGIN_Y` of its height on each side (the box holds the font's whole
        ascent and descent); a covering path that is not a rectangle must hold the ink's
        corners and centre inside its outline.
        """
        x0, x1, top, bottom = char["x0"], char["x1"], char["top"], char["bottom"]
        dx, dy = (x1 - x0) * COVER_MARGIN_X, (bottom - top) * COVER_MARGIN_Y
        ink = (x0 + dx, top + dy, x1 - dx, bottom - dy)
        if not all(math.isfinite(v) for v in ink):
            return False
        for shape_seq, sx0, stop, sx1, sbottom, outline in self._covers.get(
            int(((top + bottom) / 2) // _BAND), ()
        ):
            if shape_seq <= seq or not (
                sx0 <= ink[0] and ink[2] <= sx1 and stop <= ink[1] and ink[3] <= sbottom
            ):
                continue
            if outline is None:
                return True
            corners = ((ink[0], ink[1]), (ink[2], ink[1]), (ink[0], ink[3]), (ink[2], ink[3]))
            centre = ((ink[0] + ink[2]) / 2, (ink[1] + ink[3]) / 2)
            if all(_inside(point, outline) for point in (*corners, centre)):
                return True
        return False


COVER_MARGIN_X = 0.2
"""Share of a glyph box's width on each side that a covering shape may leave uncovered."""
COVER_MARGIN_Y = 0.25
"""Share of a glyph box's height on each side (ascent and descent) a covering shape may leave uncovered."""
MIN_ALPHA = 0.1
"""Fill alpha below which a filled glyph is transparent, hence hidden."""
WATERMARK_SIZE = 36.0
"""Font size (points) from which a glyph too faint to read is counted as a watermark..."""
WATERMARK_CONTRAST = 0.03
"""... as long as it differs from its background this much: faint, not invisible (white on white)."""
_FILL_RENDER_MODES = {0, 2, 4, 6}


def _inside(point: tuple[float, float], outline: Sequence[tuple[float, float]]) -> bool:
    """Even-odd test of a point against a closed polygon."""
    x, y = point
    inside = False
    n = len(outline)
    for i in range(n):
        (ax, ay), (bx, by) = outline[i], outline[(i + 1) % n]
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


HIDDEN_KINDS = (
    "render_mode",
    "tiny",
    "off_page",
    "format",
    "transparent",
    "covered",
    "low_contrast",
    "watermark",
)
"""Why a glyph is hidden, as :func:`hidden_kind` names it; ``format`` characters (zero-width
marks, direction overrides) are part of the text a generator writes, not drawn text."""


def hidden_kind(
    char: dict[str, Any], box: tuple[float, float, float, float], backgrounds: _Backgrounds
) -> str | None:
    """Why a reader cannot see this glyph, or None when it can.

    ``render_mode``: render mode 3 or 7. ``tiny``: smaller than :data:`MIN_FONT_SIZE`.
    ``off_page``: centre outside the visible page box. ``format``: a control or format
    character (zero-width tricks). ``transparent``: filled with an alpha below
    :data:`MIN_ALPHA`. ``covered``: an opaque filled shape or image is painted over it later.
    ``low_contrast``: a color within :data:`MIN_CONTRAST` of what lies behind it (white on
    white, black on a black box); ``watermark`` when such a glyph is at least
    :data:`WATERMARK_SIZE` tall and not quite invisible (a faint "DRAFT" or "Trial" across the page).
    """
    mode = char.get("render_mode") or 0
    if mode in _INVISIBLE_RENDER_MODES:
        return "render_mode"
    size = char.get("size")
    if not isinstance(size, int | float) or not size >= MIN_FONT_SIZE:
        return "tiny"
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    if not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):  # also false for NaN
        return "off_page"
    text = char.get("text") or ""
    if all(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return "format"
    alpha = char.get("fill_alpha", 1.0)
    if mode in _FILL_RENDER_MODES and isinstance(alpha, int | float) and alpha < MIN_ALPHA:
        return "transparent"
    seq = int(char.get("seq") or 0)
    if backgrounds.covered(char, seq):
        return "covered"
    if mode in _STROKE_ONLY_RENDER_MODES:
        color = to_rgb(char.get("stroking_color"))
    else:
        color = to_rgb(char.get("non_stroking_color"), char.get("ncs"))
    if color is None:
        return None  # patterns and exotic spaces: assume the reader sees it
    background = backgrounds.behind(x, y, seq)
    if background is None:
        return None
    contrast = max(abs(a - b) for a, b in zip(color, background, strict=True))
    if contrast < MIN_CONTRAST:
        return "watermark" if size >= WATERMARK_SIZE and contrast >= WATERMARK_CONTRAST else "low_contrast"
    return None


def is_hidden(
    char: dict[str, Any], box: tuple[float, float, float, float], backgrounds: _Backgrounds
) -> bool:
    """Whether a reader cannot see this glyph (:func:`hidden_kind` names why)."""
    return hidden_kind(char, box, backgrounds) is not None


def sort_glyphs(
    chars: Sequence[dict[str, Any]],
    shapes: Sequence[dict[str, Any]],
    box: tuple[float, float, float, float],
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Separates the glyphs a reader sees from the rest, counting the rest by why.

    Args:
        chars: Glyph dicts (text, box, size, colors, ``seq``, ``render_mode``, ``fill_alpha``).
        shapes: Filled shapes (box, ``non_stroking_color``, ``seq``; ``opaque`` and, for a path
            that is no rectangle, ``outline``) and images (``fill`` false), for background
            colors and for what covers a glyph.
        box: The visible page area (x0, top, x1, bottom), top-left origin.

    Returns:
        The visible chars, and how many non-blank chars were hidden, by :data:`HIDDEN_KINDS`.
    """
    backgrounds = _Backgrounds(shapes)
    visible: list[dict[str, Any]] = []
    hidden: Counter[str] = Counter()
    for char in chars:
        kind = hidden_kind(char, box, backgrounds)
        if kind is None:
            visible.append(char)
        elif (char.get("text") or "").strip():
            hidden[kind] += 1
    return visible, hidden


def split_visible(
    chars: Sequence[dict[str, Any]],
    shapes: Sequence[dict[str, Any]],
    box: tuple[float, float, float, float],
) -> tuple[list[dict[str, Any]], int]:
    """:func:`sort_glyphs` with one count: the visible chars, and how many non-blank chars were hidden."""
    visible, hidden = sort_glyphs(chars, shapes, box)
    return visible, sum(hidden.values())


# ---------------------------------------------------------------------------------------------
# Page text.
# ---------------------------------------------------------------------------------------------

MAX_GAP_SPACES = 8
"""Most spaces a horizontal gap becomes; wide gaps keep table columns apart without flooding."""


def build_text(words: Sequence[Sequence[Any]]) -> str:
    """Rebuilds page text as lines in reading order.

    Words whose vertical centres lie within half a line height of a line's centre join that
    line; lines run top to bottom, words left to right, joined by one space or, across a
    gap wider than two average characters, by about one space per character width.

    Args:
        words: ``[text, x0, top, x1, bottom]`` rows.

    Returns:
        The lines joined by newlines.
    """
    lines: list[list[Sequence[Any]]] = []
    centre = height = 0.0
    for word in sorted(words, key=lambda w: ((w[2] + w[4]) / 2, w[1])):
        word_centre, word_height = (word[2] + word[4]) / 2, max(word[4] - word[2], 0.1)
        if lines and abs(word_centre - centre) <= 0.5 * max(height, word_height):
            line = lines[-1]
            line.append(word)
            centre += (word_centre - centre) / len(line)
            height = max(height, word_height)
        else:
            lines.append([word])
            centre, height = word_centre, word_height
    return "\n".join(_render_line(sorted(line, key=lambda w: w[1])) for line in lines)


def _render_line(line: Sequence[Sequence[Any]]) -> str:
    widths = [(w[3] - w[1]) / len(w[0]) for w in line if w[0] and w[3] > w[1]]
    char_width = max(statistics.median(widths), 1.0) if widths else 5.0
    parts = [line[0][0]]
    for previous, word in zip(line, line[1:], strict=False):
        gap = word[1] - previous[3]
        spaces = 1 if gap < 2 * char_width else min(MAX_GAP_SPACES, max(2, round(gap / char_width)))
        parts.append(" " * spaces)
        parts.append(word[0])
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the helper process: ``python -m docai.services.ingest.pdf_worker SOCKET``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        raise SystemExit("usage: python -m docai.services.ingest.pdf_worker SOCKET_PATH")
    serve(args[0])


if __name__ == "__main__":
    main()
