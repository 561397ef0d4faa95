"""Invoice layouts for the synthetic generator, and the reportlab renderer that draws them.

A layout is a frozen ``LayoutSpec`` of style knobs (where the vendor block sits, how the table is
ruled, how totals and bank details are shown, which label spelling is used). The builder in
``synthetic.py`` turns an invoice into a ``PrintedInvoice`` (every string exactly as printed); the
renderer here only places those strings, so the ground truth and the page cannot drift apart.

Drawing is recorded per page first and replayed onto the canvas afterwards, so "Page i of n"
is known while drawing and tables can break across pages with their header repeated.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Literal

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

RGB = tuple[float, float, float]
BLACK: RGB = (0.0, 0.0, 0.0)
GREY: RGB = (0.35, 0.35, 0.35)
RULE: RGB = (0.6, 0.6, 0.6)
WHITE: RGB = (1.0, 1.0, 1.0)

# Base column widths in points; "desc" takes what is left.
COLUMN_WIDTHS: dict[str, float] = {
    "pos": 28,
    "code": 58,
    "qty": 38,
    "unit": 40,
    "qty_unit": 62,
    "price": 66,
    "tax": 40,
    "amount": 70,
}
NUMERIC_COLUMNS = frozenset({"qty", "qty_unit", "price", "tax", "amount", "pos"})


@dataclass(frozen=True)
class LayoutSpec:
    """The style knobs of one invoice layout."""

    name: str
    font: Literal["Helvetica", "Times", "Courier"] = "Helvetica"
    accent: RGB = (0.13, 0.25, 0.45)
    vendor_block: Literal["left", "right", "center", "side"] = "left"
    title_align: Literal["left", "right", "center"] = "right"
    sender_line: bool = False
    customer_side: Literal["left", "right"] = "left"
    meta_style: Literal["box", "list", "row", "inline"] = "box"
    table_rules: Literal["grid", "header", "zebra", "none", "box"] = "header"
    header_fill: bool = False
    columns: tuple[str, ...] = ("pos", "desc", "qty", "unit", "price", "amount")
    totals_style: Literal["lines", "box", "band"] = "lines"
    tax_style: Literal["lines", "table"] = "lines"
    bank_pos: Literal["footer", "block", "side"] = "footer"
    taxid_pos: Literal["header", "footer", "meta"] = "footer"
    label_variant: int = 0
    currency_style: Literal["code", "symbol", "header"] = "code"
    iban_grouped: bool = True
    show_amount_due: bool = True
    page: Literal["A4", "LETTER"] = "A4"
    logo: Literal["none", "box", "circle", "bar"] = "none"
    intro: bool = False
    address_sep: str = ", "
    spaced_rate: bool = True
    label_colon: bool = True
    font_size: float = 9.0
    # A labelled list instead of a designed page (see ``_Renderer._form``).
    form: bool = False
    # At a page break, a "carried forward" row under the table and a "brought forward" row at the
    # top of the next page, both with the running sum of the amounts so far.
    carry_forward: bool = False


_NAVY, _TEAL, _WINE, _GREEN, _GREY, _ORANGE, _PURPLE, _BLACK = (
    (0.13, 0.25, 0.45),
    (0.0, 0.45, 0.47),
    (0.5, 0.1, 0.2),
    (0.15, 0.42, 0.2),
    (0.3, 0.3, 0.3),
    (0.8, 0.38, 0.05),
    (0.35, 0.2, 0.5),
    (0.0, 0.0, 0.0),
)

LAYOUTS: tuple[LayoutSpec, ...] = (
    LayoutSpec("classic", logo="box", table_rules="grid", header_fill=True),
    LayoutSpec(
        "din5008",
        vendor_block="right",
        title_align="left",
        sender_line=True,
        meta_style="list",
        columns=("pos", "code", "desc", "qty", "unit", "price", "amount"),
        show_amount_due=False,
        label_variant=1,
        intro=True,
        accent=_GREY,
    ),
    LayoutSpec(
        "modern_band",
        accent=_TEAL,
        vendor_block="center",
        title_align="left",
        meta_style="row",
        table_rules="zebra",
        columns=("desc", "qty", "price", "amount"),
        totals_style="band",
        tax_style="table",
        bank_pos="block",
        taxid_pos="header",
        label_variant=2,
        currency_style="symbol",
        iban_grouped=False,
        logo="bar",
        address_sep=" · ",
        spaced_rate=False,
    ),
    LayoutSpec(
        "sidebar",
        accent=_WINE,
        vendor_block="side",
        title_align="left",
        meta_style="list",
        table_rules="box",
        columns=("desc", "qty", "price", "amount"),
        totals_style="box",
        bank_pos="side",
        taxid_pos="header",
        label_variant=3,
    ),
    LayoutSpec(
        "times_formal",
        font="Times",
        accent=_BLACK,
        vendor_block="center",
        title_align="center",
        table_rules="grid",
        columns=("pos", "desc", "qty", "unit", "price", "tax", "amount"),
        tax_style="table",
        bank_pos="block",
        taxid_pos="meta",
        currency_style="header",
    ),
    LayoutSpec(
        "courier_legacy",
        font="Courier",
        accent=_BLACK,
        meta_style="list",
        table_rules="none",
        columns=("pos", "code", "desc", "qty", "price", "amount"),
        bank_pos="block",
        taxid_pos="header",
        label_variant=1,
        iban_grouped=False,
        show_amount_due=False,
        font_size=8.0,
        label_colon=False,
    ),
    LayoutSpec(
        "minimal_right",
        accent=_GREEN,
        vendor_block="right",
        title_align="left",
        meta_style="inline",
        columns=("desc", "qty_unit", "price", "amount"),
        label_variant=2,
        currency_style="symbol",
        logo="circle",
        spaced_rate=False,
    ),
    LayoutSpec(
        "grid_tax_column",
        accent=_PURPLE,
        title_align="center",
        customer_side="right",
        table_rules="grid",
        header_fill=True,
        columns=("pos", "desc", "qty", "unit", "price", "tax", "amount"),
        totals_style="box",
        tax_style="table",
        taxid_pos="meta",
        label_variant=3,
    ),
    LayoutSpec(
        "letter_us",
        page="LETTER",
        logo="circle",
        table_rules="zebra",
        columns=("code", "desc", "qty", "price", "amount"),
        totals_style="band",
        bank_pos="block",
        taxid_pos="header",
        label_variant=1,
        currency_style="symbol",
        iban_grouped=False,
        spaced_rate=False,
    ),
    LayoutSpec(
        "side_times",
        font="Times",
        accent=_NAVY,
        vendor_block="side",
        title_align="right",
        meta_style="box",
        table_rules="header",
        columns=("desc", "qty", "unit", "price", "amount"),
        tax_style="table",
        bank_pos="side",
        taxid_pos="meta",
        label_variant=2,
        currency_style="header",
    ),
    LayoutSpec(
        "centered_rows",
        title_align="center",
        meta_style="row",
        table_rules="grid",
        columns=("pos", "desc", "qty", "unit", "price", "amount"),
        accent=_ORANGE,
        logo="bar",
        label_variant=0,
        iban_grouped=False,
    ),
    LayoutSpec(
        "right_box_zebra",
        vendor_block="right",
        title_align="left",
        customer_side="left",
        meta_style="box",
        table_rules="zebra",
        header_fill=True,
        columns=("pos", "code", "desc", "qty_unit", "price", "amount"),
        totals_style="box",
        bank_pos="block",
        label_variant=1,
        currency_style="symbol",
        accent=_TEAL,
    ),
    LayoutSpec(
        "din_tax_table",
        vendor_block="right",
        title_align="left",
        sender_line=True,
        meta_style="box",
        columns=("pos", "desc", "qty", "unit", "price", "tax", "amount"),
        tax_style="table",
        label_variant=0,
        intro=True,
        accent=_NAVY,
        spaced_rate=True,
    ),
    LayoutSpec(
        "plain_times",
        font="Times",
        accent=_BLACK,
        title_align="right",
        meta_style="inline",
        table_rules="none",
        columns=("desc", "qty", "price", "amount"),
        bank_pos="block",
        taxid_pos="footer",
        label_variant=3,
        show_amount_due=False,
        currency_style="code",
    ),
    LayoutSpec(
        "band_grid",
        accent=_WINE,
        vendor_block="center",
        title_align="right",
        customer_side="right",
        meta_style="list",
        table_rules="grid",
        header_fill=True,
        columns=("pos", "code", "desc", "qty", "unit", "price", "amount"),
        totals_style="band",
        taxid_pos="header",
        label_variant=1,
        iban_grouped=True,
        logo="bar",
    ),
    LayoutSpec(
        "side_zebra_code",
        accent=_GREEN,
        vendor_block="side",
        title_align="left",
        meta_style="inline",
        table_rules="zebra",
        columns=("code", "desc", "qty", "amount"),
        totals_style="lines",
        bank_pos="side",
        taxid_pos="header",
        label_variant=0,
        currency_style="symbol",
        spaced_rate=False,
    ),
    LayoutSpec(
        "letter_grid",
        page="LETTER",
        accent=_NAVY,
        title_align="center",
        meta_style="row",
        table_rules="grid",
        columns=("desc", "qty", "unit", "price", "tax", "amount"),
        tax_style="table",
        bank_pos="footer",
        taxid_pos="meta",
        label_variant=2,
        logo="box",
    ),
    LayoutSpec(
        "courier_box",
        font="Courier",
        accent=_GREY,
        vendor_block="right",
        title_align="left",
        meta_style="box",
        table_rules="box",
        columns=("pos", "desc", "qty", "price", "amount"),
        totals_style="box",
        bank_pos="footer",
        label_variant=3,
        iban_grouped=True,
        font_size=8.0,
    ),
    LayoutSpec(
        "orange_inline",
        accent=_ORANGE,
        logo="circle",
        meta_style="inline",
        customer_side="left",
        table_rules="header",
        header_fill=True,
        columns=("pos", "desc", "qty_unit", "price", "tax", "amount"),
        totals_style="band",
        tax_style="lines",
        bank_pos="block",
        taxid_pos="header",
        label_variant=1,
        currency_style="header",
        address_sep=" · ",
    ),
    LayoutSpec(
        "purple_rows",
        accent=_PURPLE,
        vendor_block="center",
        title_align="left",
        meta_style="row",
        table_rules="box",
        columns=("pos", "code", "desc", "qty", "unit", "price", "amount"),
        totals_style="lines",
        tax_style="table",
        bank_pos="footer",
        taxid_pos="footer",
        label_variant=0,
        currency_style="code",
        iban_grouped=False,
        label_colon=False,
    ),
    LayoutSpec(
        "times_right_zebra",
        font="Times",
        accent=_TEAL,
        vendor_block="right",
        title_align="left",
        sender_line=True,
        meta_style="list",
        table_rules="zebra",
        columns=("pos", "desc", "qty", "unit", "price", "amount"),
        totals_style="box",
        bank_pos="footer",
        taxid_pos="footer",
        label_variant=2,
        intro=True,
    ),
    LayoutSpec(
        "side_grid_tax",
        accent=_GREY,
        vendor_block="side",
        title_align="right",
        meta_style="list",
        table_rules="grid",
        columns=("desc", "qty", "tax", "amount"),
        tax_style="table",
        bank_pos="side",
        taxid_pos="meta",
        label_variant=1,
        currency_style="code",
    ),
    LayoutSpec(
        "compact_code",
        accent=_NAVY,
        title_align="right",
        customer_side="right",
        meta_style="list",
        table_rules="header",
        columns=("code", "desc", "qty", "unit", "price", "tax", "amount"),
        totals_style="lines",
        tax_style="lines",
        bank_pos="footer",
        taxid_pos="meta",
        label_variant=3,
        currency_style="symbol",
        font_size=8.5,
        logo="box",
    ),
    LayoutSpec(
        "letter_plain",
        page="LETTER",
        font="Times",
        accent=_BLACK,
        vendor_block="center",
        title_align="center",
        meta_style="box",
        table_rules="header",
        columns=("desc", "qty_unit", "price", "amount"),
        totals_style="lines",
        bank_pos="block",
        taxid_pos="header",
        label_variant=0,
        currency_style="code",
        show_amount_due=True,
    ),
    LayoutSpec(
        "e_invoice_view",
        accent=_GREY,
        title_align="left",
        meta_style="list",
        table_rules="header",
        columns=("pos", "desc", "price", "qty_unit", "tax", "amount"),
        tax_style="table",
        bank_pos="block",
        taxid_pos="header",
        label_variant=1,
        currency_style="header",
        iban_grouped=False,
        form=True,
    ),
    LayoutSpec(
        "e_invoice_view_serif",
        font="Times",
        accent=_NAVY,
        title_align="left",
        meta_style="list",
        table_rules="grid",
        columns=("pos", "code", "desc", "qty", "unit", "price", "amount"),
        tax_style="lines",
        bank_pos="block",
        taxid_pos="header",
        label_variant=2,
        currency_style="code",
        form=True,
        label_colon=False,
    ),
    # Layouts added since the first version: vendors on the original path never draw these.
    LayoutSpec(
        "din_carry_forward",
        vendor_block="right",
        title_align="left",
        sender_line=True,
        meta_style="box",
        table_rules="grid",
        columns=("pos", "code", "desc", "qty", "unit", "price", "amount"),
        tax_style="table",
        label_variant=2,
        intro=True,
        accent=_NAVY,
        carry_forward=True,
    ),
    LayoutSpec(
        "ledger_rows_carry",
        font="Times",
        accent=_WINE,
        title_align="right",
        meta_style="row",
        table_rules="zebra",
        columns=("pos", "desc", "qty_unit", "price", "tax", "amount"),
        totals_style="box",
        bank_pos="block",
        taxid_pos="header",
        label_variant=3,
        currency_style="symbol",
        carry_forward=True,
    ),
)
# Vendors drawn the first version's way pick among its layouts only, so their seeds keep their
# output; layouts added since are at the end of LAYOUTS.
ORIGINAL_LAYOUT_COUNT = 26


@dataclass
class TotalRow:
    """One line of the totals block."""

    label: str
    value: str
    strong: bool = False


@dataclass
class PrintedInvoice:
    """Every string of one invoice exactly as printed, grouped by block."""

    title: str
    vendor_name: str
    vendor_address: list[str]
    vendor_contact: list[str]
    vendor_ids: list[str]
    sender_line: str
    customer_heading: str
    customer_name: str
    customer_lines: list[str]
    customer_extra: list[str]
    meta: list[tuple[str, str]]
    intro: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, str]]
    totals: list[TotalRow]
    tax_table: tuple[tuple[str, str, str], list[tuple[str, str, str]]] | None
    notes: list[str]
    bank_heading: str
    bank_lines: list[str]
    footer_columns: list[list[str]]
    page_label: str
    continuation: str
    hidden_text: str | None = None
    # Form layouts only: the viewer's banner, then "label: value" lines, and the form's own labels.
    banner: list[str] = field(default_factory=list)
    form_labels: dict[str, str] = field(default_factory=dict)
    ops_hint: dict[str, object] = field(default_factory=dict)
    # Carry-forward layouts only: the ("carried forward", "brought forward") labels.
    carry_labels: tuple[str, str] = ("", "")
    # Break column heads that would print below 7 pt onto two lines (vendors with their own labels).
    wrap_headers: bool = False


def fonts(spec: LayoutSpec) -> tuple[str, str]:
    """The (regular, bold) font names of a layout."""
    return {
        "Helvetica": ("Helvetica", "Helvetica-Bold"),
        "Times": ("Times-Roman", "Times-Bold"),
        "Courier": ("Courier", "Courier-Bold"),
    }[spec.font]


def page_size(spec: LayoutSpec) -> tuple[float, float]:
    """Page width and height in points."""
    width, height = LETTER if spec.page == "LETTER" else A4
    return float(width), float(height)


def content_box(spec: LayoutSpec) -> tuple[float, float]:
    """Left and right x of the main content column."""
    width, _ = page_size(spec)
    if spec.vendor_block == "side":
        return 200.0, width - 40.0
    return 50.0, width - 50.0


def column_layout(spec: LayoutSpec) -> list[tuple[str, float, float]]:
    """(key, x0, x1) of each table column; raises when the description column would be too narrow."""
    x0, x1 = content_box(spec)
    fixed = sum(COLUMN_WIDTHS[key] for key in spec.columns if key != "desc")
    desc_width = (x1 - x0) - fixed
    if desc_width < 120:
        raise ValueError(f"layout {spec.name!r}: description column only {desc_width:.0f} pt wide")
    out: list[tuple[str, float, float]] = []
    x = x0
    for key in spec.columns:
        width = desc_width if key == "desc" else COLUMN_WIDTHS[key]
        out.append((key, x, x + width))
        x += width
    return out


def _tint(color: RGB, amount: float = 0.12) -> RGB:
    return (1 - (1 - color[0]) * amount, 1 - (1 - color[1]) * amount, 1 - (1 - color[2]) * amount)


def _fit(text: str, font: str, size: float, max_width: float, *, min_size: float = 5.5) -> float:
    """The largest size not above ``size`` at which ``text`` fits ``max_width``."""
    width = float(stringWidth(text, font, size))
    if width <= max_width:
        return size
    return max(min_size, size * max_width / width)


Op = tuple[Any, ...]


class _Renderer:
    """Lays an invoice out page by page, recording drawing operations."""

    def __init__(self, doc: PrintedInvoice, spec: LayoutSpec) -> None:
        self.doc = doc
        self.spec = spec
        self.width, self.height = page_size(spec)
        self.x0, self.x1 = content_box(spec)
        self.regular, self.bold = fonts(spec)
        self.size = spec.font_size
        self.pages: list[list[Op]] = [[]]
        has_footer = bool(doc.footer_columns)
        self.bottom = self.height - (100.0 if has_footer else 45.0)
        self.y = 0.0

    # -- primitive recording (y is measured from the top of the page) --------------------------

    def text(
        self,
        x: float,
        y: float,
        s: str,
        *,
        bold: bool = False,
        size: float | None = None,
        align: str = "left",
        color: RGB = BLACK,
        font: str | None = None,
    ) -> None:
        if s:
            name = font or (self.bold if bold else self.regular)
            self.pages[-1].append(("text", x, y, s, name, size or self.size, align, color))

    def line(
        self, x0: float, y0: float, x1: float, y1: float, *, width: float = 0.5, color: RGB = RULE
    ) -> None:
        self.pages[-1].append(("line", x0, y0, x1, y1, width, color))

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: RGB | None = None,
        stroke: RGB | None = None,
        width: float = 0.5,
    ) -> None:
        self.pages[-1].append(("rect", x, y, w, h, fill, stroke, width))

    def new_page(self) -> None:
        self.pages.append([])
        self._page_chrome()
        self._continuation_header()

    # -- blocks -------------------------------------------------------------------------------

    def run(self) -> list[list[Op]]:
        if self.spec.form:
            return self._form()
        self._page_chrome()
        self._first_page_header()
        self._parties()
        if self.doc.intro:
            self._paragraph(self.doc.intro)
            self.y += 4
        self._table()
        self._totals()
        self._closing()
        return self.pages

    def _page_chrome(self) -> None:
        """What every page has: the side bar, the accent bar."""
        spec, doc = self.spec, self.doc
        if spec.logo == "bar":
            self.rect(0, 0, self.width, 12, fill=spec.accent)
        if spec.vendor_block == "side":
            self.rect(0, 0, 178, self.height, fill=_tint(spec.accent, 0.1))
            y = 60.0
            name_lines = simpleSplit(doc.vendor_name, self.bold, 12, 140)
            for line in name_lines:
                self.text(22, y, line, bold=True, size=12, color=spec.accent)
                y += 14
            y += 4
            for line in doc.vendor_address + [""] + doc.vendor_contact + doc.vendor_ids:
                y = self._side_line(y, line)
            if spec.bank_pos == "side" and doc.bank_lines:
                y += 12
                self.text(22, y, doc.bank_heading, bold=True, size=8, color=spec.accent)
                y += 11
                for line in doc.bank_lines:
                    y = self._side_line(y, line)

    def _side_line(self, y: float, line: str) -> float:
        """One side-bar line; "Label: value" that is too wide goes on two lines, never breaking the value."""
        if stringWidth(line, self.regular, 8) > 140 and ": " in line:
            label, value = line.split(": ", 1)
            self.text(22, y, f"{label}:", size=8)
            line, y = value, y + 10.5
        self.text(22, y, line, size=_fit(line, self.regular, 8, 140))
        return y + 10.5

    def _continuation_header(self) -> None:
        if self.spec.form:
            self.text(self.x0, 40, self.doc.banner[0], size=8, color=GREY)
            self.text(self.x0, 52, self.doc.continuation, size=8, color=GREY)
            self.y = 62.0
            return
        if self.spec.vendor_block == "side":
            self.text(self.x0, 40, self.doc.continuation, size=self.size, color=GREY)
        else:
            self.text(self.x0, 40, self.doc.vendor_name, bold=True, size=10)
            self.text(self.x1, 40, self.doc.continuation, size=self.size, align="right", color=GREY)
        self.line(self.x0, 48, self.x1, 48, color=self.spec.accent)
        self.y = 66.0

    def _title(self, x: float, y: float, align: str) -> None:
        size = 16.0 if self.spec.font == "Courier" else 20.0
        self.text(x, y, self.doc.title, bold=True, size=size, align=align, color=self.spec.accent)

    def _first_page_header(self) -> None:
        spec, doc = self.spec, self.doc
        block_bottom = 70.0
        title_in_header = (spec.vendor_block, spec.title_align) in {("left", "right"), ("right", "left")}
        if spec.vendor_block in ("left", "right"):
            right = spec.vendor_block == "right"
            indent = 0.0
            if spec.logo in ("box", "circle"):
                lx = self.x1 - 30 if right else self.x0
                if spec.logo == "box":
                    self.rect(lx, 34, 30, 30, fill=spec.accent)
                else:
                    self.pages[-1].append(("circle", lx + 15, 49, 15, spec.accent))
                indent = 40.0
            x = self.x1 - indent if right else self.x0 + indent
            align = "right" if right else "left"
            name_size = _fit(doc.vendor_name, self.bold, 14, 250 - indent)
            self.text(x, 50, doc.vendor_name, bold=True, size=name_size, align=align)
            y = 64.0
            for line in doc.vendor_address + doc.vendor_contact + doc.vendor_ids:
                self.text(x, y, line, size=8.5, align=align, color=GREY)
                y += 10.5
            block_bottom = y
            if title_in_header:
                self._title(self.x0 if right else self.x1, 56, spec.title_align)
        elif spec.vendor_block == "center":
            mid = (self.x0 + self.x1) / 2
            name_size = _fit(doc.vendor_name, self.bold, 16, self.x1 - self.x0)
            self.text(mid, 46, doc.vendor_name, bold=True, size=name_size, align="center", color=spec.accent)
            y = 60.0
            for line in (
                spec.address_sep.join(doc.vendor_address),
                "  ·  ".join(doc.vendor_contact),
                "  ·  ".join(doc.vendor_ids),
            ):
                if line:
                    self.text(
                        mid,
                        y,
                        line,
                        size=_fit(line, self.regular, 8.5, self.x1 - self.x0),
                        align="center",
                        color=GREY,
                    )
                    y += 11
            self.line(self.x0, y - 2, self.x1, y - 2, width=1.0, color=spec.accent)
            block_bottom = y + 4
        else:  # side: the vendor block is in the side bar
            block_bottom = 40.0
        if not title_in_header:
            y = block_bottom + 26
            x = {"left": self.x0, "right": self.x1, "center": (self.x0 + self.x1) / 2}[spec.title_align]
            self._title(x, y, spec.title_align)
            block_bottom = y + 6
        self.y = block_bottom + 16

    # -- form layouts: a labelled list, as e-invoice viewers print one -------------------------

    def _form(self) -> list[list[Op]]:
        doc, label = self.doc, self.doc.form_labels
        banner, *technical = doc.banner
        self.text(self.x0, 40, banner, bold=True, size=self.size + 1, color=GREY)
        self.y = 50.0
        for line in technical:
            self._form_row(*line.split(": ", 1))
        self._form_heading(doc.title)
        for name, value in doc.meta:
            self._form_row(name, value)
        self._form_heading(label["seller"])
        self._form_row(label["name"], doc.vendor_name)
        self._form_lines(label["address"], doc.vendor_address)
        for line in doc.vendor_ids:
            self._form_row(*line.split(": ", 1))
        self._form_lines(label["contact"], doc.vendor_contact)
        self._form_heading(doc.customer_heading)
        self._form_row(label["name"], doc.customer_name)
        self._form_lines(label["address"], doc.customer_lines)
        for line in doc.customer_extra:
            self._form_row(*line.split(": ", 1))
        self._form_heading(label["items"])
        self._table()
        self._form_heading(label["totals"])
        self._totals()
        self._closing()
        return self.pages

    def _form_heading(self, text: str) -> None:
        if self.y + 40 > self.bottom:
            self.new_page()
        self.y += 8
        self.text(self.x0, self.y + 10, text, bold=True, size=self.size + 1.5, color=self.spec.accent)
        self.line(self.x0, self.y + 14, self.x1, self.y + 14, color=self.spec.accent)
        self.y += 22

    def _form_row(self, name: str, value: str) -> None:
        if self.y + 12 > self.bottom:
            self.new_page()
        value_x = self.x0 + 150
        self.text(self.x0, self.y + 9, self._label(name), color=GREY)
        self.text(value_x, self.y + 9, value, size=_fit(value, self.regular, self.size, self.x1 - value_x))
        self.y += 12

    def _form_lines(self, name: str, lines: list[str]) -> None:
        for index, line in enumerate(lines):
            if self.y + 12 > self.bottom:
                self.new_page()
            if index == 0:
                self.text(self.x0, self.y + 9, self._label(name), color=GREY)
            self.text(
                self.x0 + 150,
                self.y + 9,
                line,
                size=_fit(line, self.regular, self.size, self.x1 - self.x0 - 150),
            )
            self.y += 12

    def _label(self, label: str) -> str:
        return f"{label}:" if self.spec.label_colon else label

    def _parties(self) -> None:
        spec, doc = self.spec, self.doc
        top = max(self.y, 150.0 if spec.vendor_block != "side" else self.y)
        half = (self.x1 - self.x0) / 2
        cust_x = self.x0 if spec.customer_side == "left" else self.x0 + half + 10
        meta_x = self.x0 + half + 10 if spec.customer_side == "left" else self.x0
        meta_w = half - 10
        y = top
        if spec.sender_line:
            line = doc.sender_line
            size = _fit(line, self.regular, 6.5, half - 10)
            self.text(cust_x, y, line, size=size, color=GREY)
            self.line(
                cust_x, y + 2, cust_x + stringWidth(line, self.regular, size), y + 2, width=0.3, color=GREY
            )
            y += 16
        else:
            self.text(cust_x, y, doc.customer_heading, bold=True, size=8, color=spec.accent)
            y += 13
        self.text(
            cust_x, y, doc.customer_name, bold=True, size=_fit(doc.customer_name, self.bold, 10, half - 10)
        )
        y += 12.5
        for line in doc.customer_lines + doc.customer_extra:
            self.text(cust_x, y, line, size=self.size)
            y += 11.5
        customer_bottom = y
        if spec.meta_style == "row":
            self.y = customer_bottom + 12
            self._meta_row()
            return
        y = top
        label_size = self.size
        if spec.meta_style == "box":
            height = len(doc.meta) * 13 + 8
            self.rect(meta_x, y - 10, meta_w, height, fill=_tint(spec.accent, 0.06), stroke=RULE)
            for label, value in doc.meta:
                size = _fit(label, self.regular, label_size, meta_w / 2)
                value_size = _fit(value, self.bold, label_size, meta_w / 2 - 6)
                room = meta_w - 16 - stringWidth(value, self.bold, value_size)
                # A long label gives way to the value rather than run into it.
                if stringWidth(self._label(label), self.regular, size) > room - 4:
                    size = _fit(self._label(label), self.regular, size, room - 4)
                self.text(meta_x + 6, y, self._label(label), size=size)
                self.text(meta_x + meta_w - 6, y, value, bold=True, align="right", size=value_size)
                y += 13
            y += 2
        elif spec.meta_style == "list":
            label_w = (
                max(
                    (stringWidth(self._label(label), self.bold, label_size) for label, _ in doc.meta),
                    default=0,
                )
                + 8
            )
            label_w = min(label_w, meta_w * 0.55)
            # A label too long even at the smallest size pushes the values right instead of into them.
            smallest = max(
                (stringWidth(self._label(label), self.bold, 5.5) for label, _ in doc.meta), default=0
            )
            label_w = max(label_w, smallest + 6)
            for label, value in doc.meta:
                self.text(
                    meta_x,
                    y,
                    self._label(label),
                    bold=True,
                    size=_fit(label, self.bold, label_size, label_w - 4),
                )
                self.text(
                    meta_x + label_w, y, value, size=_fit(value, self.regular, label_size, meta_w - label_w)
                )
                y += 12.5
        else:  # inline
            for label, value in doc.meta:
                line = f"{self._label(label)} {value}"
                self.text(meta_x, y, line, size=_fit(line, self.regular, label_size, meta_w))
                y += 12.5
        self.y = max(customer_bottom, y) + 18

    def _meta_row(self) -> None:
        doc = self.doc
        per_row = 4 if self.x1 - self.x0 < 420 else 5
        cell_w = (self.x1 - self.x0) / per_row
        for start in range(0, len(doc.meta), per_row):
            chunk = doc.meta[start : start + per_row]
            self.line(self.x0, self.y, self.x1, self.y, color=self.spec.accent)
            for i, (label, value) in enumerate(chunk):
                x = self.x0 + i * cell_w + 2
                self.text(
                    x, self.y + 11, label, bold=True, size=_fit(label, self.bold, 7.5, cell_w - 6), color=GREY
                )
                self.text(x, self.y + 23, value, size=_fit(value, self.regular, self.size, cell_w - 6))
            self.y += 30
        self.line(self.x0, self.y, self.x1, self.y, color=self.spec.accent)
        self.y += 18

    def _paragraph(self, text: str, *, size: float | None = None, bold: bool = False) -> None:
        size = size or self.size
        font = self.bold if bold else self.regular
        for line in simpleSplit(text, font, size, self.x1 - self.x0):
            if self.y + 12 > self.bottom:
                self.new_page()
            self.text(self.x0, self.y + size, line, size=size, bold=bold)
            self.y += size + 3.5

    # -- table --------------------------------------------------------------------------------

    def _table(self) -> None:
        spec = self.spec
        columns = column_layout(spec)
        headers = dict(self.doc.columns)
        pad = 4.0
        leading = self.size + 2.5
        desc_width = next(x1 - x0 for key, x0, x1 in columns if key == "desc") - 2 * pad

        def header_cell(label: str, width: float) -> tuple[list[str], float]:
            size = _fit(label, self.bold, self.size, width)
            if not self.doc.wrap_headers or size >= 7.0:
                return [label], size
            # Too long for one line at a readable size: break it at spaces, as printed tables do.
            lines = simpleSplit(label, self.bold, self.size, width) or [label]
            lines = lines[:1] + [" ".join(lines[1:])] if len(lines) > 2 else lines
            return lines, min(_fit(line, self.bold, self.size, width) for line in lines)

        cells = {key: header_cell(headers[key], cx1 - cx0 - 2 * pad) for key, cx0, cx1 in columns}
        header_lines = max(len(lines) for lines, _ in cells.values())

        def draw_header() -> None:
            height = 18.0 + (header_lines - 1) * (self.size + 1.5)
            if spec.header_fill:
                self.rect(self.x0, self.y, self.x1 - self.x0, height, fill=_tint(spec.accent, 0.18))
            for key, cx0, cx1 in columns:
                lines, size = cells[key]
                for i, label in enumerate(lines):
                    y = self.y + 12 + i * (self.size + 1.5)
                    if key in NUMERIC_COLUMNS:
                        self.text(cx1 - pad, y, label, bold=True, size=size, align="right")
                    else:
                        self.text(cx0 + pad, y, label, bold=True, size=size)
            if spec.table_rules in ("grid", "box"):
                self.rect(self.x0, self.y, self.x1 - self.x0, height, stroke=RULE)
            if spec.table_rules in ("header", "zebra", "box"):
                self.line(self.x0, self.y + height, self.x1, self.y + height, width=0.8, color=spec.accent)
            if spec.table_rules == "grid":
                for _, cx0, _ in columns[1:]:
                    self.line(cx0, self.y, cx0, self.y + height)
            self.y += height

        def close_segment(top: float) -> None:
            if spec.table_rules == "box":
                self.rect(self.x0, top, self.x1 - self.x0, self.y - top, stroke=RULE)
            elif spec.table_rules in ("header", "zebra"):
                self.line(self.x0, self.y, self.x1, self.y, width=0.8, color=spec.accent)

        carry_height = leading + 2 * pad + 1 if spec.carry_forward else 0.0
        amount_x1 = next((x1 for key, _, x1 in columns if key == "amount"), self.x1)
        desc_x0 = next(x0 for key, x0, _ in columns if key == "desc")

        def carry_row(label: str, running: str) -> None:
            # A running sum, not a line item: label under the descriptions, sum under the amounts.
            baseline = self.y + pad + self.size
            self.text(desc_x0 + pad, baseline, label, bold=True)
            self.text(amount_x1 - pad, baseline, running, bold=True, align="right")
            self.line(self.x0, self.y + carry_height, self.x1, self.y + carry_height, width=0.3)
            self.y += carry_height

        draw_header()
        segment_top = self.y
        for index, row in enumerate(self.doc.rows):
            desc_lines = simpleSplit(row["desc"], self.regular, self.size, desc_width) or [""]
            height = len(desc_lines) * leading + 2 * pad + 1
            if self.y + height + carry_height > self.bottom:
                running = self.doc.rows[index - 1].get("running", "") if spec.carry_forward and index else ""
                if running:
                    carry_row(self.doc.carry_labels[0], running)
                close_segment(segment_top)
                self.new_page()
                draw_header()
                segment_top = self.y
                if running:
                    carry_row(self.doc.carry_labels[1], running)
            if spec.table_rules == "zebra" and index % 2 == 1:
                self.rect(self.x0, self.y, self.x1 - self.x0, height, fill=(0.94, 0.94, 0.94))
            baseline = self.y + pad + self.size
            for key, cx0, cx1 in columns:
                if key == "desc":
                    for i, line in enumerate(desc_lines):
                        self.text(cx0 + pad, baseline + i * leading, line)
                elif key in NUMERIC_COLUMNS:
                    value = row.get(key, "")
                    self.text(
                        cx1 - pad,
                        baseline,
                        value,
                        align="right",
                        size=_fit(value, self.regular, self.size, cx1 - cx0 - 2 * pad),
                    )
                else:
                    value = row.get(key, "")
                    self.text(
                        cx0 + pad,
                        baseline,
                        value,
                        size=_fit(value, self.regular, self.size, cx1 - cx0 - 2 * pad),
                    )
            if spec.table_rules == "grid":
                self.rect(self.x0, self.y, self.x1 - self.x0, height, stroke=RULE)
                for _, cx0, _ in columns[1:]:
                    self.line(cx0, self.y, cx0, self.y + height)
            self.y += height
        close_segment(segment_top)
        self.y += 16

    # -- totals, notes, bank ------------------------------------------------------------------

    def _totals(self) -> None:
        spec, doc = self.spec, self.doc
        narrow = self.x1 - self.x0 < 420
        totals_w = 210.0 if narrow else 250.0
        row_h = 14.5
        totals_h = len(doc.totals) * row_h + 10
        tax_h = 0.0
        if doc.tax_table:
            tax_h = (len(doc.tax_table[1]) + 1) * 13 + 10
        stacked = narrow and doc.tax_table is not None
        needed = totals_h + tax_h + 10 if stacked else max(totals_h, tax_h)
        if self.y + needed > self.bottom:
            self.new_page()
        top = self.y
        if doc.tax_table:
            tx0 = self.x1 - totals_w if stacked else self.x0
            tx1 = self.x1 if stacked else self.x0 + min(260.0, self.x1 - self.x0 - totals_w - 20)
            self._tax_table(tx0, tx1)
            if stacked:
                self.y += 10
                top = self.y
        tx = self.x1 - totals_w
        y = top
        if spec.totals_style == "box":
            self.rect(tx, y - 2, totals_w, totals_h - 4, fill=_tint(spec.accent, 0.07), stroke=RULE)
        y += 4
        for row in doc.totals:
            size = self.size + (1 if row.strong else 0)
            if row.strong and spec.totals_style == "band":
                self.rect(tx, y - 1, totals_w, row_h, fill=_tint(spec.accent, 0.25))
            elif row.strong and spec.totals_style == "lines":
                self.line(tx, y - 1, self.x1, y - 1, width=0.8, color=BLACK)
            value_w = stringWidth(row.value, self.bold if row.strong else self.regular, size) + 12
            label_size = _fit(
                row.label, self.bold if row.strong else self.regular, size, totals_w - value_w - 8
            )
            self.text(tx + 5, y + 10, row.label, bold=row.strong, size=label_size)
            self.text(self.x1 - 5, y + 10, row.value, bold=row.strong, size=size, align="right")
            y += row_h
        self.y = max(y, self.y) + 18

    def _tax_table(self, x0: float, x1: float) -> None:
        assert self.doc.tax_table is not None
        header, rows = self.doc.tax_table
        width = x1 - x0
        xs = (x0 + 4, x0 + width * 0.62 - 4, x1 - 4)
        y = self.y
        self.line(x0, y, x1, y, color=self.spec.accent)
        self.text(xs[0], y + 10, header[0], bold=True, size=self.size - 0.5)
        self.text(xs[1], y + 10, header[1], bold=True, size=self.size - 0.5, align="right")
        self.text(xs[2], y + 10, header[2], bold=True, size=self.size - 0.5, align="right")
        y += 13
        self.line(x0, y, x1, y, width=0.3)
        for rate, base, amount in rows:
            self.text(xs[0], y + 10, rate)
            self.text(xs[1], y + 10, base, align="right")
            self.text(xs[2], y + 10, amount, align="right")
            y += 13
        self.line(x0, y + 2, x1, y + 2, color=self.spec.accent)
        self.y = y + 10

    def _closing(self) -> None:
        doc, spec = self.doc, self.spec
        for note in doc.notes:
            self._paragraph(note)
        if spec.bank_pos == "block" and doc.bank_lines:
            needed = 14 + 12 * len(doc.bank_lines)
            self.y += 8
            if self.y + needed > self.bottom:
                self.new_page()
            self.text(self.x0, self.y + 9, doc.bank_heading, bold=True, color=spec.accent)
            self.y += 13
            for line in doc.bank_lines:
                self.text(self.x0, self.y + 9, line)
                self.y += 12
        if doc.hidden_text:
            self.y += 10
            if self.y + 36 > self.bottom:
                self.new_page()
            self.pages[-1].append(
                ("hidden", self.x0, self.y, doc.hidden_text, self.regular, self.width, self.height)
            )
            self.y += 36


def _draw_footer(c: canvas.Canvas, r: _Renderer, page_index: int, page_count: int) -> None:
    doc, spec = r.doc, r.spec
    height = r.height
    label = doc.page_label.format(i=page_index + 1, n=page_count)
    c.setFillColorRGB(*GREY)
    if doc.footer_columns:
        top = height - 88
        c.setStrokeColorRGB(*spec.accent)
        c.setLineWidth(0.6)
        c.line(r.x0, height - top - 0, r.x1, height - top)
        col_w = (r.x1 - r.x0) / len(doc.footer_columns)
        for i, column in enumerate(doc.footer_columns):
            y = top + 10
            for line in column:
                size = _fit(line, r.regular, 7, col_w - 6, min_size=4.5)
                c.setFont(r.regular, size)
                c.drawString(r.x0 + i * col_w, height - y, line)
                y += 8.5
    c.setFont(r.regular, 7.5)
    if spec.vendor_block == "side" or not doc.footer_columns:
        c.drawRightString(r.x1, 22, label)
    else:
        c.drawCentredString((r.x0 + r.x1) / 2, 14, label)


def _replay(c: canvas.Canvas, ops: list[Op], height: float) -> None:
    for op in ops:
        kind = op[0]
        if kind == "text":
            _, x, y, s, font, size, align, color = op
            c.setFont(str(font), float(size))
            c.setFillColorRGB(*color)
            draw = {"left": c.drawString, "right": c.drawRightString, "center": c.drawCentredString}[
                str(align)
            ]
            draw(float(x), height - float(y), str(s))
        elif kind == "line":
            _, x0, y0, x1, y1, width, color = op
            c.setLineWidth(float(width))
            c.setStrokeColorRGB(*color)
            c.line(float(x0), height - float(y0), float(x1), height - float(y1))
        elif kind == "rect":
            _, x, y, w, h, fill, stroke, width = op
            if fill is not None:
                c.setFillColorRGB(*fill)
            if stroke is not None:
                c.setStrokeColorRGB(*stroke)
                c.setLineWidth(float(width))
            c.rect(
                float(x),
                height - float(y) - float(h),
                float(w),
                float(h),
                stroke=int(stroke is not None),
                fill=int(fill is not None),
            )
        elif kind == "circle":
            _, cx, cy, radius, color = op
            c.setFillColorRGB(*color)
            c.circle(float(cx), height - float(cy), float(radius), stroke=0, fill=1)
        elif kind == "hidden":
            _, x, y, s, font, page_w, page_h = op
            _draw_hidden(c, float(x), height - float(y), str(s), str(font), float(page_w), float(page_h))


def _draw_hidden(
    c: canvas.Canvas, x: float, y: float, text: str, font: str, page_w: float, page_h: float
) -> None:
    """Draw text four ways a reader cannot see: white, 0.5 pt, off the page, render mode 3."""
    c.setFont(font, 9)
    c.setFillColorRGB(*WHITE)
    c.drawString(x, y - 9, text)
    c.setFont(font, 0.5)
    c.setFillColorRGB(*BLACK)
    c.drawString(x, y - 30, text)
    c.setFont(font, 9)
    c.drawString(page_w + 40, page_h / 2, text)
    invisible = c.beginText(x, y - 21)
    invisible.setFont(font, 9)
    invisible.setTextRenderMode(3)
    invisible.textOut(text)
    invisible.setTextRenderMode(0)
    c.drawText(invisible)


def render(doc: PrintedInvoice, spec: LayoutSpec) -> bytes:
    """Draw an invoice with a layout and return the PDF bytes (deterministic: invariant mode).

    Args:
        doc: The strings to print.
        spec: The layout.

    Returns:
        The PDF file's bytes.
    """
    renderer = _Renderer(doc, spec)
    pages = renderer.run()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=page_size(spec), invariant=1, pageCompression=1)
    c.setTitle(doc.title)
    c.setCreator("docai synthetic invoice generator")
    for index, ops in enumerate(pages):
        _replay(c, ops, renderer.height)
        _draw_footer(c, renderer, index, len(pages))
        c.showPage()
    c.save()
    return buffer.getvalue()
