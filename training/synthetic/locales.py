"""Where the synthetic vendors sit and what they write: countries, languages, currencies and VAT rates.

The language and country lists come in two generations: the first version's (``ORIGINAL_*``),
which vendors on the original draw keep so that their seeds give the invoices they always gave,
and the full lists the newer draw uses (see ``vendors.make_vendor``).
"""

from __future__ import annotations

from decimal import Decimal

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "nl", "es", "it")


# Languages added after the first version; a vendor writing one of them always takes the newer
# draw (see ``make_vendor``), as no earlier seed can have produced it.
NEW_LANGUAGES: tuple[str, ...] = ("nl", "es", "it")


# The first version's countries, in its draw order: vendors on the original path draw from this.
ORIGINAL_COUNTRIES: tuple[str, ...] = ("DE", "FR", "GB", "CH", "NL")


COUNTRIES: tuple[str, ...] = (*ORIGINAL_COUNTRIES, "ES", "IT", "BE", "AT")


# Which languages a vendor of a country writes in, and which currencies it bills in (first is usual).
# The language lists serve the original draw only, so they name only its countries and languages.
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "DE": ("de", "de", "de", "en"),
    "FR": ("fr", "fr", "fr", "en"),
    "GB": ("en",),
    "CH": ("de", "de", "fr", "en"),
    "NL": ("en", "en", "de"),
}


COUNTRY_CURRENCIES: dict[str, tuple[str, ...]] = {
    "DE": ("EUR", "EUR", "EUR", "EUR", "USD"),
    "FR": ("EUR", "EUR", "EUR", "EUR", "USD"),
    "GB": ("GBP", "GBP", "GBP", "USD", "EUR"),
    "CH": ("CHF", "CHF", "CHF", "EUR"),
    "NL": ("EUR", "EUR", "EUR", "USD"),
    "ES": ("EUR", "EUR", "EUR", "EUR", "EUR", "USD"),
    "IT": ("EUR", "EUR", "EUR", "EUR", "EUR", "USD"),
    "BE": ("EUR", "EUR", "EUR", "EUR", "USD"),
    "AT": ("EUR", "EUR", "EUR", "EUR", "CHF"),
}


# Where a vendor writing a language sits, when the language is forced on the original path.
ORIGINAL_LANGUAGE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "en": ("GB", "GB", "NL", "DE", "FR", "CH"),
    "de": ("DE", "DE", "DE", "CH", "NL"),
    "fr": ("FR", "FR", "FR", "CH"),
}


# The same for the newer draw, which picks the language first: English is written everywhere.
LANGUAGE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "en": ("GB", "GB", "GB", "NL", "DE", "FR", "CH", "ES", "IT", "BE", "AT"),
    "de": ("DE", "DE", "DE", "DE", "AT", "AT", "CH"),
    "fr": ("FR", "FR", "FR", "FR", "BE", "CH"),
    "nl": ("NL", "NL", "NL", "BE", "BE"),
    "es": ("ES",),
    "it": ("IT",),
}


# Share of each language among random vendors (``make_vendor`` without a language).
LANGUAGE_SHARES: dict[str, float] = {"en": 0.30, "de": 0.25, "fr": 0.15, "nl": 0.10, "es": 0.10, "it": 0.10}


# (standard, reduced, catering) VAT rates in percent.
TAX_RATES: dict[str, dict[str, Decimal]] = {
    "DE": {"standard": Decimal(19), "reduced": Decimal(7), "catering": Decimal(19)},
    "FR": {"standard": Decimal(20), "reduced": Decimal("5.5"), "catering": Decimal(10)},
    "GB": {"standard": Decimal(20), "reduced": Decimal(0), "catering": Decimal(5)},
    "CH": {"standard": Decimal("8.1"), "reduced": Decimal("2.6"), "catering": Decimal("8.1")},
    "NL": {"standard": Decimal(21), "reduced": Decimal(9), "catering": Decimal(9)},
    "ES": {"standard": Decimal(21), "reduced": Decimal(10), "catering": Decimal(10)},
    "IT": {"standard": Decimal(22), "reduced": Decimal(10), "catering": Decimal(10)},
    "BE": {"standard": Decimal(21), "reduced": Decimal(6), "catering": Decimal(12)},
    "AT": {"standard": Decimal(20), "reduced": Decimal(10), "catering": Decimal(10)},
}


CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "DE": {
        "en": "Germany",
        "de": "Deutschland",
        "fr": "Allemagne",
        "nl": "Duitsland",
        "es": "Alemania",
        "it": "Germania",
    },
    "FR": {
        "en": "France",
        "de": "Frankreich",
        "fr": "France",
        "nl": "Frankrijk",
        "es": "Francia",
        "it": "Francia",
    },
    "GB": {
        "en": "United Kingdom",
        "de": "Vereinigtes Königreich",
        "fr": "Royaume-Uni",
        "nl": "Verenigd Koninkrijk",
        "es": "Reino Unido",
        "it": "Regno Unito",
    },
    "CH": {
        "en": "Switzerland",
        "de": "Schweiz",
        "fr": "Suisse",
        "nl": "Zwitserland",
        "es": "Suiza",
        "it": "Svizzera",
    },
    "NL": {
        "en": "Netherlands",
        "de": "Niederlande",
        "fr": "Pays-Bas",
        "nl": "Nederland",
        "es": "Países Bajos",
        "it": "Paesi Bassi",
    },
    "ES": {"en": "Spain", "de": "Spanien", "fr": "Espagne", "nl": "Spanje", "es": "España", "it": "Spagna"},
    "IT": {"en": "Italy", "de": "Italien", "fr": "Italie", "nl": "Italië", "es": "Italia", "it": "Italia"},
    "BE": {
        "en": "Belgium",
        "de": "Belgien",
        "fr": "Belgique",
        "nl": "België",
        "es": "Bélgica",
        "it": "Belgio",
    },
    "AT": {
        "en": "Austria",
        "de": "Österreich",
        "fr": "Autriche",
        "nl": "Oostenrijk",
        "es": "Austria",
        "it": "Austria",
    },
}
