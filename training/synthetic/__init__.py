"""Synthetic invoice PDFs with exact ground truth, deterministic by seed.

Used to seed sample invoices in ``make run``, in tests, as training data for the extraction
adapter, and for the learning-curve benchmark on one unseen vendor layout (a ``Vendor`` fixes the
layout, language, currency and formats, so all invoices of one vendor look alike).

The generator first decides the facts of an invoice (dates, items, totals, bank account), then
which of them are printed, then every printed string; the renderer only places those strings.
The ground truth holds exactly the printed facts, normalised: dates as ``YYYY-MM-DD``, amounts,
quantities and rates as floats rounded to two decimals.

Vendors write English, German, French, Dutch, Spanish or Italian and sit in nine countries. Most
draw their own label spellings (several per field and language, some in capitals, with or without
colons); the rest are drawn exactly as the first version drew them, so that their seeds still give
the same invoices (see ``make_vendor``).

The package, along its seams:

- ``locales``: countries, languages, currencies, VAT rates
- ``formats``: how numbers, amounts, rates and dates are printed
- ``parties``: company names, addresses, persons
- ``identifiers``: IBANs and banks, VAT ids (with their check digits)
- ``products``: what vendors sell, and unit words
- ``labels``: field labels, payment terms and other wording
- ``vendors``: ``Vendor`` and ``make_vendor``
- ``facts``: one invoice's facts before printing
- ``printing``: every printed string (``PrintedInvoice``)
- ``layouts``: ``LayoutSpec`` and ``LAYOUTS``; ``render``: the reportlab renderer
- ``truth``: the ground truth; ``generate``: ``generate_invoice``; ``corpus``: files and CLI

Example:
    >>> inv = generate_invoice(7)
    >>> inv.truth["total_gross"] == round(inv.truth["total_net"] + inv.truth["total_tax"], 2)
    True
"""

from __future__ import annotations

from docai.training.synthetic.corpus import main, write_corpus
from docai.training.synthetic.facts import OVERRIDABLE_FIELDS
from docai.training.synthetic.generate import SyntheticInvoice, generate_invoice
from docai.training.synthetic.layouts import LAYOUT_COUNT
from docai.training.synthetic.printing import labels_for
from docai.training.synthetic.vendors import Vendor, make_vendor

__all__ = [
    "LAYOUT_COUNT",
    "OVERRIDABLE_FIELDS",
    "SyntheticInvoice",
    "Vendor",
    "generate_invoice",
    "labels_for",
    "main",
    "make_vendor",
    "write_corpus",
]
