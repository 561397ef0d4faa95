"""Synthetic invoice PDFs with exact ground truth, deterministic by seed.

Used to seed sample invoices in ``make run``, in tests, as training data for the extraction
adapter, and for the learning-curve benchmark on one unseen vendor layout (a ``Vendor`` fixes the
layout, language, currency and formats, so all invoices of one vendor look alike).

The generator first decides the facts of an invoice (dates, items, totals, bank account), then
which of them are printed, then every printed string; the renderer in ``synthetic_layouts`` only
places those strings. The ground truth holds exactly the printed facts, normalised: dates as
``YYYY-MM-DD``, amounts, quantities and rates as floats rounded to two decimals.

Vendors write English, German, French, Dutch, Spanish or Italian and sit in nine countries. Most
draw their own label spellings (several per field and language, some in capitals, with or without
colons); the rest are drawn exactly as the first version drew them, so that their seeds still give
the same invoices (see ``make_vendor``).

Example:
    >>> inv = generate_invoice(7)
    >>> inv.truth["total_gross"] == round(inv.truth["total_net"] + inv.truth["total_tax"], 2)
    True
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from docai.training.synthetic_data import (
    COUNTRIES,
    COUNTRY_CURRENCIES,
    COUNTRY_LANGUAGES,
    DUE_SENTENCE,
    E_INVOICE_STANDARDS,
    FORM_LABELS,
    LABELS,
    LANGUAGE_COUNTRIES,
    LANGUAGE_SHARES,
    LANGUAGES,
    NATIONAL_E_INVOICE_STANDARDS,
    NEW_LANGUAGES,
    ORIGINAL_COUNTRIES,
    ORIGINAL_LANGUAGE_COUNTRIES,
    PERSON_NAMES,
    PRODUCTS,
    PROVINCES,
    SECTORS,
    TAX_RATES,
    UNITS,
    VIEWER_MAKERS,
    VIEWER_TITLES,
    Product,
    address_lines,
    bank_account,
    company_name,
    draw_labels,
    format_date,
    format_money,
    format_number,
    format_quantity,
    format_rate,
    formats_for,
    group_iban,
    payment_terms_text,
    quantize,
    vat_id,
)
from docai.training.synthetic_layouts import (
    LAYOUTS,
    ORIGINAL_LAYOUT_COUNT,
    LayoutSpec,
    PrintedInvoice,
    TotalRow,
    render,
)

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

LAYOUT_COUNT: int = len(LAYOUTS)
MAX_ITEMS = 100
OVERRIDABLE_FIELDS: tuple[str, ...] = (
    "vendor_name",
    "vendor_address",
    "vendor_tax_id",
    "customer_name",
    "customer_tax_id",
    "invoice_number",
    "invoice_date",
    "due_date",
    "purchase_order",
    "payment_terms",
    "currency",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_due",
    "iban",
    "bic",
    "document_type",
)
_OPTIONAL_FIELDS = frozenset(
    {
        "vendor_tax_id",
        "customer_tax_id",
        "due_date",
        "purchase_order",
        "payment_terms",
        "amount_due",
        "iban",
        "bic",
    }
)
_AMOUNTS = ("total_net", "total_tax", "total_gross", "amount_due")
_TOTAL_KEYS = ("subtotal", "net", "tax_total", "gross", "gross_credit", "prepayment", "amount_due")
_PHONE_PREFIX = {
    "DE": "+49 89 ",
    "FR": "+33 1 ",
    "GB": "+44 20 ",
    "CH": "+41 44 ",
    "NL": "+31 20 ",
    "ES": "+34 91 ",
    "IT": "+39 02 ",
    "BE": "+32 2 ",
    "AT": "+43 1 ",
}
_TLD = {
    "DE": "de",
    "FR": "fr",
    "GB": "co.uk",
    "CH": "ch",
    "NL": "nl",
    "ES": "es",
    "IT": "it",
    "BE": "be",
    "AT": "at",
}
_INVOICE_PREFIX = {
    "en": ("INV", "IN", "SI"),
    "de": ("RE", "R", "RG"),
    "fr": ("FA", "F", "FAC"),
    "nl": ("F", "FAC", "INV"),
    "es": ("FAC", "F", "FV"),
    "it": ("FT", "FATT", "FV"),
}
_CREDIT_PREFIX = {"en": "CN", "de": "GS", "fr": "AV", "nl": "CN", "es": "R", "it": "NC"}
# Share of vendors drawn the newer way (languages first, all countries, their own label style);
# the rest keep the first version's draw, so their seeds give the invoices they always gave.
STYLED_SHARE = 0.6


def _original_language_shares() -> dict[str, float]:
    shares = dict.fromkeys(LANGUAGES, 0.0)
    for country in ORIGINAL_COUNTRIES:
        for language in COUNTRY_LANGUAGES[country]:
            shares[language] += 1 / len(ORIGINAL_COUNTRIES) / len(COUNTRY_LANGUAGES[country])
    return shares


# Language weights of the newer draw, chosen so that both draws together give LANGUAGE_SHARES.
_STYLED_WEIGHTS: tuple[float, ...] = tuple(
    max(0.0, (LANGUAGE_SHARES[lang] - (1 - STYLED_SHARE) * share) / STYLED_SHARE)
    for lang, share in _original_language_shares().items()
)
_CODE_PREFIX = ("ART-", "SKU-", "A", "P-", "REF-", "")


@dataclass(frozen=True)
class Vendor:
    """A vendor's identity and house style; every invoice of a vendor shares its layout and labels.

    Attributes:
        name: Company name as printed.
        address: Address lines joined with ", ".
        tax_id: VAT identification number.
        iban: IBAN without spaces (valid mod-97).
        bic: BIC of the vendor's bank.
        language: "en", "de", "fr", "nl", "es" or "it".
        currency: ISO 4217 code the vendor bills in.
        layout: Index into the layouts, ``0 <= layout < LAYOUT_COUNT``.
        country: ISO 3166 country code of the vendor.
        number_format: How amounts are printed, e.g. "1.234,56".
        date_format: How dates are printed, e.g. "3. April 2025".
    """

    name: str
    address: str
    tax_id: str
    iban: str
    bic: str
    language: str
    currency: str
    layout: int
    country: str
    number_format: str
    date_format: str
    bank_name: str
    phone: str
    email: str
    website: str
    sector: str
    register: str
    director: str
    invoice_prefix: str
    invoice_pattern: int
    code_prefix: str
    # The vendor's own label style; ``None`` keeps its layout's labels (the first version's way).
    style_seed: int | None = None
    labels_upper: bool = False
    # Colons after labels: ``None`` leaves it to the layout.
    label_colon: bool | None = None


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


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in folded.lower() if ch.isascii() and ch.isalnum())


def _check_layout(layout: int | None) -> None:
    if layout is not None and not 0 <= layout < LAYOUT_COUNT:
        raise ValueError(f"layout must be in 0..{LAYOUT_COUNT - 1}, got {layout}")


def _check_language(language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")


def _register(rng: random.Random, country: str, language: str, tax_id: str, city: str) -> str:
    if country == "DE":
        number = rng.randint(10000, 250000)
        return (
            f"Amtsgericht {city} HRB {number}" if language == "de" else f"Register court {city}, HRB {number}"
        )
    if country == "FR":
        siren = tax_id[4:]
        return f"RCS {city} {siren[:3]} {siren[3:6]} {siren[6:]}"
    if country == "GB":
        return f"Registered in England and Wales No. {rng.randint(1000000, 14999999):08d}"
    if country == "CH":
        return {
            "de": "Handelsregister",
            "fr": "Registre du commerce",
            "it": "Registro di commercio",
        }.get(language, "Commercial register") + f" {city}"
    city = city.split(" (")[0]  # an Italian city line ends with its province: "Milano (MI)"
    if country == "ES":
        return (
            f"Registro Mercantil de {city}, Tomo {rng.randint(1000, 45000)}, Folio {rng.randint(1, 220)}, "
            f"Hoja {PROVINCES[city]}-{rng.randint(10000, 600000)}"
        )
    if country == "IT":
        capital = format_number(rng.choice((10000, 20000, 50000, 100000)), "1.234,56", decimals=0)
        return f"REA {PROVINCES[city]}-{rng.randint(100000, 2500000)} · Cap. soc. € {capital} i.v."
    if country == "BE":
        digits = tax_id[2:]  # the enterprise number is the VAT number without "BE"
        word = "Numéro d'entreprise" if language == "fr" else "Ondernemingsnummer"
        return f"RPR {city} · {word} {digits[:4]}.{digits[4:7]}.{digits[7:]}"
    if country == "AT":
        court = "Handelsgericht Wien" if city == "Wien" else f"Landesgericht {city}"
        return f"FN {rng.randint(100000, 599999)}{rng.choice('abdfghikmpstvwxyz')}, {court}"
    return f"KvK {rng.randint(10000000, 99999999)}"


def make_vendor(seed: int, *, layout: int | None = None, language: str | None = None) -> Vendor:
    """Create a vendor deterministically from a seed.

    A share of vendors (``STYLED_SHARE``, and every vendor writing Dutch, Spanish or Italian) is
    drawn the newer way: the language first (so that all vendors together follow
    ``LANGUAGE_SHARES``), then a country where it is written, any layout, and the vendor's own
    label style. The others are drawn exactly as the first version drew them.

    Args:
        seed: Any integer; the same seed gives the same vendor.
        layout: Force this layout index instead of a random one.
        language: Force one of ``LANGUAGES``; the country is then one where that language is used.

    Returns:
        The vendor.

    Raises:
        ValueError: For an unknown layout or language.

    Example:
        >>> make_vendor(3, layout=0, language="de").language
        'de'
    """
    _check_layout(layout)
    _check_language(language)
    rng = random.Random(f"vendor:{seed}")
    # Newer draws come from a stream of their own, so that vendors on the original path make
    # exactly the draws they always made.
    extra = random.Random(f"vendor-style:{seed}")
    styled = extra.random() < STYLED_SHARE or language in NEW_LANGUAGES
    if not styled:
        if language is None:
            country = rng.choice(ORIGINAL_COUNTRIES)
            language = rng.choice(COUNTRY_LANGUAGES[country])
        else:
            country = rng.choice(ORIGINAL_LANGUAGE_COUNTRIES[language])
    else:
        if language is None:
            language = extra.choices(LANGUAGES, weights=_STYLED_WEIGHTS)[0]
        country = rng.choice(LANGUAGE_COUNTRIES[language])
    sector = rng.choice(SECTORS)
    name = company_name(rng, country, sector)
    lines = address_lines(rng, country, language=language, with_country=False)
    tax_id = vat_id(rng, country, language=language, original=not styled)
    account = bank_account(rng, country, original=not styled)
    number_format, date_format = formats_for(rng, language=language, country=country)
    stem = _slug(name.split(" ")[0] + (name.split(" ")[1] if len(name.split(" ")) > 2 else ""))
    domain = f"{stem}.{_TLD[country]}"
    city = lines[-1].split(" ", 1)[-1] if country != "GB" else lines[-2]
    style_seed = extra.randrange(2**32) if styled else None
    colon_roll = extra.random()
    return Vendor(
        name=name,
        address=", ".join(lines),
        tax_id=tax_id,
        iban=account.iban,
        bic=account.bic,
        language=language,
        currency=rng.choice(COUNTRY_CURRENCIES[country]),
        layout=layout
        if layout is not None
        else rng.randrange(LAYOUT_COUNT if styled else ORIGINAL_LAYOUT_COUNT),
        country=country,
        number_format=number_format,
        date_format=date_format,
        bank_name=account.bank_name,
        phone=_PHONE_PREFIX[country] + f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        email=f"{rng.choice(('info', 'billing', 'accounts', 'invoices', 'contact'))}@{domain}",
        website=f"www.{domain}",
        sector=sector,
        register=_register(rng, country, language, tax_id, city),
        director=rng.choice(PERSON_NAMES[country]),
        invoice_prefix=rng.choice(_INVOICE_PREFIX[language]),
        invoice_pattern=rng.randrange(6),
        code_prefix=rng.choice(_CODE_PREFIX),
        style_seed=style_seed,
        labels_upper=styled and extra.random() < 0.12,
        label_colon=None if not styled or colon_roll >= 0.45 else colon_roll < 0.25,
    )


def _relanguage(vendor: Vendor, language: str) -> Vendor:
    if language == vendor.language:
        return vendor
    rng = random.Random(f"relanguage:{vendor.name}:{language}")
    number_format, date_format = formats_for(rng, language=language, country=vendor.country)
    return dataclasses.replace(
        vendor,
        language=language,
        number_format=number_format,
        date_format=date_format,
        invoice_prefix=rng.choice(_INVOICE_PREFIX[language]),
    )


def _invoice_number(vendor: Vendor, rng: random.Random, year: int, *, credit: bool) -> str:
    prefix = _CREDIT_PREFIX[vendor.language] if credit else vendor.invoice_prefix
    n = rng.randint(1, 9999)
    pattern = vendor.invoice_pattern
    if pattern == 0:
        return f"{prefix}-{year}-{n:04d}"
    if pattern == 1:
        return f"{prefix}{year}{n:05d}"
    if pattern == 2:
        return f"{prefix}-{year}/{n:04d}" if credit else f"{year}/{n:04d}"
    if pattern == 3:
        return f"{prefix}{rng.randint(100000, 999999)}" if credit else f"{rng.randint(10000000, 99999999)}"
    if pattern == 4:
        return f"{prefix}-{rng.randint(10000, 99999)}"
    return f"{prefix}{year % 100:02d}-{n:05d}"


@dataclass
class _Item:
    product: Product
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rate: Decimal
    code: str


def _quantity(rng: random.Random, product: Product) -> Decimal:
    unit = product.unit
    if unit == "hour":
        return Decimal(rng.randint(2, 160)) / 2 if rng.random() < 0.8 else Decimal(rng.randint(4, 120)) / 4
    if unit == "piece":
        return Decimal(rng.choice((1, 1, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50)))
    if unit == "day":
        return Decimal(rng.randint(2, 20)) / 2
    if unit == "month":
        return Decimal(rng.choice((1, 1, 1, 3, 6, 12)))
    if unit == "kg":
        return Decimal(rng.randint(1, 60)) / 2 if rng.random() < 0.6 else Decimal(rng.randint(50, 2500)) / 100
    return Decimal(1)


def _price(rng: random.Random, product: Product) -> Decimal:
    lo, hi = product.price
    value = rng.uniform(lo, hi)
    if hi >= 60 and rng.random() < 0.7:
        return Decimal(int(value / 5) * 5 or 5)
    return Decimal(f"{value:.2f}")


def _items(rng: random.Random, vendor: Vendor, spec: LayoutSpec, count: int) -> list[_Item]:
    pool = [p for p in PRODUCTS if p.sector == vendor.sector]
    extras = [p for p in PRODUCTS if p.sector == "any"]
    if rng.random() < 0.3:
        pool += rng.sample(extras, rng.randint(1, 2))
    chosen = rng.sample(pool, count) if count <= len(pool) else [rng.choice(pool) for _ in range(count)]
    items = []
    for product in chosen:
        description = product.text[vendor.language]
        if count > len(pool) or rng.random() < 0.15:
            description += rng.choice((" – ", " - ", ", ")) + _period(rng, vendor.language)
        quantity = _quantity(rng, product)
        price = _price(rng, product)
        units = UNITS[product.unit][vendor.language]
        unit_index = spec.label_variant
        if vendor.style_seed is not None:  # a vendor with its own labels spells its units its own way
            unit_index = random.Random(f"unit:{vendor.style_seed}:{product.unit}").randrange(len(units))
        code_rng = random.Random(f"code:{vendor.name}:{product.text['en']}")
        items.append(
            _Item(
                product=product,
                description=description,
                quantity=quantity,
                unit=units[unit_index % len(units)],
                unit_price=price,
                amount=quantize(quantity * price),
                rate=TAX_RATES[vendor.country][product.tax_class],
                code=f"{vendor.code_prefix}{code_rng.randint(1000, 99999)}",
            )
        )
    return items


def _period(rng: random.Random, language: str) -> str:
    month = rng.randint(1, 12)
    names = {
        "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."),
        "fr": (
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        ),
        "nl": ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
        "es": (
            "ene.",
            "feb.",
            "mar.",
            "abr.",
            "may.",
            "jun.",
            "jul.",
            "ago.",
            "sept.",
            "oct.",
            "nov.",
            "dic.",
        ),
        "it": (
            "gen.",
            "feb.",
            "mar.",
            "apr.",
            "mag.",
            "giu.",
            "lug.",
            "ago.",
            "set.",
            "ott.",
            "nov.",
            "dic.",
        ),
    }[language]
    word = {"en": "batch", "de": "Lieferung", "fr": "lot", "nl": "partij", "es": "lote", "it": "lotto"}[
        language
    ]
    return rng.choice((names[month - 1], f"{word} {rng.randint(1, 40)}"))


def _item_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.6:
        return rng.randint(1, 5)
    if roll < 0.9:
        return rng.randint(6, 12)
    return rng.randint(13, 30)


@dataclass
class _Facts:
    """Everything about one invoice before deciding how it is printed."""

    values: dict[str, object]
    shown: set[str]
    items: list[_Item]
    taxes: list[tuple[Decimal, Decimal, Decimal]]  # rate, base, amount (after discount)
    subtotal: Decimal
    discount_percent: Decimal | None
    discount: Decimal
    prepayment: Decimal
    customer_lines: list[str]
    customer_number: str | None
    delivery_date: date | None
    original_invoice: str | None
    terms_in_meta: bool
    due_in_meta: bool
    currency_in_meta: bool
    bank_name_shown: bool
    holder_shown: bool


def _facts(rng: random.Random, vendor: Vendor, spec: LayoutSpec, *, n_items: int, credit: bool) -> _Facts:
    invoice_date = date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    items = _items(rng, vendor, spec, n_items)
    subtotal = sum((item.amount for item in items), Decimal(0))
    by_rate: dict[Decimal, Decimal] = {}
    for item in items:
        by_rate[item.rate] = by_rate.get(item.rate, Decimal(0)) + item.amount
    discount_percent = Decimal(rng.choice((2, 3, 5, 10))) if rng.random() < 0.15 else None
    taxes = []
    discount = Decimal(0)
    for rate in sorted(by_rate, reverse=True):
        # Discount each rate's share separately, as tax law wants the reduced base per rate.
        cut = quantize(by_rate[rate] * discount_percent / 100) if discount_percent else Decimal(0)
        discount += cut
        base = by_rate[rate] - cut
        taxes.append((rate, base, quantize(base * rate / 100)))
    net = sum((base for _, base, _ in taxes), Decimal(0))
    tax = sum((amount for _, _, amount in taxes), Decimal(0))
    gross = net + tax
    prepayment = Decimal(0)
    if not credit and rng.random() < 0.1:
        prepayment = (
            quantize(gross * Decimal(rng.choice(("0.3", "0.5"))))
            if rng.random() < 0.5
            else Decimal(max(100, int(gross / 3 / 100) * 100))
        )
        if prepayment >= gross:
            prepayment = Decimal(0)
    terms_days = rng.choice((0, 7, 10, 14, 14, 30, 30, 30, 45, 60))
    original = vendor.style_seed is None  # such vendors keep the first version's customers
    customer_country = (
        vendor.country if rng.random() < 0.75 else rng.choice(ORIGINAL_COUNTRIES if original else COUNTRIES)
    )
    customer_name = company_name(rng, customer_country, rng.choice(SECTORS))
    while customer_name.split()[0] == vendor.name.split()[0]:  # a customer is another company
        customer_name = company_name(rng, customer_country, rng.choice(SECTORS))
    foreign = customer_country != vendor.country
    values: dict[str, object] = {
        "vendor_name": vendor.name,
        "vendor_address": vendor.address,
        "vendor_tax_id": vendor.tax_id,
        "customer_name": customer_name,
        "customer_tax_id": vat_id(rng, customer_country, language=vendor.language, original=original),
        "invoice_number": _invoice_number(vendor, rng, invoice_date.year, credit=credit),
        "invoice_date": invoice_date,
        "due_date": invoice_date + timedelta(days=terms_days),
        "purchase_order": rng.choice(("PO-", "PO", "BE-", "", "4500")) + str(rng.randint(10000, 999999)),
        "payment_terms": payment_terms_text(rng, language=vendor.language, days=terms_days),
        "currency": vendor.currency,
        "total_net": net,
        "total_tax": tax,
        "total_gross": gross,
        "amount_due": gross - prepayment,
        "iban": vendor.iban,
        "bic": vendor.bic,
        "document_type": "credit_note" if credit else "invoice",
    }
    shown = {
        "vendor_name",
        "vendor_address",
        "customer_name",
        "invoice_number",
        "invoice_date",
        "currency",
        "total_net",
        "total_tax",
        "total_gross",
        "document_type",
    }
    maybe = {
        "vendor_tax_id": 0.9,
        "customer_tax_id": 0.9 if foreign else 0.35,
        "purchase_order": 0.4,
        "iban": 0.92,
        "due_date": 0.0 if credit else 0.7,
        "payment_terms": 0.0 if credit else 0.7,
        "amount_due": 0.0 if credit else (1.0 if spec.show_amount_due or prepayment else 0.0),
    }
    for name, probability in maybe.items():
        if rng.random() < probability:
            shown.add(name)
    if "iban" in shown and rng.random() < 0.85:
        shown.add("bic")
    return _Facts(
        values=values,
        shown=shown,
        items=items,
        taxes=taxes,
        subtotal=subtotal,
        discount_percent=discount_percent,
        discount=discount,
        prepayment=prepayment,
        customer_lines=address_lines(rng, customer_country, language=vendor.language, with_country=foreign),
        customer_number=str(rng.randint(10000, 99999)) if rng.random() < 0.4 else None,
        delivery_date=invoice_date - timedelta(days=rng.randint(1, 20)) if rng.random() < 0.3 else None,
        original_invoice=_invoice_number(vendor, rng, invoice_date.year, credit=False)
        if credit and rng.random() < 0.7
        else None,
        terms_in_meta=rng.random() < 0.5,
        due_in_meta=rng.random() < 0.75,
        currency_in_meta=spec.currency_style == "symbol" or rng.random() < 0.3,
        bank_name_shown=rng.random() < 0.7,
        holder_shown=rng.random() < 0.3,
    )


def _apply_overrides(facts: _Facts, overrides: dict[str, object]) -> None:
    for name, value in overrides.items():
        if name not in OVERRIDABLE_FIELDS or name == "document_type":
            continue
        if value is None:
            if name not in _OPTIONAL_FIELDS:
                raise ValueError(f"field {name!r} is always printed and cannot be removed")
            facts.shown.discard(name)
            continue
        if name in ("invoice_date", "due_date"):
            value = value if isinstance(value, date) else date.fromisoformat(str(value))
        elif name in _AMOUNTS:
            value = quantize(Decimal(str(value)))
        else:
            value = str(value)
        facts.values[name] = value
        facts.shown.add(name)


def labels_for(vendor: Vendor, spec: LayoutSpec) -> dict[str, str]:
    """Every label a vendor prints with a layout: its own style's, else the layout's spelling.

    Example:
        >>> labels_for(make_vendor(3, layout=0, language="de"), LAYOUTS[0])["col_desc"]  # doctest: +SKIP
        'Beschreibung'
    """
    if vendor.style_seed is not None:
        return draw_labels(vendor.style_seed, vendor.language, upper=vendor.labels_upper)
    return {
        key: variants[spec.label_variant % len(variants)] for key, variants in LABELS[vendor.language].items()
    }


def _build(
    vendor: Vendor, spec: LayoutSpec, facts: _Facts, rng: random.Random, *, hidden_text: str | None
) -> tuple[PrintedInvoice, dict[str, str]]:
    """Every printed string, plus for each shown header field the string that shows it."""
    lang = vendor.language
    label = labels_for(vendor, spec)
    v, shown = facts.values, facts.shown
    nf = vendor.number_format
    credit = v["document_type"] == "credit_note"
    currency = str(v["currency"])
    printed: dict[str, str] = {}

    def num(value: object) -> str:
        return format_number(Decimal(str(value)), nf)

    def money(value: object) -> str:
        style = spec.currency_style if spec.currency_style != "header" else "none"
        return format_money(
            Decimal(str(value)), number_format=nf, currency=currency, style=style, language=lang
        )

    def day(value: object) -> str:
        assert isinstance(value, date)
        return format_date(value, vendor.date_format)

    def rate(value: Decimal) -> str:
        return format_rate(value, nf, spaced=spec.spaced_rate)

    vendor_name = str(v["vendor_name"])
    vendor_address = str(v["vendor_address"]).split(", ")
    printed["vendor_name"] = vendor_name
    printed["vendor_address"] = str(v["vendor_address"])
    contact = [f"{label['phone']} {vendor.phone}", f"{label['email']} {vendor.email}"]
    if rng.random() < 0.5:
        contact.append(vendor.website)
    vat_line = f"{label['vat_id']}: {v['vendor_tax_id']}"
    if "vendor_tax_id" in shown:
        printed["vendor_tax_id"] = str(v["vendor_tax_id"])

    # Meta block: number and date first, then whatever else this invoice shows.
    number_label = label["credit_number"] if credit else label["invoice_number"]
    number = str(v["invoice_number"])
    printed["invoice_number"] = number
    printed["invoice_date"] = day(v["invoice_date"])
    meta: list[tuple[str, str]] = [(number_label, number), (label["invoice_date"], printed["invoice_date"])]
    if facts.delivery_date:
        meta.append((label["delivery_date"], day(facts.delivery_date)))
    if facts.customer_number:
        meta.append((label["customer_number"], facts.customer_number))
    if facts.original_invoice:
        meta.append((label["original_invoice"], facts.original_invoice))
    if "purchase_order" in shown:
        printed["purchase_order"] = str(v["purchase_order"])
        meta.append((label["purchase_order"], printed["purchase_order"]))
    notes: list[str] = []
    if "due_date" in shown:
        printed["due_date"] = day(v["due_date"])
        if facts.due_in_meta:
            meta.append((label["due_date"], printed["due_date"]))
        else:
            notes.append(rng.choice(DUE_SENTENCE[lang]).format(date=printed["due_date"]))
    if "payment_terms" in shown:
        printed["payment_terms"] = str(v["payment_terms"])
        if facts.terms_in_meta and len(printed["payment_terms"]) <= 28 and spec.meta_style != "row":
            meta.append((label["payment_terms"], printed["payment_terms"]))
        else:
            notes.insert(0, f"{label['payment_terms']}: {printed['payment_terms']}")
    if facts.currency_in_meta:
        meta.append((label["currency"], currency))
    if "vendor_tax_id" in shown and spec.taxid_pos == "meta":
        meta.append((label["vat_id"], str(v["vendor_tax_id"])))
    printed["currency"] = currency

    # Table.
    headers = {
        "pos": label["col_pos"],
        "code": label["col_code"],
        "desc": label["col_desc"],
        "qty": label["col_qty"],
        "unit": label["col_unit"],
        "qty_unit": label["col_qty"],
        "price": label["col_price"],
        "tax": label["col_tax"],
        "amount": label["col_amount"],
    }
    if spec.currency_style == "header":
        headers["price"] += f" ({currency})"
        headers["amount"] += f" ({currency})"
    pos_step = 10 if spec.label_variant == 3 else 1
    rows = []
    running = Decimal(0)
    for index, item in enumerate(facts.items, start=1):
        running += item.amount
        rows.append(
            {
                "pos": str(index * pos_step),
                "code": item.code,
                "desc": item.description,
                "qty": format_quantity(item.quantity, nf),
                "unit": item.unit,
                "qty_unit": f"{format_quantity(item.quantity, nf)} {item.unit}",
                "price": num(item.unit_price),
                "tax": rate(item.rate),
                "amount": num(item.amount),
                "running": num(running),  # for carried-forward rows at page breaks
            }
        )

    # Totals.
    totals: list[TotalRow] = []
    if vendor.label_colon:  # a vendor that writes colons writes them in the totals too
        label = {**label, **{key: f"{label[key]}:" for key in _TOTAL_KEYS}}
    if facts.discount_percent is not None:
        totals.append(TotalRow(label["subtotal"], money(facts.subtotal)))
        totals.append(TotalRow(f"{label['discount']} {rate(facts.discount_percent)}", money(-facts.discount)))
    printed["total_net"] = money(v["total_net"])
    totals.append(TotalRow(label["net"], printed["total_net"]))
    tax_table = None
    printed["total_tax"] = money(v["total_tax"])
    if spec.tax_style == "lines":
        for tax_rate, base, amount in facts.taxes:
            totals.append(
                TotalRow(label["tax_line"].format(rate=rate(tax_rate), base=num(base)), money(amount))
            )
        # With one rate its tax line is the total; print a total line only when it says more.
        if len(facts.taxes) > 1 or v["total_tax"] != facts.taxes[0][2]:
            totals.append(TotalRow(label["tax_total"], printed["total_tax"]))
    else:
        tax_table = (
            (label["tax_table_rate"], label["tax_table_base"], label["tax_table_amount"]),
            [(rate(r), num(b), num(a)) for r, b, a in facts.taxes],
        )
        totals.append(TotalRow(label["tax_total"], printed["total_tax"]))
    printed["total_gross"] = money(v["total_gross"])
    totals.append(
        TotalRow(label["gross_credit"] if credit else label["gross"], printed["total_gross"], strong=True)
    )
    if "amount_due" in shown:
        if facts.prepayment:
            totals.append(TotalRow(label["prepayment"], money(-facts.prepayment)))
        printed["amount_due"] = money(v["amount_due"])
        totals.append(TotalRow(label["amount_due"], printed["amount_due"], strong=True))

    # Bank details.
    bank_lines: list[str] = []
    if "iban" in shown:
        iban = str(v["iban"])
        printed["iban"] = group_iban(iban) if spec.iban_grouped and " " not in iban else iban
        if facts.holder_shown:
            bank_lines.append(f"{label['account_holder']}: {vendor_name}")
        if facts.bank_name_shown:
            bank_lines.append(f"{label['bank_name']}: {vendor.bank_name}")
        bank_lines.append(f"IBAN: {printed['iban']}")
        if "bic" in shown:
            printed["bic"] = str(v["bic"])
            bank_lines.append(f"{label['bic']}: {printed['bic']}")

    if credit:
        notes.append(label["credit_note_text"])
    notes.append(label["thanks"])
    notes = [note for note in notes if note]

    ids = [vendor.register, label["director"].format(n=vendor.director)]
    if "vendor_tax_id" in shown and spec.taxid_pos == "footer":
        ids.append(vat_line)
    footer_columns: list[list[str]] = []
    if spec.bank_pos == "footer" or spec.taxid_pos == "footer":
        footer_columns = [
            [vendor_name, *vendor_address],
            contact + ([] if len(contact) > 2 else [vendor.website]),
        ]
        if spec.bank_pos == "footer" and bank_lines:
            footer_columns.append(bank_lines)
        footer_columns.append(ids)

    customer_extra = []
    if "customer_tax_id" in shown:
        printed["customer_tax_id"] = str(v["customer_tax_id"])
        customer_extra.append(f"{label['customer_vat_id']}: {printed['customer_tax_id']}")
    printed["customer_name"] = str(v["customer_name"])
    title = label["title_credit"] if credit else label["title_invoice"]
    banner: list[str] = []
    form_labels: dict[str, str] = {}
    if spec.form:  # draws from rng only here, so the designed layouts stay as they were
        form_labels = {
            key: variants[spec.label_variant % len(variants)] for key, variants in FORM_LABELS[lang].items()
        }
        form_labels["seller"] = label["from"]
        standards = E_INVOICE_STANDARDS + NATIONAL_E_INVOICE_STANDARDS.get(lang, ())
        banner = [
            f"{rng.choice(VIEWER_TITLES[lang])} © {rng.choice(VIEWER_MAKERS)} {rng.randint(2019, 2026)}",
            f"{form_labels['standard']}: {rng.choice(standards)}",
            f"{form_labels['input_file']}: {_slug(number)}_{rng.randint(100, 999)}.xml",
        ]
        if rng.random() < 0.5:
            banner.append(f"{form_labels['viewer_version']}: {rng.randint(1, 3)}.{rng.randint(0, 9)}")
    intro = label["intro_credit" if credit else "intro"] if spec.intro else ""
    doc = PrintedInvoice(
        title=title,
        vendor_name=vendor_name,
        vendor_address=vendor_address,
        vendor_contact=contact,
        vendor_ids=[vat_line] if "vendor_tax_id" in shown and spec.taxid_pos == "header" else [],
        sender_line=" · ".join([vendor_name, *vendor_address]),
        customer_heading=label["bill_to"],
        customer_name=printed["customer_name"],
        customer_lines=facts.customer_lines,
        customer_extra=customer_extra,
        meta=meta,
        intro=intro,
        columns=[(key, headers[key]) for key in spec.columns],
        rows=rows,
        totals=totals,
        tax_table=tax_table,
        notes=notes,
        bank_heading=label["bank"],
        bank_lines=bank_lines,
        footer_columns=footer_columns,
        page_label=label["page"],
        continuation=f"{title} {number} – {label['continued']}",
        hidden_text=hidden_text,
        banner=banner,
        form_labels=form_labels,
        carry_labels=(label["carried_forward"], label["brought_forward"]),
        wrap_headers=vendor.style_seed is not None,  # the original vendors' tables stay as they were
    )
    return doc, {name: printed[name] for name in printed if name in shown}


def _f(value: Decimal) -> float:
    return float(quantize(value))


def _truth(facts: _Facts, spec: LayoutSpec) -> dict[str, object]:
    truth: dict[str, object] = {}
    for name in OVERRIDABLE_FIELDS:
        if name not in facts.shown:
            continue
        value = facts.values[name]
        if isinstance(value, date):
            truth[name] = value.isoformat()
        elif isinstance(value, Decimal):
            truth[name] = _f(value)
        elif name == "iban":
            truth[name] = str(value).replace(" ", "").upper()
        else:
            truth[name] = value
    truth["tax_details"] = [{"rate": _f(r), "base": _f(b), "amount": _f(a)} for r, b, a in facts.taxes]
    columns = set(spec.columns)
    items = []
    for item in facts.items:
        row: dict[str, object] = {"description": item.description}
        if columns & {"qty", "qty_unit"}:
            row["quantity"] = _f(item.quantity)
        if columns & {"unit", "qty_unit"}:
            row["unit"] = item.unit
        if "price" in columns:
            row["unit_price"] = _f(item.unit_price)
        row["amount"] = _f(item.amount)
        if "tax" in columns:
            row["tax_rate"] = _f(item.rate)
        if "code" in columns:
            row["product_code"] = item.code
        items.append(row)
    truth["line_items"] = items
    return truth


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
    _check_layout(layout)
    _check_language(language)
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(OVERRIDABLE_FIELDS))
    if unknown:
        raise ValueError(
            f"cannot override {', '.join(unknown)}; overridable: {', '.join(OVERRIDABLE_FIELDS)}"
        )
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
        vendor = _relanguage(vendor, language)
    spec = LAYOUTS[vendor.layout]
    if vendor.label_colon is not None:
        spec = dataclasses.replace(spec, label_colon=vendor.label_colon)
    rng = random.Random(f"invoice:{seed}")
    credit = credit_note if credit_note is not None else rng.random() < 0.12
    count = n_items if n_items is not None else _item_count(rng)
    facts = _facts(rng, vendor, spec, n_items=count, credit=credit)
    _apply_overrides(facts, overrides)
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
    doc, printed = _build(vendor, spec, facts, rng, hidden_text=hidden_text)
    notes: dict[str, object] = {
        "subtotal": _f(facts.subtotal),
        "layout_name": spec.name,
        "number_format": vendor.number_format,
        "date_format": vendor.date_format,
    }
    if facts.discount_percent is not None:
        notes["discount"] = {"percent": _f(facts.discount_percent), "amount": _f(facts.discount)}
    if facts.prepayment and "amount_due" in facts.shown:
        notes["prepayment"] = _f(facts.prepayment)
    return SyntheticInvoice(
        pdf=render(doc, spec),
        truth=_truth(facts, spec),
        layout=vendor.layout,
        language=vendor.language,
        vendor=vendor,
        printed=printed,
        notes=notes,
    )


def write_corpus(out_dir: Path, *, count: int, seed: int = 0, **options: object) -> list[Path]:
    """Write ``count`` invoices as ``NNNN.pdf`` with ground truth ``NNNN.json`` beside each.

    Invoice ``i`` uses seed ``seed + i``. The JSON holds the truth plus a ``_synthetic`` note
    (seed, layout, language, vendor country, formats), which evaluation ignores.

    Args:
        out_dir: Directory to write to (created if missing).
        count: Number of invoices.
        seed: Seed of the first invoice.
        **options: Passed to ``generate_invoice`` (vendor, layout, language, n_items, ...).

    Returns:
        The PDF paths in order.

    Example:
        >>> paths = write_corpus(Path("corpus"), count=2, seed=10, language="de")  # doctest: +SKIP
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        invoice = generate_invoice(seed + index, **options)  # type: ignore[arg-type]
        pdf_path = out_dir / f"{index:04d}.pdf"
        pdf_path.write_bytes(invoice.pdf)
        note = {
            "seed": seed + index,
            "layout": invoice.layout,
            "language": invoice.language,
            "vendor_country": invoice.vendor.country,
            **invoice.notes,
        }
        record = {**invoice.truth, "_synthetic": note}
        (out_dir / f"{index:04d}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        paths.append(pdf_path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m docai.training.synthetic OUT_DIR --count N --seed S``: write a corpus."""
    parser = argparse.ArgumentParser(prog="python -m docai.training.synthetic", description=main.__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout", type=int, default=None, help=f"0..{LAYOUT_COUNT - 1}")
    parser.add_argument("--language", choices=LANGUAGES, default=None)
    parser.add_argument("--n-items", type=int, default=None)
    args = parser.parse_args(argv)
    paths = write_corpus(
        args.out_dir,
        count=args.count,
        seed=args.seed,
        layout=args.layout,
        language=args.language,
        n_items=args.n_items,
    )
    print(f"wrote {len(paths)} invoices to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
