"""Page images for the review page, rendered with pdfium from the stored file.

An XML-only e-invoice has no page of its own: it is shown as docai's rendering of its content,
made again from the stored XML (the rendering is deterministic, so the boxes still fit).
"""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium

from docai.services.common.errors import InvalidArgumentError, MalformedDocumentError
from docai.services.einvoice.read import read_einvoice
from docai.services.einvoice.render import render_pdf
from docai.services.ingest.documents import load
from docai.services.storage.blobs import BlobStore
from docai.services.storage.database import Database

MAX_DPI = 200
DEFAULT_DPI = 110
# pdfium is not thread-safe; one render at a time.
_PDFIUM = threading.Lock()


class PageRenderer:
    def __init__(self, *, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    def render(self, *, tenant_id: str, document_id: str, page: int, dpi: int = 0) -> tuple[bytes, float, float, int]:
        """Returns (png, width in points, height in points, page count)."""
        with self.db.transaction() as session:
            row = load(session, tenant_id=tenant_id, document_id=document_id)
            digest, xml_only = row.sha256, bool((row.parsed or {}).get("xml_only"))
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
                    raise InvalidArgumentError(f"page must be between 1 and {count}", reason="INVALID_PAGE", field="page")
                handle = pdf[page - 1]
                width, height = handle.get_size()
                image = handle.render(scale=dpi / 72).to_pil()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=False)
                return buffer.getvalue(), width, height, count
            finally:
                pdf.close()
