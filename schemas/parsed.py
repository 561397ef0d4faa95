"""What the PDF parser hands to extraction: the visible words of each page."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Word(BaseModel):
    """One visible word with its box in PDF points, origin top-left (pdfplumber's convention)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


class Page(BaseModel):
    number: int = Field(ge=1, description="1-based page number")
    width: float
    height: float
    words: list[Word] = []
    text: str = Field("", description="visible text, lines rebuilt from the words in reading order")
    hidden_chars_by_kind: dict[str, int] = Field(
        default_factory=dict,
        description="non-blank characters on this page a reader cannot see, left out, by why: render_mode, "
        "tiny, off_page, format (zero-width and other format characters), transparent, covered (by an "
        "opaque shape or image painted over them), low_contrast, watermark (faint text of 36 pt or more)",
    )


class EInvoiceXml(BaseModel):
    """An e-invoice's XML as the upload carried it: embedded in the PDF, or uploaded on its own."""

    filename: str = Field(description="the attachment's name in the PDF, or the uploaded file's name")
    xml: str = Field("", description="the XML, re-serialised as text by the sandbox's hardened parser")
    error: str = Field("", description="why the attachment cannot be read (UPPER_SNAKE reason); the page is still read")


class ParsedDocument(BaseModel):
    pages: list[Page]
    hidden_chars_dropped: int = Field(0, description="characters a reader cannot see, never shown to the model")
    hidden_chars_by_kind: dict[str, int] = Field(
        default_factory=dict, description="hidden_chars_dropped by why (the kinds of Page.hidden_chars_by_kind)"
    )
    revisions: int = Field(
        1, ge=1, description="how many times the PDF was saved: more than 1 when incremental updates were appended"
    )
    first_revision_ibans: list[str] | None = Field(
        None,
        description="the IBAN-shaped strings (compact, as printed) that the PDF's first revision shows, when "
        "it has later ones; None when it has none or the first revision could not be read",
    )
    einvoice: EInvoiceXml | None = Field(None, description="the e-invoice XML, when the upload carries one")
    xml_only: bool = Field(
        False, description="the upload was the XML alone: the pages are docai's rendering of its content"
    )

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)
