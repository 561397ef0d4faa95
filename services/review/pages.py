"""Page images for the review page, rendered with pdfium from the stored file, with the page's words.

An XML-only e-invoice has no page of its own: it is shown as docai's rendering of its content,
made again from the stored XML (the rendering is deterministic, so the boxes still fit).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium

from docai.schemas.parsed import Page, Word
from docai.services.common.errors import InvalidArgumentError, MalformedDocumentError
from docai.services.documents.store import load
from docai.services.einvoice.read import read_einvoice
from docai.services.einvoice.render import render_pdf
from docai.services.storage.blobs import BlobStore
from docai.services.storage.database import Database

MAX_DPI = 200
DEFAULT_DPI = 110
# pdfium is not thread-safe; one render at a time.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class RenderedPage:
    png: bytes
    width: float  # points
    height: float
    page_count: int
    words: list[Word] = field(default_factory=list)  # the visible words as parsing read them, boxes in points


def _words(parsed: dict[str, Any] | None, page: int) -> list[Word]:
    """The visible words of one page of the stored parsed document (hidden text was left out when parsing)."""
    raw = next((p for p in (parsed or {}).get("pages") or [] if isinstance(p, dict) and p.get("number") == page), None)
    return list(Page.model_validate(raw).words) if raw is not None else []  # that page only, not the whole document


class PageRenderer:
    def __init__(self, *, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    def render(self, *, tenant_id: str, document_id: str, page: int, dpi: int = 0) -> RenderedPage:
        """The page as a PNG, its size in points, the document's page count and the page's words."""
        with self.db.transaction() as session:
            row = load(session, tenant_id=tenant_id, document_id=document_id)
            digest, xml_only = row.sha256, bool((row.parsed or {}).get("xml_only"))
            words = _words(row.parsed, page)
        dpi = min(dpi or DEFAULT_DPI, MAX_DPI)
        data = self.blobs.get(digest)
        if xml_only:  # the upload was the XML alone: show the rendering its pages were read from
            data = render_pdf(read_einvoice(data))
        with _PDFIUM:
            try:
                pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                raise MalformedDocumentError("the document cannot be rendered") from exc
            try:
                count = len(pdf)
                if not 1 <= page <= count:
                    raise InvalidArgumentError(
                        f"page must be between 1 and {count}", reason="INVALID_PAGE", field="page"
                    )
                handle = pdf[page - 1]
                width, height = handle.get_size()
                image = handle.render(scale=dpi / 72).to_pil()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=False)
                return RenderedPage(png=buffer.getvalue(), width=width, height=height, page_count=count, words=words)
            finally:
                pdf.close()
