"""Invoice layouts of the synthetic generator, and what the renderer is given to draw.

A layout is a frozen ``LayoutSpec`` of style knobs (where the vendor block sits, how the table is
ruled, how totals and bank details are shown, which label spelling is used); ``LAYOUTS`` lists
them, the first ``ORIGINAL_LAYOUT_COUNT`` being the first version's. ``printing`` turns an invoice
into a ``PrintedInvoice`` (every string exactly as printed) for ``render`` to place. The page
geometry of a layout (fonts, page size, content box, table columns) is here too, so tests can
check a layout without drawing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reportlab.lib.pagesizes import A4, LETTER

RGB = tuple[float, float, float]


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


LAYOUT_COUNT: int = len(LAYOUTS)


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
