"""One synthetic invoice from a seed: vendor, facts, printed strings, PDF and ground truth together.

:func:`generate_invoice` checks its arguments, draws or adapts the vendor, draws the facts
(``facts``), applies overrides, decides every printed string (``printing``), draws the PDF
(``render``) and records the truth (``truth``). The same arguments give identical truth and
identical PDF bytes.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from docai.training.synthetic.facts import OVERRIDABLE_FIELDS, apply_overrides, draw_facts, item_count
from docai.training.synthetic.layouts import LAYOUTS
from docai.training.synthetic.printing import build_printed
from docai.training.synthetic.render import render
from docai.training.synthetic.truth import ground_truth, to_float
from docai.training.synthetic.vendors import Vendor, check_language, check_layout, make_vendor, relanguage

MAX_ITEMS = 100


@dataclass(frozen=True)
class SyntheticInvoice:
    """One generated invoice.

    Attributes:
        pdf: The PDF file's bytes.
        truth: Ground truth with the canonical field names (only printed fields).
        layout: The layout index used.
        language: The document language.
        vendor: The vendor (with any overrides of its fields applied).
        printed: For each header field in the truth, the exact string printed on the page.
        notes: Facts behind the truth that are not fields (subtotal before discount, prepayment).
    """

    pdf: bytes
    truth: dict[str, object]
    layout: int
    language: str
    vendor: Vendor
    printed: dict[str, str] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)


def generate_invoice(
    seed: int,
    *,
    vendor: Vendor | None = None,
    layout: int | None = None,
    language: str | None = None,
    n_items: int | None = None,
    credit_note: bool | None = None,
    hidden_text: str | None = None,
    overrides: dict[str, object] | None = None,
) -> SyntheticInvoice:
    """Generate one invoice PDF and its ground truth.

    Args:
        seed: Any integer; the same arguments give identical truth and identical PDF bytes.
        vendor: Issue the invoice as this vendor (its layout, language, currency and formats).
            Without it a vendor is made from ``seed``.
        layout: Force a layout index (overrides the vendor's).
        language: Force one of ``LANGUAGES`` (overrides the vendor's, with matching formats).
        n_items: Number of line items (1 to 100); random (mostly 1 to 12) when omitted.
        credit_note: Force a credit note (True) or an invoice (False); random when omitted.
        hidden_text: Text drawn four invisible ways (white, 0.5 pt, off the page, render mode 3);
            never part of the truth. Use Latin-1 characters (standard PDF fonts).
        overrides: Header field values to print and record instead of generated ones, e.g.
            ``{"vendor_name": "<script>alert(1)</script>"}``; dates as "YYYY-MM-DD", amounts as
            numbers (totals are then no longer checked for consistency), ``None`` removes an
            optional field from the page. "document_type" sets the kind of document.

    Returns:
        The invoice.

    Raises:
        ValueError: For an unknown layout, language, override field or an item count out of range.

    Example:
        >>> inv = generate_invoice(1, layout=3, language="fr", n_items=2)
        >>> inv.truth["invoice_number"] in inv.printed["invoice_number"]
        True
    """
    check_layout(layout)
    check_language(language)
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(OVERRIDABLE_FIELDS))
    if unknown:
        raise ValueError(f"cannot override {', '.join(unknown)}; overridable: {', '.join(OVERRIDABLE_FIELDS)}")
    if n_items is not None and not 1 <= n_items <= MAX_ITEMS:
        raise ValueError(f"n_items must be in 1..{MAX_ITEMS}, got {n_items}")
    if "document_type" in overrides:
        if overrides["document_type"] not in ("invoice", "credit_note"):
            raise ValueError("document_type must be 'invoice' or 'credit_note'")
        credit_note = overrides["document_type"] == "credit_note"
    if vendor is None:
        vendor = make_vendor(seed, layout=layout, language=language)
    if layout is not None:
        vendor = dataclasses.replace(vendor, layout=layout)
    if language is not None:
        vendor = relanguage(vendor, language)
    spec = LAYOUTS[vendor.layout]
    if vendor.label_colon is not None:
        spec = dataclasses.replace(spec, label_colon=vendor.label_colon)
    rng = random.Random(f"invoice:{seed}")
    credit = credit_note if credit_note is not None else rng.random() < 0.12
    count = n_items if n_items is not None else item_count(rng)
    facts = draw_facts(rng, vendor, spec, n_items=count, credit=credit)
    apply_overrides(facts, overrides)
    values = facts.values
    vendor = dataclasses.replace(
        vendor,
        name=str(values["vendor_name"]),
        address=str(values["vendor_address"]),
        tax_id=str(values["vendor_tax_id"]),
        iban=str(values["iban"]).replace(" ", "").upper(),
        bic=str(values["bic"]),
        currency=str(values["currency"]),
    )
    doc, printed = build_printed(vendor, spec, facts, rng, hidden_text=hidden_text)
    notes: dict[str, object] = {
        "subtotal": to_float(facts.subtotal),
        "layout_name": spec.name,
        "number_format": vendor.number_format,
        "date_format": vendor.date_format,
    }
    if facts.discount_percent is not None:
        notes["discount"] = {"percent": to_float(facts.discount_percent), "amount": to_float(facts.discount)}
    if facts.prepayment and "amount_due" in facts.shown:
        notes["prepayment"] = to_float(facts.prepayment)
    return SyntheticInvoice(
        pdf=render(doc, spec),
        truth=ground_truth(facts, spec),
        layout=vendor.layout,
        language=vendor.language,
        vendor=vendor,
        printed=printed,
        notes=notes,
    )
