"""Synthetic vendors: a vendor's identity and house style, drawn deterministically from a seed.

A ``Vendor`` fixes the layout, language, currency, number and date formats, label style and
invoice numbering, so all invoices of one vendor look alike. A share of vendors (``STYLED_SHARE``)
is drawn the newer way (language first, all countries and layouts, their own label style); the
rest exactly as the first version drew them, so that their seeds still give the same invoices.
"""

from __future__ import annotations

import dataclasses
import random
import unicodedata
from dataclasses import dataclass

from docai.training.synthetic.formats import format_number, formats_for
from docai.training.synthetic.identifiers import bank_account, vat_id
from docai.training.synthetic.layouts import LAYOUT_COUNT, ORIGINAL_LAYOUT_COUNT
from docai.training.synthetic.locales import (
    COUNTRY_CURRENCIES,
    COUNTRY_LANGUAGES,
    LANGUAGE_COUNTRIES,
    LANGUAGE_SHARES,
    LANGUAGES,
    NEW_LANGUAGES,
    ORIGINAL_COUNTRIES,
    ORIGINAL_LANGUAGE_COUNTRIES,
)
from docai.training.synthetic.parties import PERSON_NAMES, PROVINCES, SECTORS, address_lines, company_name

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


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in folded.lower() if ch.isascii() and ch.isalnum())


def check_layout(layout: int | None) -> None:
    if layout is not None and not 0 <= layout < LAYOUT_COUNT:
        raise ValueError(f"layout must be in 0..{LAYOUT_COUNT - 1}, got {layout}")


def check_language(language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")


def _register(rng: random.Random, country: str, language: str, tax_id: str, city: str) -> str:
    if country == "DE":
        number = rng.randint(10000, 250000)
        return f"Amtsgericht {city} HRB {number}" if language == "de" else f"Register court {city}, HRB {number}"
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
    check_layout(layout)
    check_language(language)
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
    stem = slug(name.split(" ")[0] + (name.split(" ")[1] if len(name.split(" ")) > 2 else ""))
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
        layout=layout if layout is not None else rng.randrange(LAYOUT_COUNT if styled else ORIGINAL_LAYOUT_COUNT),
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


def relanguage(vendor: Vendor, language: str) -> Vendor:
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
