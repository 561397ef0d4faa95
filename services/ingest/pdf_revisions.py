"""Revisions of a PDF (incremental updates), read inside the sandbox child.

An invoice edited after it was issued often keeps its first version in the file: editors,
form fillers and signers append a revision instead of rewriting. :func:`revision_ends` counts
the revisions; :func:`first_revision_ibans` reads the first one (visible text only, same caps,
on what is left of the time and decode budget) for the IBANs it showed, so a bank account
changed by a later update can be flagged.
"""

from __future__ import annotations

import re
import time

from pdfminer.pdfinterp import PDFResourceManager

from docai.services.extraction.lookalikes import iban_like
from docai.services.ingest.pdf_decoders import BUDGET
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.ingest.pdf_page import build_text, open_document, page_list, read_page

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


def first_revision_ibans(prefix: bytes, limits: ParseLimits, *, deadline: float) -> list[str] | None:
    """The IBAN-shaped strings the first revision shows, compact; None when it cannot be read.

    Read like the whole file (visible glyphs only, same caps), but with what is left of the
    decode budget and until ``deadline``; nothing it raises fails the parse of the document.
    """
    if time.monotonic() > deadline:
        return None
    found: list[str] = []
    try:
        with BUDGET.limited(BUDGET.remaining):
            document = open_document(prefix)
            rsrcmgr = PDFResourceManager()
            for number, page_obj in enumerate(page_list(document, limits), start=1):
                words, _, _ = read_page(rsrcmgr, page_obj, number, limits, deadline=deadline)
                found += [iban.raw for iban in iban_like(build_text(words))]
                if time.monotonic() > deadline:
                    return None
    except MemoryError:
        return None
    except Exception:  # noqa: BLE001 - a first revision that cannot be read is only not compared
        return None
    return list(dict.fromkeys(found))[:_MAX_FIRST_REVISION_IBANS]
