"""Render an e-invoice's content as a plain, readable PDF.

An XML-only upload has no page to show: the review page shows this one, and the page reader
reads it back. So every value is printed exactly as the extraction holds it (canonical form),
each label beside its value on one line, with English labels a reader recognises. The output
is byte-for-byte the same for the same input (reportlab's invariant mode).

Text is set in DejaVu Sans where the system has it (all European scripts), else in
Helvetica, whose WinAnsi encoding covers Western European text only.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from docai.schemas.invoice import ExtractedField, Extraction, LineItem, TaxDetail
from docai.services.einvoice.read import EInvoice

__all__ = ["render_pdf"]

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_MARGIN = 18 * mm
_WIDTH = A4[0] - 2 * _MARGIN

# (label, field) in the order a reader expects them.
_DETAILS: tuple[tuple[str, str], ...] = (
    ("Invoice number", "invoice_number"),
    ("Invoice date", "invoice_date"),
    ("Due date", "due_date"),
    ("Currency", "currency"),
    ("Purchase order", "purchase_order"),
    ("Seller", "vendor_name"),
    ("Seller address", "vendor_address"),
    ("Seller VAT ID", "vendor_tax_id"),
    ("Buyer", "customer_name"),
    ("Buyer VAT ID", "customer_tax_id"),
    ("Payment terms", "payment_terms"),
    ("IBAN", "iban"),
    ("BIC", "bic"),
)
_TOTALS: tuple[tuple[str, str], ...] = (
    ("Net total", "total_net"),
    ("VAT total", "total_tax"),
    ("Gross total", "total_gross"),
    ("Amount due", "amount_due"),
)
# (heading, field, right-aligned) of the line-item table; VAT % only when a line states it.
_LINE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("Description", "description", False),
    ("Quantity", "quantity", True),
    ("Unit", "unit", False),
    ("Unit price", "unit_price", True),
    ("VAT %", "tax_rate", True),
    ("Amount", "amount", True),
)
_TAX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("VAT rate %", "rate"),
    ("Taxable amount", "base"),
    ("VAT amount", "amount"),
)


def render_pdf(einvoice: EInvoice) -> bytes:
    """A PDF of the e-invoice's fields, line items, VAT breakdown and totals.

    Args:
        einvoice: What :func:`~docai.services.einvoice.read.read_einvoice` read.

    Returns:
        The PDF, one page or more; the same bytes for the same input.
    """
    regular, bold = _fonts()
    extraction = einvoice.extraction
    buffer = io.BytesIO()
    title = _title(extraction)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN + 6 * mm,
        title=title,
        author="docai",
        invariant=1,
    )
    footer = f"Rendered by docai from {einvoice.flavor} XML ({einvoice.profile or 'no profile stated'})"

    def draw_footer(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        canvas.setFont(regular, 7)
        canvas.drawString(_MARGIN, _MARGIN, footer)

    text = ParagraphStyle("text", fontName=regular, fontSize=9, leading=11)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)
    story: list[Flowable] = [
        Paragraph(escape(title), ParagraphStyle("title", fontName=bold, fontSize=16, leading=20)),
        Spacer(1, 4 * mm),
        *_labelled(extraction, _DETAILS, text, bold),
        *_line_table(extraction.line_items, text, bold, heading),
        *_tax_table(extraction.tax_details, text, bold, heading),
        *_labelled(extraction, _TOTALS, text, bold, heading=Paragraph("Totals", heading)),
    ]
    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()


@functools.cache
def _fonts() -> tuple[str, str]:
    """Regular and bold font names, registered once."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


def _title(extraction: Extraction) -> str:
    kind = "Credit note" if extraction.value("document_type") == "credit_note" else "Invoice"
    number = extraction.value("invoice_number")
    return f"{kind} {number}" if number else kind


def _labelled(
    extraction: Extraction,
    rows: Sequence[tuple[str, str]],
    text: ParagraphStyle,
    bold: str,
    *,
    heading: Paragraph | None = None,
) -> list[Flowable]:
    """A two-column table, label then value, of the fields the extraction has."""
    data = [
        [label, Paragraph(escape(value), text)] for label, name in rows if (value := extraction.value(name)) is not None
    ]
    if not data:
        return []
    table = Table(data, colWidths=[40 * mm, _WIDTH - 40 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), bold, 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [heading, table] if heading is not None else [table]


def _line_table(items: Sequence[LineItem], text: ParagraphStyle, bold: str, heading: ParagraphStyle) -> list[Flowable]:
    if not items:
        return []
    with_rate = any("tax_rate" in item.fields for item in items)
    columns = [column for column in _LINE_COLUMNS if column[1] != "tax_rate" or with_rate]
    rows = [
        [
            # Descriptions wrap; numbers and codes stay on one line.
            Paragraph(escape(_plain(item.fields.get(name))), text)
            if name == "description"
            else _plain(item.fields.get(name))
            for _, name, _ in columns
        ]
        for item in items
    ]
    numeric = 22 * mm
    widths = [_WIDTH - numeric * (len(columns) - 1)] + [numeric] * (len(columns) - 1)
    table = _grid([column[0] for column in columns], rows, widths, [column[2] for column in columns], bold, text)
    return [Paragraph("Line items", heading), table]


def _tax_table(taxes: Sequence[TaxDetail], text: ParagraphStyle, bold: str, heading: ParagraphStyle) -> list[Flowable]:
    if not taxes:
        return []
    rows = [[_plain(tax.fields.get(name)) for _, name in _TAX_COLUMNS] for tax in taxes]
    headings = [column[0] for column in _TAX_COLUMNS]
    table = _grid(headings, rows, [35 * mm] * len(headings), [True] * len(headings), bold, text)
    return [Paragraph("VAT breakdown", heading), table]


def _grid(
    headings: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    right: Sequence[bool],
    bold: str,
    text: ParagraphStyle,
) -> Table:
    table = Table([list(headings), *[list(row) for row in rows]], colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), bold, 9),
        ("FONT", (0, 1), (-1, -1), text.fontName, 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i, flag in enumerate(right) if flag]
    table.setStyle(TableStyle(style))
    return table


def _plain(field: ExtractedField | None) -> str:
    return field.value if field is not None else ""
