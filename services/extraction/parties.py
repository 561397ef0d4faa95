"""Party names: who sends the invoice (vendor) and who receives it (customer).

Names have no type to match, so they come from where invoices put them: under a section
heading ("Seller", "Bill to", "Käufer"), in the sender line above the address window
("ACME GmbH · Street 1 · 12345 City"), in the address window itself, in the letterhead and
in the footer. Each place is evidence of a role; a company's legal form ("GmbH", "Ltd")
and a name printed twice (letterhead and footer) add to it.
"""

from __future__ import annotations

import re

from docai.services.extraction import values
from docai.services.extraction.candidates import SECTIONS, Candidate, Candidates, Run
from docai.services.extraction.labels import lexicon
from docai.services.extraction.layout import Cell, Layout, fold

LEGAL_FORM = re.compile(
    r"(?i)(?:^|\s)(?:gmbh|ag|kg|ohg|ug|e\.\s?k\.|gbr|mbh|se|inc\.?|ltd\.?|limited|llc|llp|plc|corp\.?|corporation|co\.|company|"
    r"s\.?a\.?s?\.?|sarl|s\.?à\.?\s?r\.?l\.?|eurl|snc|b\.?v\.?|n\.?v\.?|vof|s\.?l\.?|s\.?p\.?a\.?|s\.?r\.?l\.?|oy|ab|aps|a/s|as|"
    r"gmbh\s*&\s*co\.?\s*kg)(?=$|[\s,.])"
)
_ADDRESS = re.compile(
    r"(?i)\b\d{4,5}\s+[a-zà-ÿ]|\b[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}\b|\b(?:street|st\.|str\.|straße|strasse|road|rd\.|avenue|ave|"
    r"rue|weg|laan|straat|plein|gracht|kade|via|viale|piazza|corso|largo|calle|c/|avda|avenida|paseo|plaza|platz|allee|gasse|lane|"
    r"boulevard|bd|chemin|place|suite|building|postfach|p\.?o\.? box)(?:\b|(?<=/))"
    r"|^\d+\s+\w|\w+\s\d+[a-z]?$"
)
_CONTACT = re.compile(
    r"(?i)@|https?://|www\.|:|\b(?:tel|phone|fax|telefon|email|e-mail|attn|z\.\s?hd|contact|iban|bic|bank|banque|konto|account|"
    r"titulaire|inhaber|page|seite)\b|\+\d"
)
_NAME_LABEL = re.compile(
    r"(?i)^(?:name|nom|naam|nombre|nome|firma|company|raison sociale|denominazione|ragione sociale)\s*:?\s*$"
)
_SEPARATORS = re.compile(r"\s[·|•–]\s|\s-\s|,\s")
SCORES = {
    "section": 1.0,
    "sender_line": 0.9,
    "address_window": 0.6,
    "letterhead": 0.45,
    "footer": 0.4,
}


def party_candidates(layout: Layout, candidates: Candidates) -> None:
    """Adds vendor_name and customer_name candidates to `candidates`."""
    Parties(layout, candidates).run()


class Parties:
    def __init__(self, layout: Layout, candidates: Candidates) -> None:
        self.layout = layout
        self.candidates = candidates

    def run(self) -> None:
        self._sections()
        self._sender_line()
        self._letterhead_and_footer()
        self._repeated_names()

    def add(
        self, field: str, cell: Cell, text: str, how: str, *, score: float | None = None, run: Run | None = None
    ) -> bool:
        """Adds `text` as a candidate name when it looks like one; says whether it did."""
        name = " ".join(text.split()).strip(" ,;:-")
        if not self._looks_like_name(name):
            return False
        base = SCORES[how] if score is None else score
        below = self.layout.below(cell)
        if below is not None and LEGAL_FORM.fullmatch(" " + below.text.strip()) and abs(below.box.x0 - cell.box.x0) < 4:
            name = f"{name} {below.text.strip()}"  # the legal form wrapped onto the next line
        above = self.layout.above(cell)
        if how in ("letterhead", "footer") and above is not None and self._wrapped_above(above, cell, name):
            name = f"{above.text.strip()} {name}"  # "Montserrat Suministros de" / "Oficina S.L.L."
        if LEGAL_FORM.search(name):
            base += 0.25
        box = run.box(run.text.find(name), run.text.find(name) + len(name)) if run and name in run.text else cell.box
        self.candidates.add(Candidate(field, name, name, cell.page, box, base, how))
        return True

    # -- section headings ----------------------------------------------------------------

    def _sections(self) -> None:
        for cell in self.layout.cells():
            hits = self.candidates.label_hits(cell)
            if not hits or hits[0].start != 0:
                continue
            role = next((r for r in ("seller", "buyer", "ship_to") if r in hits[0].fields), None)
            if role is None or role == "ship_to":
                continue
            field = "vendor_name" if role == "seller" else "customer_name"
            folded = fold(cell.text)
            rest = cell.text[hits[0].end :].strip(" :/-") if len(folded) == len(cell.text) else ""
            if len(folded) - hits[0].end > 3 and rest:
                # "Bill to: ACME Ltd" in one cell, with its colon; without one, "Seller Company" is a name.
                if folded[hits[0].end :].lstrip().startswith(":") and len(rest) < 60:
                    self.add(field, cell, rest, "section", score=0.9)
                continue
            right = self.layout.right_of(cell)
            if (
                right is not None
                and not self.candidates.starts_with_label(right)
                and self.add(field, right, right.text, "section", score=0.9)
            ):
                continue
            self._first_name_below(field, cell)

    def _first_name_below(self, field: str, heading: Cell) -> None:
        for cell in self.layout.column_below(heading, max_lines=6):
            if _NAME_LABEL.match(cell.text):
                value = self.layout.right_of(cell)
                if value is not None:
                    self.add(field, value, value.text, "section", score=1.1)
                return
            if self.candidates.starts_with_label(cell) or _CONTACT.search(cell.text):
                continue  # "Nummer: 549910", "Tel ..." under the heading
            if _ADDRESS.search(cell.text) and not LEGAL_FORM.search(cell.text):
                return
            self.add(field, cell, cell.text, "section")
            return

    # -- sender line and address window --------------------------------------------------

    def _sender_line(self) -> None:
        for line in self.layout.lines:
            if line.page != self.layout.lines[0].page:
                break
            for cell in line.cells:
                _x, y = self.layout.relative(cell)
                if y > 0.4:
                    break
                parts = [p for p in _SEPARATORS.split(cell.text) if p.strip()]
                if len(parts) < 3 or not any(_ADDRESS.search(p) for p in parts[1:]):
                    continue
                self.add("vendor_name", cell, parts[0], "sender_line", run=Run(cell.words))
                below = self.layout.below(cell)
                if below is not None and not self.candidates.starts_with_label(below):
                    self.add("customer_name", below, below.text, "address_window")
                return

    def _letterhead_and_footer(self) -> None:
        heights = [c.box.bottom - c.box.top for c in self.layout.cells()]
        if not heights:
            return
        typical = sorted(heights)[len(heights) // 2]
        first_page = self.layout.lines[0].page
        for cell in self.layout.cells():
            if cell.page != first_page and cell.page != self.layout.lines[-1].page:
                continue
            _x, y = self.layout.relative(cell)
            big = (cell.box.bottom - cell.box.top) > 1.3 * typical
            if cell.page == first_page and y < 0.15:
                self.add(
                    "vendor_name", cell, cell.text, "letterhead", score=SCORES["letterhead"] + (0.25 if big else 0.0)
                )
            elif y > 0.8 and LEGAL_FORM.search(cell.text) and len(cell.text.split()) <= 6:
                self.add("vendor_name", cell, cell.text, "footer")

    def _repeated_names(self) -> None:
        """A name printed in several places (letterhead, sender line, footer) is the sender's."""
        vendors = self.candidates.by_field.get("vendor_name", [])
        counts: dict[str, int] = {}
        for cell in self.layout.cells():
            key = fold(cell.text).strip(" ,.")
            counts[key] = counts.get(key, 0) + 1
        for candidate in vendors:
            if counts.get(fold(candidate.value).strip(" ,."), 0) >= 2:
                candidate.score += 0.3
                candidate.notes.append("printed more than once")

    def _wrapped_above(self, above: Cell, cell: Cell, name: str) -> bool:
        """Whether the line above is the start of this name: aligned, close, no legal form of its own, no label."""
        height = cell.box.bottom - cell.box.top
        close = 0 <= cell.box.top - above.box.bottom < 0.8 * height and abs(above.box.x0 - cell.box.x0) < 3
        return (
            close
            and LEGAL_FORM.search(name) is not None
            and LEGAL_FORM.search(above.text) is None
            and not above.text.rstrip().endswith((".", ":"))
            and self._looks_like_name(above.text.strip())
            and not self.candidates.starts_with_label(above)
        )

    def _looks_like_name(self, text: str) -> bool:
        if not (2 <= len(text) <= 80) or not re.search(r"[A-Za-zÀ-ÿ]{2}", text):
            return False
        if _CONTACT.search(text) or sum(ch.isdigit() for ch in text) > len(text) // 3:
            return False
        if _ADDRESS.search(text) and not LEGAL_FORM.search(text):
            return False
        folded = fold(text)
        hits = lexicon().find(folded)
        if not hits or hits[0].start != 0:
            return True
        # "Invoice No. 7" is a label and its value; a section word opens a name only as part of it ("Van Dijk BV").
        return set(hits[0].fields) <= SECTIONS and hits[0].end < len(folded) - 2


def address_below(layout: Layout, candidates: Candidates, name: Candidate) -> Candidate | None:
    """The address printed with a party's name: the rest of its sender line, or the lines under it."""
    cell = next(
        (
            c
            for c in layout.cells()
            if c.page == name.page and c.box.overlaps_x(name.box) and abs(c.box.top - name.box.top) < 1
        ),
        None,
    )
    if cell is None:
        return None
    if name.how == "sender_line":
        parts = [p.strip() for p in _SEPARATORS.split(cell.text) if p.strip()][1:]
        text = ", ".join(parts)
        return (
            Candidate("vendor_address", text, cell.text, cell.page, cell.box, name.score, "sender_line")
            if parts
            else None
        )
    lines: list[Cell] = []
    for below in layout.column_below(cell, max_lines=5):
        if any(span.value[:2].isalpha() for span in values.tax_ids(below.text)):
            break  # a VAT number under the address (its label sits in another column)
        if (
            _CONTACT.search(below.text)
            or candidates.starts_with_label(below)
            or LEGAL_FORM.fullmatch(" " + below.text.strip())
        ):
            if lines or not LEGAL_FORM.fullmatch(" " + below.text.strip()):
                break
            continue  # the legal form wrapped under the name
        if not _ADDRESS.search(below.text) and (lines and len(below.text.split()) > 4):
            break
        lines.append(below)
    if not lines or not any(_ADDRESS.search(line.text) for line in lines):
        return None
    box = lines[0].box
    for line in lines[1:]:
        box = box.union(line.box)
    text = ", ".join(_SEPARATORS.sub(", ", line.text.strip()) for line in lines)
    return Candidate(
        "vendor_address", text, " ".join(line.text for line in lines), cell.page, box, name.score, "below_name"
    )
