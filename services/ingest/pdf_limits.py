"""Limits for parsing untrusted uploads, and the wire format that carries them to the worker.

The parent (``pdf_parse``) and the sandbox helper (``pdf_worker``) talk over a Unix socket in
length-prefixed frames of JSON or raw bytes. A request is a JSON header
``{"kind": "pdf" | "xml", "limits": {...}}`` (see :func:`request_header`) and the upload's
bytes; the kind says what the child parses (a PDF, or an e-invoice XML uploaded on its own).
Only JSON ever comes back from the sandbox, never a pickle: what a compromised parser can send
is data, not code.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import struct
from dataclasses import dataclass
from typing import Any

_FRAME_HEADER = struct.Struct(">Q")

REQUEST_KINDS = ("pdf", "xml")
"""What the sandbox can be asked to parse: a PDF, or an e-invoice XML uploaded on its own."""
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))

# How the parse child reports an outcome the monitor cannot carry as JSON.
EXIT_NO_MEMORY = 86
"""Exit status of a parse child that ran out of memory under its RLIMIT_AS."""


@dataclass(frozen=True)
class ParseLimits:
    """What one parse of an untrusted PDF may cost.

    The byte cap is checked in the calling process; the others bind inside the sandbox.
    """

    max_bytes: int = 20 * 1024 * 1024
    """Largest upload accepted, in bytes."""
    max_pages: int = 50
    """More pages than this is refused (``TooManyPagesError``)."""
    max_decompressed_bytes: int = 200 * 1024 * 1024
    """Total output of all stream filters (Flate, LZW, RunLength) in one document."""
    max_glyphs_per_page: int = 50_000
    """Characters drawn on one page, counted while the content stream runs."""
    memory_bytes: int = 1024 * 1024 * 1024
    """Address-space limit (RLIMIT_AS) of the parse child."""
    cpu_seconds: int = 20
    """CPU-time limit (RLIMIT_CPU) of the parse child."""
    wall_seconds: float = 15.0
    """Wall-clock limit of one parse; the child is killed when it runs out."""

    def to_json(self) -> dict[str, Any]:
        """Returns the limits as a JSON-able dict (the sandbox's request header)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ParseLimits:
        """Builds limits from :meth:`to_json` output, ignoring unknown keys."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in raw.items() if key in names})


def request_header(kind: str, limits: ParseLimits) -> dict[str, Any]:
    """The JSON header of a sandbox request: what to parse, under which limits."""
    if kind not in REQUEST_KINDS:
        raise ValueError(f"unknown request kind {kind!r}")
    return {"kind": kind, "limits": limits.to_json()}


def read_request_header(raw: bytes) -> tuple[str, ParseLimits]:
    """Reads :func:`request_header` output back.

    Raises:
        ValueError: Not JSON, or an unknown kind (the helper then drops the connection).
    """
    header = json.loads(raw)
    kind = header.get("kind") if isinstance(header, dict) else None
    if kind not in REQUEST_KINDS or not isinstance(header.get("limits"), dict):
        raise ValueError("bad sandbox request header")
    return kind, ParseLimits.from_json(header["limits"])


def looks_like_xml(head: bytes) -> bool:
    """Whether bytes start like XML: ``<`` after an optional byte-order mark and whitespace.

    Both sides use it: the parent to sniff an upload without a content type, the sandbox to
    tell an embedded XML from, say, a PNG named ``factur-x.xml``.
    """
    text = head[:1024].decode("latin-1")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            text = head[len(bom) : 1024].decode(encoding, errors="ignore")
            break
    return text.lstrip(" \t\r\n").startswith("<")


def send_frame(sock: socket.socket, payload: bytes) -> None:
    """Sends one length-prefixed frame."""
    sock.sendall(_FRAME_HEADER.pack(len(payload)))
    sock.sendall(payload)


def recv_frame(sock: socket.socket, *, max_size: int) -> bytes:
    """Receives one length-prefixed frame.

    Raises:
        ConnectionError: The peer closed the socket early or announced a frame over ``max_size``.
    """
    (size,) = _FRAME_HEADER.unpack(_recv_exact(sock, _FRAME_HEADER.size))
    if size > max_size:
        raise ConnectionError(f"frame of {size} bytes exceeds {max_size}")
    return _recv_exact(sock, size)


def send_json(sock: socket.socket, value: Any) -> None:
    """Sends one JSON frame."""
    send_frame(sock, json.dumps(value, separators=(",", ":")).encode())


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise ConnectionError("peer closed the connection")
        got += n
    return bytes(buf)
