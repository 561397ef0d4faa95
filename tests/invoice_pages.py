"""Hand-made parsed invoice pages on which the reader has questions to ask (for dataset and job tests)."""

from __future__ import annotations

from docai.schemas.parsed import Page, ParsedDocument, Word


def invoice_page(vendor: str, number: str, *, customer: str = "Acme Ltd") -> ParsedDocument:
    """A page with two party names (vendor first), a labelled invoice number and a bare "Nr." beside it."""
    words: list[Word] = []
    for x, top, text in (
        (50, 40, vendor),
        (50, 60, customer),
        (300, 40, f"Invoice No. {number}"),
        (300, 60, "Nr. 4711"),
    ):
        for token in text.split():
            words.append(Word(text=token, x0=x, top=top, x1=x + 6 * len(token), bottom=top + 9))
            x += 6 * (len(token) + 1)
    text = f"{vendor}    Invoice No. {number}\n{customer}    Nr. 4711"
    return ParsedDocument(pages=[Page(number=1, width=595, height=842, words=words, text=text)])
