"""The facts of one synthetic invoice, before anything is printed: number, dates, customer, line
items, taxes, discount, prepayment and totals, and which header fields the invoice shows.

Amounts are ``Decimal`` and consistent (each rate's tax on its discounted base); overrides
(``apply_overrides``) replace header values and may break that consistency on purpose.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from docai.training.synthetic.formats import quantize
from docai.training.synthetic.identifiers import vat_id
from docai.training.synthetic.labels import payment_terms_text
from docai.training.synthetic.layouts import LayoutSpec
from docai.training.synthetic.locales import COUNTRIES, ORIGINAL_COUNTRIES, TAX_RATES
from docai.training.synthetic.parties import SECTORS, address_lines, company_name
from docai.training.synthetic.products import PRODUCTS, UNITS, Product
from docai.training.synthetic.vendors import Vendor

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


_CREDIT_PREFIX = {"en": "CN", "de": "GS", "fr": "AV", "nl": "CN", "es": "R", "it": "NC"}


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
    word = {"en": "batch", "de": "Lieferung", "fr": "lot", "nl": "partij", "es": "lote", "it": "lotto"}[language]
    return rng.choice((names[month - 1], f"{word} {rng.randint(1, 40)}"))


def item_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.6:
        return rng.randint(1, 5)
    if roll < 0.9:
        return rng.randint(6, 12)
    return rng.randint(13, 30)


@dataclass
class Facts:
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


def draw_facts(rng: random.Random, vendor: Vendor, spec: LayoutSpec, *, n_items: int, credit: bool) -> Facts:
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
    return Facts(
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


def apply_overrides(facts: Facts, overrides: dict[str, object]) -> None:
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
