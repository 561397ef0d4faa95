"""Reads an invoice by choosing among what the page shows: layout → candidates → consistency → choice.

Nothing here writes a value: every field is a candidate read from the page (with its page
and box) or, for the amount due, the gross when no other amount is due. The page is read
normalised and without text addressed to a machine, and documents that try to steer the
reader are flagged (`steering`). The small model
(`chooser`) only breaks ties between candidates that the evidence leaves close.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docai.schemas.invoice import ExtractedField, Extraction, Provenance
from docai.schemas.parsed import ParsedDocument
from docai.services.extraction.candidates import Candidate, Candidates
from docai.services.extraction.checks import run_checks
from docai.services.extraction.chooser import Chooser, questions
from docai.services.extraction.extractor import ExtractionOutcome, ExtractionTimings
from docai.services.extraction.layout import Box, Layout, fold
from docai.services.extraction.line_items import read_line_items
from docai.services.extraction.parties import address_below, party_candidates
from docai.services.extraction.steering import Guard, flag_checks, prepare
from docai.services.extraction.totals import choose_totals
from docai.services.extraction.values import decimal_separator

# A customer candidate that is the tenant's own company gains this much evidence.
OWN_NAME_BONUS = 1.0
# The model is asked only where the best two candidates' evidence is closer than this.
DOUBT_MARGIN = 0.5
# How much the model's choice weighs against the page's evidence (a label is worth 1.0).
MODEL_WEIGHT = 1.0
# Below this much evidence a field is left empty: a person fills it in rather than checks a guess.
MIN_SCORE = 0.3
# The customer's tax id first: the vendor's may not be the same number.
SIMPLE_FIELDS = ("invoice_number", "purchase_order", "iban", "bic", "payment_terms", "customer_tax_id", "vendor_tax_id")
# How far below the customer's name its address block reaches (points): about eight lines.
CUSTOMER_BLOCK_HEIGHT = 110.0
# Fields a label must name: a bare pattern anywhere on the page is not enough evidence.
LABEL_ONLY = frozenset({"due_date", "customer_tax_id", "purchase_order", "payment_terms", "bic"})
_CREDIT = re.compile(
    r"(?<![a-z])(credit note|credit memo|gutschrift|rechnungskorrektur|avoir|creditnota|creditfactuur|"
    r"nota de credito|nota di credito)(?![a-z])"
)

# What the vendor memory reads on a document: candidates placed where this vendor prints each field.
Recall = Callable[[ParsedDocument, Layout], Sequence[Candidate]]
# Maps (field, raw evidence) to a calibrated probability; the identity until one is fitted.
Calibrate = Callable[[str, float], float]


@dataclass(frozen=True)
class PageReading:
    """What reading the page produced: the outcome, the layout and candidates it chose from, and
    what :func:`~docai.services.extraction.steering.prepare` found before reading."""

    outcome: ExtractionOutcome
    layout: Layout
    candidates: Candidates
    guard: Guard | None = None


class InvoiceReader:
    """Extraction without generation: the fields are chosen from the page's typed candidates."""

    def __init__(
        self, *, chooser: Chooser | None = None, calibrate: Calibrate | None = None, line_items: bool = True
    ) -> None:
        self.chooser = chooser
        self.calibrate = calibrate or (lambda field, raw: raw)
        self.line_items = line_items
        self.model_name = chooser.backend.model_name if chooser is not None else "docai-reader"

    def extract(
        self,
        document: ParsedDocument,
        *,
        adapter: str | None = None,
        recall: Recall | None = None,
        own_names: Sequence[str] = (),
    ) -> ExtractionOutcome:
        """Reads `document`; `recall` gives what the tenant's vendor memory reads on it, weighed first;
        `own_names` are the tenant's own company names (folded), never the vendor, likely the customer."""
        return self.read(document, adapter=adapter, recall=recall, own_names=own_names).outcome

    def read(
        self,
        document: ParsedDocument,
        *,
        adapter: str | None = None,
        recall: Recall | None = None,
        own_names: Sequence[str] = (),
    ) -> PageReading:
        """:meth:`extract`, keeping the layout and every candidate (to locate or cross-check other values)."""
        timings = ExtractionTimings()
        started = time.perf_counter()
        # Normalised text, without what is addressed to a machine: nothing printed there is read.
        guard = prepare(document)
        layout, candidates = gather(guard.reading, layout=guard.layout)
        for candidate in recall(guard.reading, layout) if recall is not None else ():
            candidates.add(candidate)
        timings.prompt_s = time.perf_counter() - started
        if self.chooser is not None:
            self._ask_model(layout, candidates, adapter=adapter, timings=timings)

        started = time.perf_counter()
        _own_company(candidates, own_names)
        chosen = self._choose(candidates, layout)
        # The adapter is named only when the model chose with it.
        extraction = Extraction(model=self.model_name, adapter=(adapter or "") if self.chooser is not None else "")
        for name, (candidate, confidence) in chosen.items():
            extraction.fields[name] = _field(candidate, self.calibrate(name, confidence))
        if self.line_items:
            extraction.line_items = read_line_items(layout, decimal=candidates.decimal)
        checks = [*run_checks(extraction), *flag_checks(guard, extraction)]
        timings.validation_s = time.perf_counter() - started
        return PageReading(
            ExtractionOutcome(extraction=extraction, checks=checks, timings=timings), layout, candidates, guard
        )

    def _ask_model(
        self, layout: Layout, candidates: Candidates, *, adapter: str | None, timings: ExtractionTimings
    ) -> None:
        """The model's choice adds to the chosen candidate's evidence, by how sure the model was."""
        assert self.chooser is not None
        asked = [q for q in questions(candidates.by_field) if _in_doubt(q.options)]
        if not asked:
            return  # the page's evidence settles every field: no model call
        chosen, result = self.chooser.choose(layout, asked, adapter=adapter)
        timings.prefill_s, timings.decode_s = result.timings.prefill_s, result.timings.decode_s
        timings.generated_tokens, timings.prompt_tokens = len(result.tokens), result.prompt_tokens
        for candidate, probability in chosen.values():
            candidate.score += MODEL_WEIGHT * probability
            candidate.notes.append(f"chosen by the model (p={probability:.2f})")

    def _choose(self, candidates: Candidates, layout: Layout) -> dict[str, tuple[Candidate, float]]:
        chosen: dict[str, tuple[Candidate, float]] = {}
        totals = choose_totals(
            candidates.of("total_net"),
            candidates.of("total_tax"),
            candidates.of("total_gross"),
            candidates.of("amount_due"),
        )
        for name, pick in (
            ("total_net", totals.net),
            ("total_tax", totals.tax),
            ("total_gross", totals.gross),
            ("amount_due", totals.due),
        ):
            if pick is None or (pick.how == "pattern" and not totals.consistent):
                continue
            evidence = pick.score + (1.0 if totals.consistent else 0.0)
            if name == "amount_due" and pick is totals.gross:
                pick = Candidate(
                    "amount_due",
                    pick.value,
                    pick.raw,
                    pick.page,
                    pick.box,
                    pick.score,
                    "gross",
                    notes=["the gross: no other amount is due"],
                )
            chosen[name] = (pick, _confidence(evidence, _runner_up(candidates.of(name), pick)))

        invoice_date = self._invoice_date(candidates, layout)
        if invoice_date is not None:
            chosen["invoice_date"] = invoice_date
        due = [c for c in candidates.of("due_date") if c.anchored]
        if invoice_date is not None:
            due = [c for c in due if c.value >= invoice_date[0].value and c.box != invoice_date[0].box]
        if due and due[0].score >= MIN_SCORE:
            chosen["due_date"] = (due[0], _confidence(due[0].score, _runner_up(due, due[0])))

        for name in SIMPLE_FIELDS:
            options = [
                c for c in candidates.of(name) if c.score >= MIN_SCORE and (name not in LABEL_ONLY or c.anchored)
            ]
            if name == "vendor_tax_id" and "customer_tax_id" in chosen:
                options = [c for c in options if c.value != chosen["customer_tax_id"][0].value]
            if options:
                chosen[name] = (options[0], _confidence(options[0].score, _runner_up(options, options[0])))

        self._parties(candidates, chosen)
        self._tax_ids_by_block(candidates, chosen)
        currency = self._currency(candidates)
        if currency is not None:
            chosen["currency"] = currency
        chosen["document_type"] = self._document_type(layout)
        return chosen

    def _invoice_date(self, candidates: Candidates, layout: Layout) -> tuple[Candidate, float] | None:
        options = candidates.of("invoice_date")
        labelled = [c for c in options if c.anchored and c.score >= MIN_SCORE]
        if labelled:
            return labelled[0], _confidence(labelled[0].score, _runner_up(labelled, labelled[0]))
        # No label: the first unclaimed date on the first page is the issue date on most invoices.
        free = [c for c in options if c.how == "pattern" and c.score > 0]
        if not free:
            return None
        first = min(free, key=lambda c: (c.page, c.box.top, c.box.x0))
        return first, _confidence(0.4, 0.2)

    def _parties(self, candidates: Candidates, chosen: dict[str, tuple[Candidate, float]]) -> None:
        vendors = candidates.of("vendor_name")
        customers = candidates.of("customer_name")
        if vendors and vendors[0].score >= MIN_SCORE:
            chosen["vendor_name"] = (vendors[0], _confidence(vendors[0].score, _runner_up(vendors, vendors[0])))
        vendor = fold(chosen["vendor_name"][0].value) if "vendor_name" in chosen else None
        if "vendor_name" in chosen and (
            address := address_below(candidates.layout, candidates, chosen["vendor_name"][0])
        ):
            chosen["vendor_address"] = (address, chosen["vendor_name"][1] * 0.9)
        customers = [c for c in customers if fold(c.value) != vendor and c.score >= MIN_SCORE]
        if customers:
            chosen["customer_name"] = (
                customers[0],
                _confidence(customers[0].score, _runner_up(customers, customers[0])),
            )

    def _tax_ids_by_block(self, candidates: Candidates, chosen: dict[str, tuple[Candidate, float]]) -> None:
        """A tax id printed inside the customer's address block is the customer's, whatever its label says."""
        if "customer_name" not in chosen or "vendor_tax_id" not in chosen:
            return
        block = chosen["customer_name"][0]
        vendor_id = chosen["vendor_tax_id"][0]
        inside = (
            vendor_id.page == block.page
            and block.box.overlaps_x(vendor_id.box, slack=40)
            and 0 < vendor_id.box.top - block.box.top < CUSTOMER_BLOCK_HEIGHT
        )
        if not inside:
            return
        if "customer_tax_id" not in chosen:
            chosen["customer_tax_id"] = chosen["vendor_tax_id"]
        others = [c for c in candidates.of("vendor_tax_id") if c.value != vendor_id.value and c.score >= MIN_SCORE]
        if others:
            chosen["vendor_tax_id"] = (others[0], _confidence(others[0].score, vendor_id.score))
        else:
            del chosen["vendor_tax_id"]

    def _currency(self, candidates: Candidates) -> tuple[Candidate, float] | None:
        options = candidates.of("currency")
        labelled = [c for c in options if c.anchored]
        if labelled:
            return labelled[0], _confidence(labelled[0].score + 0.5, 0.0)
        if not options:
            return None
        counts = Counter(c.value for c in options)
        value, count = counts.most_common(1)[0]
        pick = next(c for c in options if c.value == value)
        return pick, _confidence(0.4 + 0.1 * min(count, 5), 0.25 * (len(counts) - 1))

    def _document_type(self, layout: Layout) -> tuple[Candidate, float]:
        for line in layout.lines[:40]:
            for cell in line.cells:
                if _CREDIT.search(fold(cell.text)):
                    return Candidate("document_type", "credit_note", cell.text, cell.page, cell.box, 1.0, "title"), 0.9
        first = layout.lines[0].cells[0] if layout.lines else None
        if first is None:
            return Candidate("document_type", "invoice", "", 1, Box(0.0, 0.0, 0.0, 0.0), 0.5, "default"), 0.6
        return Candidate("document_type", "invoice", "", first.page, first.box, 0.5, "default"), 0.8


def _own_company(candidates: Candidates, own_names: Sequence[str]) -> None:
    """The tenant's own name is the customer on its incoming invoices, never the vendor."""
    own = {fold(name).strip() for name in own_names}
    if not own:
        return
    vendors = candidates.by_field.get("vendor_name", [])
    for candidate in [c for c in vendors if fold(c.value).strip() in own]:
        vendors.remove(candidate)
        candidate.field = "customer_name"  # printed on the page all the same: it names the customer
        candidates.add(candidate)
    for candidate in candidates.by_field.get("customer_name", []):
        if fold(candidate.value).strip() in own:
            candidate.score += OWN_NAME_BONUS
            candidate.notes.append("the tenant's own company")


def _in_doubt(options: Sequence[Candidate]) -> bool:
    """Whether the best two options' evidence is close enough that the model should choose."""
    best, second = sorted((c.score for c in options), reverse=True)[:2]
    return best - second < DOUBT_MARGIN


def gather(document: ParsedDocument, *, layout: Layout | None = None) -> tuple[Layout, Candidates]:
    """The document's layout (``layout`` when already built from it) and every candidate of
    every field: what the model chooses among."""
    layout = layout if layout is not None else Layout(document)
    candidates = Candidates(layout, decimal=decimal_separator(document.text))
    party_candidates(layout, candidates)
    return layout, candidates


def _runner_up(options: Sequence[Candidate], pick: Candidate) -> float:
    """The best evidence for a different value: what the choice had to beat."""
    return max((c.score for c in options if c.value != pick.value), default=0.0)


def _confidence(evidence: float, rival: float) -> float:
    """Raw confidence from the chosen value's evidence and its margin over the best other value."""
    return round(1.0 / (1.0 + math.exp(-(2.0 * evidence + 2.0 * (evidence - rival) - 1.5))), 4)


def _field(candidate: Candidate, confidence: float) -> ExtractedField:
    derived = {
        "gross": "the gross: no amount due is printed apart from it",
        "default": "no credit-note title on the page",
        "memory": "",
        "title": "",
    }.get(candidate.how, "")
    provenance = Provenance(
        page=candidate.page,
        bbox=candidate.box.as_tuple(),
        source_text=candidate.raw,
        derived=derived,
    )
    if candidate.how == "default":
        provenance = Provenance(derived=derived)
    return ExtractedField(value=candidate.value, confidence=max(0.0, min(1.0, confidence)), provenance=provenance)
