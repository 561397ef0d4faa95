"""The reportlab renderer of the synthetic generator: draws a ``PrintedInvoice`` in its layout.

It only places the strings it is given, so the ground truth and the page cannot drift apart.
Drawing is recorded per page first and replayed onto the canvas afterwards, so "Page i of n"
is known while drawing and tables can break across pages with their header repeated. Hidden
text (for the steering tests) is drawn four invisible ways. Same input, same PDF bytes.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from docai.training.synthetic.layouts import (
    NUMERIC_COLUMNS,
    RGB,
    LayoutSpec,
    PrintedInvoice,
    column_layout,
    content_box,
    fonts,
    page_size,
)

BLACK: RGB = (0.0, 0.0, 0.0)


GREY: RGB = (0.35, 0.35, 0.35)


RULE: RGB = (0.6, 0.6, 0.6)


WHITE: RGB = (1.0, 1.0, 1.0)


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

    def line(self, x0: float, y0: float, x1: float, y1: float, *, width: float = 0.5, color: RGB = RULE) -> None:
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
            self.line(cust_x, y + 2, cust_x + stringWidth(line, self.regular, size), y + 2, width=0.3, color=GREY)
            y += 16
        else:
            self.text(cust_x, y, doc.customer_heading, bold=True, size=8, color=spec.accent)
            y += 13
        self.text(cust_x, y, doc.customer_name, bold=True, size=_fit(doc.customer_name, self.bold, 10, half - 10))
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
            smallest = max((stringWidth(self._label(label), self.bold, 5.5) for label, _ in doc.meta), default=0)
            label_w = max(label_w, smallest + 6)
            for label, value in doc.meta:
                self.text(
                    meta_x,
                    y,
                    self._label(label),
                    bold=True,
                    size=_fit(label, self.bold, label_size, label_w - 4),
                )
                self.text(meta_x + label_w, y, value, size=_fit(value, self.regular, label_size, meta_w - label_w))
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
                self.text(x, self.y + 11, label, bold=True, size=_fit(label, self.bold, 7.5, cell_w - 6), color=GREY)
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
            label_size = _fit(row.label, self.bold if row.strong else self.regular, size, totals_w - value_w - 8)
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
            self.pages[-1].append(("hidden", self.x0, self.y, doc.hidden_text, self.regular, self.width, self.height))
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
            draw = {"left": c.drawString, "right": c.drawRightString, "center": c.drawCentredString}[str(align)]
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


def _draw_hidden(c: canvas.Canvas, x: float, y: float, text: str, font: str, page_w: float, page_h: float) -> None:
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
