"""Hardened pdfminer: stream decoders that are linear and capped, and bounded reference lookups.

Runs only inside the sandbox child (``pdf_worker``), which calls :func:`install_pdfminer_guards`
once: pdfminer's Flate, LZW and RunLength decoders are swapped for ones that decode in linear
time and draw every byte they produce from one per-document :data:`BUDGET`, so a decompression
bomb ends the parse with a domain error instead of eating the memory limit. :func:`resolve`
follows indirect references a bounded number of hops (pdfminer's ``resolve1`` loops forever on
a reference to itself). :class:`Refused` is how any part of the parse (budget, glyph and page
caps) ends it with a named domain error.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

import pdfminer.pdftypes
from pdfminer.lzw import LZWDecoder
from pdfminer.pdftypes import PDFObjRef


class Refused(Exception):
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
            raise Refused("DecompressionBombError", max_decompressed_bytes=self.limit)

    def give_back(self, n: int) -> None:
        self.remaining += n

    @contextlib.contextmanager
    def limited(self, cap: int) -> Iterator[None]:
        """Lets the block decode at most ``cap`` of the remaining bytes.

        Running out inside raises ``Refused`` there but leaves the document's budget as it
        was less what the block used: an oversized attachment must not fail the page parse.
        """
        outer, was_exceeded = self.remaining, self.exceeded
        granted = self.remaining = max(0, min(cap, outer))
        try:
            yield
        finally:
            self.remaining = outer - (granted - max(self.remaining, 0))
            self.exceeded = was_exceeded


BUDGET = _DecodeBudget()
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
            BUDGET.give_back(sum(len(piece) for piece in out[mark:]))
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
            BUDGET.take(len(piece))
            out.append(piece)
        pending = decoder.unconsumed_tail
        if not pending and len(piece) < _INFLATE_STEP:
            return


def _lzw_decode(data: bytes) -> bytes:
    out: list[bytes] = []
    for piece in LZWDecoder(io.BytesIO(data)).run():
        BUDGET.take(len(piece))
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
        BUDGET.take(len(piece))
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


_MAX_REF_HOPS = 16


def resolve(obj: object) -> Any:
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
