"""Word lists, identifiers and locale formatting for the synthetic invoice generator.

Everything here is pure and deterministic: callers pass a ``random.Random``. The number and date
format names are example strings ("1.234,56", "3. April 2025") so that a format is self-describing
wherever it is stored (vendor records, corpus notes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "nl", "es", "it")
# Languages added after the first version; a vendor writing one of them always takes the newer
# draw (see ``make_vendor``), as no earlier seed can have produced it.
NEW_LANGUAGES: tuple[str, ...] = ("nl", "es", "it")
# The first version's countries, in its draw order: vendors on the original path draw from this.
ORIGINAL_COUNTRIES: tuple[str, ...] = ("DE", "FR", "GB", "CH", "NL")
COUNTRIES: tuple[str, ...] = (*ORIGINAL_COUNTRIES, "ES", "IT", "BE", "AT")
NUMBER_FORMATS: tuple[str, ...] = ("1,234.56", "1.234,56", "1 234,56", "1'234.56")
DATE_FORMATS: tuple[str, ...] = (
    "2025-04-03",
    "03.04.2025",
    "03/04/2025",
    "April 3, 2025",
    "3 April 2025",
    "3. April 2025",
    "3 avril 2025",
    "03-04-2025",
    "3 april 2025",
    "3 de abril de 2025",
    "3 aprile 2025",
)
CENT = Decimal("0.01")

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
    "DE": {"standard": Decimal("19"), "reduced": Decimal("7"), "catering": Decimal("19")},
    "FR": {"standard": Decimal("20"), "reduced": Decimal("5.5"), "catering": Decimal("10")},
    "GB": {"standard": Decimal("20"), "reduced": Decimal("0"), "catering": Decimal("5")},
    "CH": {"standard": Decimal("8.1"), "reduced": Decimal("2.6"), "catering": Decimal("8.1")},
    "NL": {"standard": Decimal("21"), "reduced": Decimal("9"), "catering": Decimal("9")},
    "ES": {"standard": Decimal("21"), "reduced": Decimal("10"), "catering": Decimal("10")},
    "IT": {"standard": Decimal("22"), "reduced": Decimal("10"), "catering": Decimal("10")},
    "BE": {"standard": Decimal("21"), "reduced": Decimal("6"), "catering": Decimal("12")},
    "AT": {"standard": Decimal("20"), "reduced": Decimal("10"), "catering": Decimal("10")},
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

# --- company names ------------------------------------------------------------------------------

_NAME_STEMS: dict[str, tuple[str, ...]] = {
    "DE": (
        "Nordlicht",
        "Bergmann",
        "Rheinland",
        "Alpenblick",
        "Sonnenfeld",
        "Hansen",
        "Weber",
        "Elbtal",
        "Schwarzwald",
        "Isartal",
        "Lindner",
        "Falkenstein",
        "Brandt",
        "Kranich",
        "Havelland",
        "Eichhorn",
    ),
    "FR": (
        "Atelier Dupont",
        "Lumière",
        "Martin & Fils",
        "Bertrand",
        "Rivoli",
        "Provence",
        "Azur",
        "Moreau",
        "Belleville",
        "Garnier",
        "Lefèvre",
        "Vauban",
        "Clément",
        "Mistral",
    ),
    "GB": (
        "Brightwave",
        "Thornbury",
        "Kestrel",
        "Oakridge",
        "Redfern",
        "Bluebell",
        "Harrow",
        "Ashdown",
        "Calder",
        "Northgate",
        "Pemberton",
        "Silverbirch",
        "Whitcombe",
        "Fenwick",
    ),
    "CH": (
        "Alpstein",
        "Matterhorn",
        "Helvetia",
        "Säntis",
        "Rigi",
        "Limmat",
        "Aare",
        "Léman",
        "Pilatus",
        "Gotthard",
    ),
    "NL": (
        "Van der Berg",
        "Oranje",
        "Delta",
        "Tulp",
        "Noordzee",
        "De Vries",
        "Polder",
        "Windmolen",
        "Zuiderzee",
        "Bakker",
    ),
    "ES": (
        "Ibérica",
        "Levante",
        "Cantábrico",
        "Hermanos García",
        "Montserrat",
        "Alhambra",
        "Guadalquivir",
        "Castellana",
        "Martínez",
        "Mediterránea",
        "Sol y Mar",
        "Tajo",
    ),
    "IT": (
        "Rossi",
        "Colombo",
        "Adriatica",
        "Tirrenica",
        "Bianchi",
        "Dolomiti",
        "Lombarda",
        "Vesuvio",
        "Ferrari & Figli",
        "Arno",
        "Serenissima",
        "Brianza",
    ),
    "BE": (
        "Van Damme",
        "Peeters",
        "Schelde",
        "Vlaanderen",
        "Janssens",
        "Leie",
        "Kempen",
        "Maes",
        "Ardennes",
        "Meuse",
    ),
    "AT": (
        "Donau",
        "Alpenland",
        "Wienerwald",
        "Gruber",
        "Huber",
        "Steiner",
        "Tirol",
        "Kärntner",
        "Salzach",
        "Wachau",
    ),
}
_SECTOR_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "DE": {
        "it": ("Software", "IT-Service", "Datentechnik", "Systemhaus"),
        "office": ("Bürobedarf", "Bürotechnik"),
        "hardware": ("Elektronik", "Computertechnik"),
        "consulting": ("Consulting", "Unternehmensberatung"),
        "goods": ("Handelshaus", "Logistik", "Kaffeerösterei"),
    },
    "FR": {
        "it": ("Informatique", "Numérique", "Solutions"),
        "office": ("Fournitures", "Bureautique"),
        "hardware": ("Électronique", "Matériel Informatique"),
        "consulting": ("Conseil", "Stratégie"),
        "goods": ("Négoce", "Logistique", "Torréfaction"),
    },
    "GB": {
        "it": ("Software", "Digital", "Systems"),
        "office": ("Supplies", "Office Supplies"),
        "hardware": ("Electronics", "Computing"),
        "consulting": ("Consulting", "Advisory"),
        "goods": ("Trading", "Logistics", "Coffee Roasters"),
    },
    "CH": {
        "it": ("Informatik", "Systems", "Technologies"),
        "office": ("Bürotechnik", "Papeterie"),
        "hardware": ("Elektronik", "Computer"),
        "consulting": ("Treuhand", "Consulting"),
        "goods": ("Handel", "Logistik", "Kaffee"),
    },
    "NL": {
        "it": ("Software", "Digital", "ICT"),
        "office": ("Kantoorartikelen", "Office Supplies"),
        "hardware": ("Elektronica", "Computers"),
        "consulting": ("Consultancy", "Advies"),
        "goods": ("Handel", "Logistics", "Koffiebranders"),
    },
    "ES": {
        "it": ("Software", "Sistemas", "Informática", "Soluciones Digitales"),
        "office": ("Suministros de Oficina", "Papelería"),
        "hardware": ("Electrónica", "Equipos Informáticos"),
        "consulting": ("Consultores", "Asesoría"),
        "goods": ("Distribuciones", "Logística", "Cafés"),
    },
    "IT": {
        "it": ("Informatica", "Software", "Sistemi"),
        "office": ("Forniture Ufficio", "Cartoleria"),
        "hardware": ("Elettronica", "Computer"),
        "consulting": ("Consulenze", "Consulting"),
        "goods": ("Commerciale", "Logistica", "Torrefazione"),
    },
    "BE": {
        "it": ("Software", "ICT", "Informatique"),
        "office": ("Kantoorbenodigdheden", "Fournitures"),
        "hardware": ("Elektronica", "Computers"),
        "consulting": ("Consultancy", "Conseil"),
        "goods": ("Handel", "Logistics", "Koffiebranderij"),
    },
    "AT": {
        "it": ("Software", "EDV-Dienstleistungen", "Datentechnik"),
        "office": ("Bürobedarf", "Papierhandel"),
        "hardware": ("Elektronik", "Computer"),
        "consulting": ("Unternehmensberatung", "Consulting"),
        "goods": ("Handelsgesellschaft", "Logistik", "Kaffeerösterei"),
    },
}
_LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "DE": ("GmbH", "GmbH", "AG", "GmbH & Co. KG", "e.K.", "UG (haftungsbeschränkt)"),
    "FR": ("SARL", "SAS", "SAS", "SA", "EURL"),
    "GB": ("Ltd", "Ltd", "Limited", "LLP", "plc"),
    "CH": ("AG", "AG", "GmbH", "SA", "Sàrl"),
    "NL": ("B.V.", "B.V.", "N.V.", "V.O.F."),
    "ES": ("S.L.", "S.L.", "S.A.", "SLU", "S.L.L."),
    "IT": ("S.r.l.", "S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "SRL"),
    "BE": ("BV", "BV", "NV", "SRL", "SA", "CommV"),
    "AT": ("GmbH", "GmbH", "AG", "KG", "e.U.", "OG"),
}
SECTORS: tuple[str, ...] = ("it", "office", "hardware", "consulting", "goods")


def company_name(rng: random.Random, country: str, sector: str) -> str:
    """A plausible company name such as "Nordlicht Software GmbH" or "Brightwave Ltd"."""
    stem = rng.choice(_NAME_STEMS[country])
    legal = rng.choice(_LEGAL_FORMS[country])
    if rng.random() < 0.7:
        return f"{stem} {rng.choice(_SECTOR_WORDS[country][sector])} {legal}"
    return f"{stem} {legal}"


# --- addresses ----------------------------------------------------------------------------------

_STREETS: dict[str, tuple[str, ...]] = {
    "DE": (
        "Hauptstraße",
        "Bahnhofstraße",
        "Lindenweg",
        "Gartenstraße",
        "Schillerstraße",
        "Am Markt",
        "Industriestraße",
        "Friedrichstraße",
        "Goethestraße",
        "Mühlenweg",
        "Kastanienallee",
    ),
    "FR": (
        "rue de la République",
        "avenue Jean Jaurès",
        "boulevard Haussmann",
        "rue Victor Hugo",
        "rue du Faubourg Saint-Antoine",
        "place Bellecour",
        "allée des Tilleuls",
        "rue de la Paix",
        "avenue de la Gare",
    ),
    "GB": (
        "King Street",
        "High Street",
        "Station Road",
        "Church Lane",
        "Victoria Road",
        "Mill Lane",
        "Queen's Road",
        "Park Avenue",
        "Bridge Street",
    ),
    "CH": (
        "Bahnhofstrasse",
        "Seestrasse",
        "Dorfstrasse",
        "Hauptgasse",
        "Rue du Rhône",
        "Avenue de la Gare",
        "Industriestrasse",
        "Kirchweg",
    ),
    "NL": (
        "Keizersgracht",
        "Herengracht",
        "Stationsweg",
        "Kerkstraat",
        "Dorpsstraat",
        "Marktplein",
        "Prinsengracht",
        "Molenweg",
    ),
    "ES": (
        "Calle Mayor",
        "Calle de Alcalá",
        "Gran Vía",
        "Paseo de la Castellana",
        "Avenida Diagonal",
        "Calle Serrano",
        "Plaza de España",
        "Calle de la Paz",
        "Avenida de América",
    ),
    "IT": (
        "Via Roma",
        "Via Garibaldi",
        "Corso Vittorio Emanuele II",
        "Via Dante",
        "Piazza della Repubblica",
        "Via Mazzini",
        "Viale Europa",
        "Via dei Mille",
        "Corso Buenos Aires",
    ),
    "BE": (
        "Meir",
        "Kerkstraat",
        "Stationsstraat",
        "Veldstraat",
        "Grote Markt",
        "Rue Neuve",
        "Avenue Louise",
        "Rue de la Loi",
    ),
    "AT": (
        "Mariahilfer Straße",
        "Hauptplatz",
        "Landstraßer Hauptstraße",
        "Bahnhofstraße",
        "Herrengasse",
        "Getreidegasse",
        "Wiener Straße",
        "Kirchengasse",
    ),
}
_CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "DE": (
        ("10115", "Berlin"),
        ("80331", "München"),
        ("20095", "Hamburg"),
        ("50667", "Köln"),
        ("60311", "Frankfurt am Main"),
        ("70173", "Stuttgart"),
        ("04109", "Leipzig"),
        ("01067", "Dresden"),
        ("28195", "Bremen"),
        ("90402", "Nürnberg"),
        ("30159", "Hannover"),
    ),
    "FR": (
        ("75008", "Paris"),
        ("69002", "Lyon"),
        ("13001", "Marseille"),
        ("31000", "Toulouse"),
        ("33000", "Bordeaux"),
        ("59000", "Lille"),
        ("44000", "Nantes"),
        ("67000", "Strasbourg"),
        ("06000", "Nice"),
    ),
    "GB": (
        ("EC1A", "London"),
        ("M2", "Manchester"),
        ("LS1", "Leeds"),
        ("BS1", "Bristol"),
        ("EH1", "Edinburgh"),
        ("B1", "Birmingham"),
        ("CB2", "Cambridge"),
        ("OX1", "Oxford"),
    ),
    "CH": (
        ("8001", "Zürich"),
        ("3011", "Bern"),
        ("4051", "Basel"),
        ("1204", "Genève"),
        ("1003", "Lausanne"),
        ("6003", "Luzern"),
        ("9000", "St. Gallen"),
    ),
    "NL": (
        ("1015", "Amsterdam"),
        ("3011", "Rotterdam"),
        ("3511", "Utrecht"),
        ("2511", "Den Haag"),
        ("5611", "Eindhoven"),
        ("9711", "Groningen"),
    ),
    "ES": (
        ("28013", "Madrid"),
        ("08001", "Barcelona"),
        ("46001", "Valencia"),
        ("41001", "Sevilla"),
        ("48001", "Bilbao"),
        ("29001", "Málaga"),
        ("50001", "Zaragoza"),
    ),
    "IT": (
        ("20121", "Milano"),
        ("00184", "Roma"),
        ("10121", "Torino"),
        ("40121", "Bologna"),
        ("50123", "Firenze"),
        ("80133", "Napoli"),
        ("35121", "Padova"),
        ("37121", "Verona"),
    ),
    "BE": (
        ("1000", "Brussel"),
        ("2000", "Antwerpen"),
        ("9000", "Gent"),
        ("3000", "Leuven"),
        ("8000", "Brugge"),
        ("2800", "Mechelen"),
        ("4000", "Liège"),
        ("5000", "Namur"),
    ),
    "AT": (
        ("1010", "Wien"),
        ("1070", "Wien"),
        ("8010", "Graz"),
        ("4020", "Linz"),
        ("5020", "Salzburg"),
        ("6020", "Innsbruck"),
        ("9020", "Klagenfurt"),
    ),
}
# Italian addresses name the province after the city, Spanish registry sheets start with its code.
PROVINCES: dict[str, str] = {
    "Milano": "MI",
    "Roma": "RM",
    "Torino": "TO",
    "Bologna": "BO",
    "Firenze": "FI",
    "Napoli": "NA",
    "Padova": "PD",
    "Verona": "VR",
    "Madrid": "M",
    "Barcelona": "B",
    "Valencia": "V",
    "Sevilla": "SE",
    "Bilbao": "BI",
    "Málaga": "MA",
    "Zaragoza": "Z",
}


def address_lines(rng: random.Random, country: str, *, language: str, with_country: bool) -> list[str]:
    """Street, postcode and city lines in the country's usual order."""
    street = rng.choice(_STREETS[country])
    number = rng.randint(1, 180)
    postcode, city = rng.choice(_CITIES[country])
    if country == "FR":
        lines = [f"{number} {street}", f"{postcode} {city}"]
    elif country == "GB":
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        full_postcode = f"{postcode} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        lines = [f"{number} {street}", city, full_postcode]
        if rng.random() < 0.3:
            lines.insert(0, f"Unit {rng.randint(1, 24)}")
    elif country == "NL":
        letters = "ABCDEGHJKLMNPRSTVWXZ"
        lines = [f"{street} {number}", f"{postcode} {rng.choice(letters)}{rng.choice(letters)} {city}"]
    elif country == "ES":
        # No ", " inside a line: the vendor's address is stored as its lines joined with ", ".
        street_line = rng.choice((f"{street} {number}", f"{street} nº {number}", f"{street} {number}"))
        if rng.random() < 0.3:
            street_line = street_line.replace("Calle ", "C/ ")
        if rng.random() < 0.35:
            street_line += f" {rng.randint(1, 8)}º {rng.choice('ABCD')}"  # floor and door
        lines = [street_line, f"{postcode} {city}"]
    elif country == "IT":
        street_line = f"{street} {number}" if rng.random() < 0.8 else f"{street} n. {number}"
        city_line = f"{postcode} {city} ({PROVINCES[city]})" if rng.random() < 0.75 else f"{postcode} {city}"
        lines = [street_line, city_line]
    else:
        lines = [f"{street} {number}", f"{postcode} {city}"]
    if with_country:
        lines.append(COUNTRY_NAMES[country][language])
    return lines


# --- identifiers --------------------------------------------------------------------------------


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits for a country code and BBAN."""
    digits = "".join(str(int(ch, 36)) for ch in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def is_valid_iban(iban: str) -> bool:
    """Whether an IBAN (spaces allowed) passes the mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if len(compact) < 15 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


_BANKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (bank code used in the BBAN, BIC, bank name)
    "DE": (
        ("37040044", "COBADEFFXXX", "Commerzbank"),
        ("50070010", "DEUTDEFFXXX", "Deutsche Bank"),
        ("70150000", "SSKMDEMMXXX", "Stadtsparkasse München"),
        ("10050000", "BELADEBEXXX", "Berliner Sparkasse"),
        ("20050550", "HASPDEHHXXX", "Hamburger Sparkasse"),
    ),
    "FR": (
        ("30004", "BNPAFRPPXXX", "BNP Paribas"),
        ("30003", "SOGEFRPPXXX", "Société Générale"),
        ("30006", "AGRIFRPPXXX", "Crédit Agricole"),
        ("10107", "BREDFRPPXXX", "BRED Banque Populaire"),
    ),
    "GB": (
        ("NWBK", "NWBKGB2L", "NatWest"),
        ("BARC", "BARCGB22", "Barclays"),
        ("LOYD", "LOYDGB2L", "Lloyds Bank"),
        ("HBUK", "HBUKGB4B", "HSBC UK"),
        ("MIDL", "MIDLGB22", "HSBC"),
    ),
    "CH": (
        ("00230", "UBSWCHZH80A", "UBS Switzerland AG"),
        ("04835", "CRESCHZZ80A", "Credit Suisse"),
        ("00700", "ZKBKCHZZ80A", "Zürcher Kantonalbank"),
        ("09000", "POFICHBEXXX", "PostFinance"),
    ),
    "NL": (
        ("ABNA", "ABNANL2A", "ABN AMRO"),
        ("INGB", "INGBNL2A", "ING Bank"),
        ("RABO", "RABONL2U", "Rabobank"),
        ("TRIO", "TRIONL2U", "Triodos Bank"),
        ("KNAB", "KNABNL2H", "Knab"),
    ),
    "ES": (
        ("2100", "CAIXESBBXXX", "CaixaBank"),
        ("0049", "BSCHESMMXXX", "Banco Santander"),
        ("0182", "BBVAESMMXXX", "BBVA"),
        ("0081", "BSABESBBXXX", "Banco Sabadell"),
        ("0128", "BKBKESMMXXX", "Bankinter"),
    ),
    "IT": (
        ("03069", "BCITITMMXXX", "Intesa Sanpaolo"),
        ("02008", "UNCRITMMXXX", "UniCredit"),
        ("05034", "BAPPIT21XXX", "Banco BPM"),
        ("05387", "BPMOIT22XXX", "BPER Banca"),
        ("01030", "PASCITMMXXX", "Monte dei Paschi di Siena"),
    ),
    "BE": (
        ("001", "GEBABEBBXXX", "BNP Paribas Fortis"),
        ("068", "GKCCBEBBXXX", "Belfius"),
        ("363", "BBRUBEBBXXX", "ING Belgium"),
        ("735", "KREDBEBBXXX", "KBC Bank"),
    ),
    "AT": (
        ("20111", "GIBAATWWXXX", "Erste Bank"),
        ("12000", "BKAUATWWXXX", "UniCredit Bank Austria"),
        ("32000", "RLNWATWWXXX", "Raiffeisenlandesbank NÖ-Wien"),
        ("14000", "BAWAATWWXXX", "BAWAG"),
    ),
}


def _fr_rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def _es_ccc_digit(digits: str) -> str:
    # Spanish CCC ("dígito de control"): weights 2**i mod 11, folded to one digit.
    check = sum(int(d) * 2**i for i, d in enumerate(digits)) % 11
    return str(check if check < 2 else 11 - check)


# Italian CIN: a letter from the odd-position table and the even-position values, mod 26.
_IT_CIN_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)


def _it_cin(abi_cab_account: str) -> str:
    total = 0
    for i, ch in enumerate(abi_cab_account.upper()):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A")
        total += _IT_CIN_ODD[value] if i % 2 == 0 else value
    return chr(ord("A") + total % 26)


def _nl_account(rng: random.Random) -> str:
    # Ten digits passing the Dutch "elfproef" (weights 10..1, sum divisible by 11).
    while True:
        digits = _digits(rng, 9)
        last = -sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if last < 10:  # the last digit has weight 1, so it must make up the rest alone
            return digits + str(last)


@dataclass(frozen=True)
class BankAccount:
    """A bank account with a valid IBAN and the BIC of its bank."""

    iban: str
    bic: str
    bank_name: str


def bank_account(rng: random.Random, country: str, *, original: bool = False) -> BankAccount:
    """A bank account whose IBAN passes mod-97 and the country's own account check where it has one.

    Args:
        rng: The random source.
        country: ISO 3166 code of the bank's country.
        original: Draw a Dutch account the way the first version did (mod-97 only), so vendors on
            the original path keep their output.
    """
    code, bic, bank_name = rng.choice(_BANKS[country])
    if country == "DE":
        bban = code + _digits(rng, 10)
    elif country == "FR":
        branch, account = _digits(rng, 5), _digits(rng, 11)
        bban = code + branch + account + _fr_rib_key(code, branch, account)
    elif country == "GB":
        bban = code + _digits(rng, 6) + _digits(rng, 8)
    elif country == "CH":
        bban = code + _digits(rng, 12)
    elif country == "NL":
        bban = code + (_digits(rng, 10) if original else _nl_account(rng))
    elif country == "ES":
        branch, account = _digits(rng, 4), _digits(rng, 10)
        bban = code + branch + _es_ccc_digit("00" + code + branch) + _es_ccc_digit(account) + account
    elif country == "IT":
        rest = code + _digits(rng, 5) + "0000" + _digits(rng, 8)  # ABI, CAB, zero-padded account
        bban = _it_cin(rest) + rest
    elif country == "BE":
        body = code + _digits(rng, 7)
        bban = body + f"{int(body) % 97 or 97:02d}"
    elif country == "AT":
        bban = code + _digits(rng, 11)
    else:
        raise ValueError(f"no IBAN scheme for country {country!r}")
    if bic.endswith("XXX") and rng.random() < 0.5:
        bic = bic[:8]  # both the 8- and the 11-character form are in use
    return BankAccount(iban=country + iban_check_digits(country, bban) + bban, bic=bic, bank_name=bank_name)


def group_iban(iban: str) -> str:
    """The IBAN in the printed form, groups of four."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _de_vat_check(digits: str) -> str:
    # ISO 7064 MOD 11,10 as used by the German Bundeszentralamt für Steuern.
    product = 10
    for ch in digits:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    return str((11 - product) % 10)


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10


def _luhn_complete(digits: str) -> str:
    for check in range(10):
        if _luhn_sum(digits + str(check)) == 0:
            return digits + str(check)
    raise AssertionError("unreachable")


def vat_id(rng: random.Random, country: str, *, language: str, original: bool = False) -> str:
    """A VAT identification number in the country's format, with correct check digits.

    Args:
        rng: The random source.
        country: ISO 3166 code.
        language: The document's language (Swiss numbers end in "MWST", "TVA", "IVA" or "VAT").
        original: Draw a Dutch number the way the first version did (no check digit), so
            vendors on the original path keep their output; every other number is valid.
    """
    if country == "DE":
        body = str(rng.randint(1, 9)) + _digits(rng, 7)
        return "DE" + body + _de_vat_check(body)
    if country == "FR":
        siren = _luhn_complete(str(rng.randint(1, 9)) + _digits(rng, 7))
        key = (12 + 3 * (int(siren) % 97)) % 97
        return f"FR{key:02d}{siren}"
    if country == "GB":
        body = str(rng.randint(1, 9)) + _digits(rng, 6)
        weighted = sum(w * int(d) for w, d in zip(range(8, 1, -1), body, strict=True))
        return f"GB{body}{(-weighted) % 97:02d}"
    if country == "NL" and original:
        return f"NL{_digits(rng, 9)}B{rng.randint(1, 3):02d}"
    if country == "NL":
        while True:  # RSIN: weights 9..2 on eight digits, the ninth is the sum mod 11
            body = _digits(rng, 8)
            check = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
            if check < 10 and int(body) > 0:
                return f"NL{body}{check}B{rng.randint(1, 3):02d}"
    if country == "CH":
        while True:
            body = _digits(rng, 8)
            check = 11 - sum(w * int(d) for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4), body, strict=True)) % 11
            if check != 10:
                uid = body + str(check % 11)
                break
        suffix = {"de": "MWST", "fr": "TVA", "en": "VAT", "it": "IVA"}.get(language, "MWST")
        return f"CHE-{uid[:3]}.{uid[3:6]}.{uid[6:]} {suffix}"
    if country == "ES":
        # CIF of a company: A (S.A.) or B (S.L.), province and sequence digits, Luhn check digit.
        return "ES" + rng.choice("ABBB") + _luhn_complete(_digits(rng, 7))
    if country == "IT":
        # Partita IVA: company number, office code 001-100, Luhn check digit.
        return "IT" + _luhn_complete(f"{rng.randint(1, 9999999):07d}{rng.randint(1, 100):03d}")
    if country == "BE":
        body = "0" + str(rng.randint(2, 9)) + _digits(rng, 6)
        return f"BE{body}{97 - int(body) % 97:02d}"
    if country == "AT":
        body = _digits(rng, 7)
        return f"ATU{body}{(6 - _luhn_sum(body)) % 10}"
    raise ValueError(f"no VAT id scheme for country {country!r}")


# --- products -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A sellable item: descriptions per language, unit kind, price range and VAT class."""

    sector: str
    text: dict[str, str]
    unit: str  # key into UNITS
    price: tuple[float, float]
    tax_class: str = "standard"


# Dutch, Spanish and Italian descriptions, by the English one.
_MORE_TEXT: dict[str, tuple[str, str, str]] = {
    "Software development": ("Softwareontwikkeling", "Desarrollo de software", "Sviluppo software"),
    "Cloud hosting (monthly)": (
        "Cloudhosting (maandelijks)",
        "Alojamiento en la nube (mensual)",
        "Hosting cloud (mensile)",
    ),
    "IT support on site": (
        "IT-ondersteuning op locatie",
        "Soporte informático in situ",
        "Assistenza informatica on-site",
    ),
    "Server maintenance": ("Serveronderhoud", "Mantenimiento de servidores", "Manutenzione server"),
    "Data migration to the new CRM system": (
        "Datamigratie naar het nieuwe CRM-systeem",
        "Migración de datos al nuevo sistema CRM",
        "Migrazione dati al nuovo sistema CRM",
    ),
    "Security audit and penetration test": (
        "Beveiligingsaudit en penetratietest",
        "Auditoría de seguridad y test de penetración",
        "Audit di sicurezza e penetration test",
    ),
    "Licence renewal office suite (12 months)": (
        "Licentieverlenging kantoorsoftware (12 maanden)",
        "Renovación licencia paquete ofimático (12 meses)",
        "Rinnovo licenza suite per ufficio (12 mesi)",
    ),
    "Network setup and configuration": (
        "Installatie en configuratie netwerk",
        "Instalación y configuración de red",
        "Installazione e configurazione di rete",
    ),
    "Domain registration": ("Domeinregistratie", "Registro de dominio", "Registrazione dominio"),
    "Copy paper A4, 80 g (box of 5 reams)": (
        "Kopieerpapier A4, 80 g (doos met 5 pakken)",
        "Papel de copia A4, 80 g (caja de 5 paquetes)",
        "Carta per fotocopie A4, 80 g (scatola da 5 risme)",
    ),
    "Ballpoint pens, blue (pack of 10)": (
        "Balpennen blauw (pak van 10)",
        "Bolígrafos azules (paquete de 10)",
        "Penne a sfera blu (confezione da 10)",
    ),
    "Toner cartridge black": ("Tonercartridge zwart", "Cartucho de tóner negro", "Cartuccia toner nero"),
    "Lever arch files A4": ("Ordners A4", "Archivadores de palanca A4", "Raccoglitori a leva A4"),
    "Sticky notes 76 x 76 mm": (
        "Memoblaadjes 76 x 76 mm",
        "Notas adhesivas 76 x 76 mm",
        "Foglietti adesivi 76 x 76 mm",
    ),
    "Desk organiser": ("Bureau-organizer", "Organizador de escritorio", "Organizer da scrivania"),
    "Whiteboard markers (set of 4)": (
        "Whiteboardstiften (set van 4)",
        "Rotuladores para pizarra blanca (juego de 4)",
        "Pennarelli per lavagna bianca (set da 4)",
    ),
    'Laptop 14" i7, 16 GB RAM': (
        "Laptop 14 inch i7, 16 GB RAM",
        'Portátil 14" i7, 16 GB RAM',
        'Notebook 14" i7, 16 GB RAM',
    ),
    '27" monitor': ("Monitor 27 inch", 'Monitor de 27"', 'Monitor 27"'),
    "USB-C docking station": (
        "USB-C-dockingstation",
        "Estación de acoplamiento USB-C",
        "Docking station USB-C",
    ),
    "Wireless keyboard": ("Draadloos toetsenbord", "Teclado inalámbrico", "Tastiera wireless"),
    "Network switch 24-port": (
        "Netwerkswitch 24 poorten",
        "Switch de red de 24 puertos",
        "Switch di rete 24 porte",
    ),
    "SSD 1 TB": ("SSD 1 TB", "SSD 1 TB", "SSD 1 TB"),
    "Installation of hardware": (
        "Installatie van hardware",
        "Instalación de hardware",
        "Installazione hardware",
    ),
    "Consulting hours": ("Adviesuren", "Horas de consultoría", "Ore di consulenza"),
    "Strategy workshop": ("Strategieworkshop", "Taller de estrategia", "Workshop strategico"),
    "Project management": ("Projectmanagement", "Gestión de proyectos", "Gestione progetto"),
    "Training session for staff": (
        "Training voor medewerkers",
        "Formación para el personal",
        "Formazione del personale",
    ),
    "Travel expenses": ("Reiskosten", "Gastos de viaje", "Spese di viaggio"),
    "Monthly retainer": ("Maandelijkse vaste vergoeding", "Cuota mensual", "Canone mensile"),
    "Coffee beans, organic": (
        "Koffiebonen, biologisch",
        "Café en grano ecológico",
        "Caffè in grani biologico",
    ),
    "Packaging material": ("Verpakkingsmateriaal", "Material de embalaje", "Materiale da imballaggio"),
    "Shipping and handling": (
        "Verzend- en behandelingskosten",
        "Gastos de envío y manipulación",
        "Spese di spedizione e imballo",
    ),
    "Black tea, loose leaf": ("Zwarte thee, los", "Té negro a granel", "Tè nero sfuso"),
    "Pallet storage (monthly)": (
        "Palletopslag (maandelijks)",
        "Almacenaje de palés (mensual)",
        "Stoccaggio pallet (mensile)",
    ),
    "Technical handbook": ("Technisch handboek", "Manual técnico", "Manuale tecnico"),
    "Catering for workshop": (
        "Catering voor workshop",
        "Catering para el taller",
        "Catering per il workshop",
    ),
    "Magazine subscription (annual)": (
        "Tijdschriftabonnement (jaarlijks)",
        "Suscripción a revista (anual)",
        "Abbonamento rivista (annuale)",
    ),
}


def _p(
    sector: str, en: str, de: str, fr: str, unit: str, lo: float, hi: float, tax: str = "standard"
) -> Product:
    nl, es, it = _MORE_TEXT[en]
    return Product(sector, {"en": en, "de": de, "fr": fr, "nl": nl, "es": es, "it": it}, unit, (lo, hi), tax)


PRODUCTS: tuple[Product, ...] = (
    _p("it", "Software development", "Softwareentwicklung", "Développement logiciel", "hour", 85, 150),
    _p(
        "it",
        "Cloud hosting (monthly)",
        "Cloud-Hosting (monatlich)",
        "Hébergement cloud (mensuel)",
        "month",
        19,
        480,
    ),
    _p("it", "IT support on site", "IT-Support vor Ort", "Support informatique sur site", "hour", 70, 120),
    _p("it", "Server maintenance", "Serverwartung", "Maintenance serveur", "hour", 80, 140),
    _p(
        "it",
        "Data migration to the new CRM system",
        "Datenmigration in das neue CRM-System",
        "Migration des données vers le nouveau CRM",
        "day",
        650,
        1100,
    ),
    _p(
        "it",
        "Security audit and penetration test",
        "Sicherheitsaudit und Penetrationstest",
        "Audit de sécurité et test d'intrusion",
        "flat",
        1800,
        6500,
    ),
    _p(
        "it",
        "Licence renewal office suite (12 months)",
        "Lizenzverlängerung Office-Paket (12 Monate)",
        "Renouvellement licence suite bureautique (12 mois)",
        "piece",
        89,
        260,
    ),
    _p(
        "it",
        "Network setup and configuration",
        "Netzwerkeinrichtung und Konfiguration",
        "Installation et configuration réseau",
        "flat",
        350,
        1500,
    ),
    _p(
        "it", "Domain registration", "Domainregistrierung", "Enregistrement de nom de domaine", "piece", 9, 39
    ),
    _p(
        "office",
        "Copy paper A4, 80 g (box of 5 reams)",
        "Kopierpapier A4, 80 g (Karton mit 5 Paketen)",
        "Papier A4 80 g (carton de 5 ramettes)",
        "piece",
        18,
        32,
    ),
    _p(
        "office",
        "Ballpoint pens, blue (pack of 10)",
        "Kugelschreiber blau (10er-Pack)",
        "Stylos bille bleus (lot de 10)",
        "piece",
        3.5,
        9.9,
    ),
    _p(
        "office",
        "Toner cartridge black",
        "Tonerkartusche schwarz",
        "Cartouche de toner noir",
        "piece",
        39,
        129,
    ),
    _p("office", "Lever arch files A4", "Ordner A4 breit", "Classeurs à levier A4", "piece", 1.9, 4.5),
    _p(
        "office",
        "Sticky notes 76 x 76 mm",
        "Haftnotizen 76 x 76 mm",
        "Notes adhésives 76 x 76 mm",
        "piece",
        0.9,
        3.2,
    ),
    _p("office", "Desk organiser", "Schreibtisch-Organizer", "Organiseur de bureau", "piece", 12, 45),
    _p(
        "office",
        "Whiteboard markers (set of 4)",
        "Whiteboard-Marker (4er-Set)",
        "Marqueurs pour tableau blanc (lot de 4)",
        "piece",
        4,
        11,
    ),
    _p(
        "hardware",
        'Laptop 14" i7, 16 GB RAM',
        "Notebook 14 Zoll i7, 16 GB RAM",
        'Ordinateur portable 14" i7, 16 Go',
        "piece",
        890,
        2190,
    ),
    _p("hardware", '27" monitor', "Monitor 27 Zoll", "Écran 27 pouces", "piece", 149, 459),
    _p(
        "hardware",
        "USB-C docking station",
        "USB-C-Dockingstation",
        "Station d'accueil USB-C",
        "piece",
        89,
        289,
    ),
    _p("hardware", "Wireless keyboard", "Funktastatur", "Clavier sans fil", "piece", 25, 99),
    _p(
        "hardware",
        "Network switch 24-port",
        "Netzwerk-Switch 24 Port",
        "Commutateur réseau 24 ports",
        "piece",
        120,
        640,
    ),
    _p("hardware", "SSD 1 TB", "SSD 1 TB", "SSD 1 To", "piece", 59, 149),
    _p(
        "hardware",
        "Installation of hardware",
        "Installation der Hardware",
        "Installation du matériel",
        "hour",
        65,
        110,
    ),
    _p("consulting", "Consulting hours", "Beratungsstunden", "Heures de conseil", "hour", 95, 220),
    _p("consulting", "Strategy workshop", "Strategieworkshop", "Atelier stratégie", "day", 900, 2400),
    _p("consulting", "Project management", "Projektmanagement", "Gestion de projet", "hour", 90, 160),
    _p(
        "consulting",
        "Training session for staff",
        "Schulung für Mitarbeitende",
        "Formation du personnel",
        "day",
        700,
        1600,
    ),
    _p("consulting", "Travel expenses", "Reisekosten", "Frais de déplacement", "flat", 45, 680),
    _p("consulting", "Monthly retainer", "Monatliche Pauschale", "Forfait mensuel", "month", 1200, 4800),
    _p("goods", "Coffee beans, organic", "Kaffeebohnen, bio", "Café en grains bio", "kg", 14, 38, "reduced"),
    _p("goods", "Packaging material", "Verpackungsmaterial", "Matériel d'emballage", "kg", 2.5, 9),
    _p(
        "goods",
        "Shipping and handling",
        "Versand und Verpackung",
        "Frais de port et d'emballage",
        "flat",
        4.9,
        49,
    ),
    _p("goods", "Black tea, loose leaf", "Schwarzer Tee, lose", "Thé noir en vrac", "kg", 18, 55, "reduced"),
    _p(
        "goods",
        "Pallet storage (monthly)",
        "Palettenlagerung (monatlich)",
        "Stockage palettes (mensuel)",
        "month",
        12,
        35,
    ),
    # Reduced-rate and catering items that any sector may add, so invoices get several VAT rates.
    _p("any", "Technical handbook", "Fachbuch", "Manuel technique", "piece", 24, 89, "reduced"),
    _p(
        "any",
        "Catering for workshop",
        "Bewirtung Workshop",
        "Restauration pour l'atelier",
        "flat",
        80,
        650,
        "catering",
    ),
    _p(
        "any",
        "Magazine subscription (annual)",
        "Zeitschriften-Abonnement (jährlich)",
        "Abonnement magazine (annuel)",
        "piece",
        39,
        190,
        "reduced",
    ),
)

# Unit labels per language; several spellings so layouts differ.
UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "piece": {
        "en": ("pcs", "pc.", "ea", "units"),
        "de": ("Stk.", "Stück", "St."),
        "fr": ("pièce", "pce", "u."),
        "nl": ("st.", "stuk", "stuks"),
        "es": ("ud.", "uds.", "unidad"),
        "it": ("pz", "pz.", "n."),
    },
    "hour": {
        "en": ("h", "hrs", "hours"),
        "de": ("Std.", "h", "Stunden"),
        "fr": ("h", "heure", "heures"),
        "nl": ("uur", "u", "uren"),
        "es": ("h", "horas", "hora"),
        "it": ("ore", "h", "ora"),
    },
    "day": {
        "en": ("day", "days"),
        "de": ("Tag", "PT"),
        "fr": ("jour", "j"),
        "nl": ("dag", "dagen"),
        "es": ("día", "días"),
        "it": ("gg", "giorni"),
    },
    "month": {
        "en": ("month", "mo."),
        "de": ("Monat", "Mon."),
        "fr": ("mois",),
        "nl": ("maand", "mnd"),
        "es": ("mes",),
        "it": ("mese",),
    },
    "kg": {"en": ("kg",), "de": ("kg",), "fr": ("kg",), "nl": ("kg",), "es": ("kg",), "it": ("kg",)},
    "flat": {
        "en": ("flat", "lump sum"),
        "de": ("pauschal", "psch."),
        "fr": ("forfait", "forf."),
        "nl": ("forfait", "vast"),
        "es": ("global", "tarifa fija"),
        "it": ("a corpo", "forfait"),
    },
}


# --- formatting ---------------------------------------------------------------------------------


def quantize(value: Decimal) -> Decimal:
    """Round half up to cents, as invoicing software does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_number(value: float | Decimal, number_format: str, *, decimals: int = 2) -> str:
    """Format a number the way a layout prints it.

    Args:
        value: The number.
        number_format: One of ``NUMBER_FORMATS``, e.g. "1.234,56".
        decimals: Digits after the decimal mark.

    Returns:
        The printed string, e.g. "1.234,56" or "-1 234,56".

    Example:
        >>> format_number(1234.5, "1'234.56")
        "1'234.50"
    """
    if number_format not in NUMBER_FORMATS:
        raise ValueError(f"unknown number format {number_format!r}; known: {', '.join(NUMBER_FORMATS)}")
    thousands, decimal_mark = {
        "1,234.56": (",", "."),
        "1.234,56": (".", ","),
        "1 234,56": (" ", ","),
        "1'234.56": ("'", "."),
    }[number_format]
    text = f"{abs(Decimal(str(value))):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", decimal_mark).replace("\0", thousands)
    return ("-" if Decimal(str(value)) < 0 else "") + text


def format_quantity(value: Decimal, number_format: str) -> str:
    """Quantities print without decimals when whole ("3"), else with as few as needed ("7,5")."""
    if value == value.to_integral_value():
        return format_number(value, number_format, decimals=0)
    decimals = 1 if (value * 10) == (value * 10).to_integral_value() else 2
    return format_number(value, number_format, decimals=decimals)


def format_rate(rate: Decimal, number_format: str, *, spaced: bool) -> str:
    """A VAT rate: "19 %", "19%", "5,5 %", "8.1%"."""
    text = format_quantity(rate, number_format)
    return f"{text} %" if spaced else f"{text}%"


_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "it": (
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
}


def format_date(day: date, date_format: str) -> str:
    """Format a date the way a layout prints it.

    Args:
        day: The date.
        date_format: One of ``DATE_FORMATS``, e.g. "3. April 2025".

    Returns:
        The printed string.

    Example:
        >>> format_date(date(2025, 4, 3), "3 avril 2025")
        '3 avril 2025'
    """
    if date_format == "2025-04-03":
        return day.isoformat()
    if date_format == "03.04.2025":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    if date_format == "03/04/2025":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if date_format == "April 3, 2025":
        return f"{_MONTHS['en'][day.month - 1]} {day.day}, {day.year}"
    if date_format == "3 April 2025":
        return f"{day.day} {_MONTHS['en'][day.month - 1]} {day.year}"
    if date_format == "3. April 2025":
        return f"{day.day}. {_MONTHS['de'][day.month - 1]} {day.year}"
    if date_format == "3 avril 2025":
        first = "1er" if day.day == 1 else str(day.day)
        return f"{first} {_MONTHS['fr'][day.month - 1]} {day.year}"
    if date_format == "03-04-2025":
        return f"{day.day:02d}-{day.month:02d}-{day.year}"
    if date_format == "3 april 2025":
        return f"{day.day} {_MONTHS['nl'][day.month - 1]} {day.year}"
    if date_format == "3 de abril de 2025":
        return f"{day.day} de {_MONTHS['es'][day.month - 1]} de {day.year}"
    if date_format == "3 aprile 2025":
        first = "1º" if day.day == 1 else str(day.day)  # Italian writes the first as an ordinal
        return f"{first} {_MONTHS['it'][day.month - 1]} {day.year}"
    raise ValueError(f"unknown date format {date_format!r}; known: {', '.join(DATE_FORMATS)}")


def formats_for(rng: random.Random, *, language: str, country: str) -> tuple[str, str]:
    """A (number_format, date_format) pair that a vendor of this language and country would use."""
    if country == "CH":
        number_format = "1'234.56"
    else:
        number_format = {
            "en": "1,234.56",
            "de": "1.234,56",
            "fr": "1 234,56",
            "nl": "1.234,56",
            "es": "1.234,56",
            "it": "1.234,56",
        }[language]
    date_choices = {
        "en": ("2025-04-03", "03/04/2025", "April 3, 2025", "3 April 2025"),
        "de": ("03.04.2025", "03.04.2025", "3. April 2025", "2025-04-03"),
        "fr": ("03/04/2025", "03/04/2025", "3 avril 2025", "03.04.2025"),
        "nl": ("03-04-2025", "03-04-2025", "3 april 2025", "03/04/2025", "2025-04-03"),
        "es": ("03/04/2025", "03/04/2025", "3 de abril de 2025", "03-04-2025"),
        "it": ("03/04/2025", "03/04/2025", "3 aprile 2025", "03-04-2025"),
    }[language]
    return number_format, rng.choice(date_choices)


def format_money(value: Decimal, *, number_format: str, currency: str, style: str, language: str) -> str:
    """An amount with its currency: "EUR 1,234.56", "1.234,56 €", "£1,234.56", "€ 1.234,56" or the number."""
    number = format_number(value, number_format)
    if style not in ("symbol", "code"):
        return number
    unit = CURRENCY_SYMBOLS.get(currency, currency) if style == "symbol" else currency
    # English, Dutch and Italian put the currency first; only English glues a symbol to the number.
    if language in ("en", "nl", "it") or unit == "CHF":
        sign, magnitude = ("-", number[1:]) if number.startswith("-") else ("", number)
        gap = "" if style == "symbol" and unit != "CHF" and language == "en" else " "
        return f"{sign}{unit}{gap}{magnitude}"
    return f"{number} {unit}"


# --- labels -------------------------------------------------------------------------------------

# Each key has spelling variants; a layout picks one by its label_variant so layouts read differently.
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "title_invoice": ("INVOICE", "Invoice", "Tax Invoice", "INVOICE"),
        "title_credit": ("CREDIT NOTE", "Credit Note", "Credit Note", "CREDIT NOTE"),
        "invoice_number": ("Invoice No.", "Invoice #", "Invoice Number", "Invoice no"),
        "credit_number": ("Credit Note No.", "Credit Note #", "Credit Note Number", "Credit note no"),
        "invoice_date": ("Invoice Date", "Date", "Date of issue", "Invoice date"),
        "due_date": ("Due Date", "Payment due", "Due by", "Due date"),
        "purchase_order": ("PO Number", "Purchase Order", "Your order no.", "PO #"),
        "customer_number": ("Customer No.", "Account No.", "Customer ID", "Client ref."),
        "delivery_date": ("Delivery Date", "Date of supply", "Service date", "Delivered"),
        "currency": ("Currency", "Currency", "Currency", "Currency"),
        "payment_terms": ("Payment terms", "Terms", "Payment terms", "Terms"),
        "original_invoice": ("Original invoice", "Relates to invoice", "Ref. invoice", "Original invoice"),
        "vat_id": ("VAT No.", "VAT ID", "VAT Reg. No.", "VAT number"),
        "customer_vat_id": ("Your VAT No.", "Customer VAT ID", "VAT Reg. No.", "Customer VAT"),
        "bill_to": ("Bill to", "Invoice to", "Customer", "BILL TO"),
        "from": ("From", "Supplier", "Seller", "FROM"),
        "col_pos": ("#", "Item", "No.", "Pos."),
        "col_code": ("Item code", "SKU", "Part no.", "Code"),
        "col_desc": ("Description", "Item description", "Description", "Service / Product"),
        "col_qty": ("Qty", "Quantity", "Qty", "Hrs/Qty"),
        "col_unit": ("Unit", "Unit", "UoM", "Unit"),
        "col_price": ("Unit price", "Rate", "Price", "Unit cost"),
        "col_tax": ("VAT", "Tax %", "VAT %", "VAT rate"),
        "col_amount": ("Amount", "Total", "Line total", "Net amount"),
        "subtotal": ("Subtotal", "Sub-total", "Subtotal", "Goods total"),
        "discount": ("Discount", "Less discount", "Discount", "Trade discount"),
        "net": ("Net total", "Total excl. VAT", "Net amount", "Total net"),
        "tax_line": (
            "VAT {rate} on {base}",
            "VAT @ {rate} on {base}",
            "VAT {rate} of {base}",
            "Tax {rate} on {base}",
        ),
        "tax_total": ("Total VAT", "VAT total", "Total tax", "VAT"),
        "gross": ("Total", "Total incl. VAT", "Invoice total", "TOTAL"),
        "gross_credit": ("Total credit", "Credit total", "Total credited", "TOTAL CREDIT"),
        "prepayment": ("Less prepayment", "Paid on account", "Less deposit received", "Prepaid"),
        "amount_due": ("Amount due", "Balance due", "Please pay", "AMOUNT DUE"),
        "tax_table_rate": ("VAT rate", "Rate", "VAT %", "Tax rate"),
        "tax_table_base": ("Net", "Taxable amount", "Net value", "Base"),
        "tax_table_amount": ("VAT", "VAT amount", "VAT", "Tax"),
        "bank": ("Bank details", "Payment details", "Bank details", "Remit to"),
        "bank_name": ("Bank", "Bank", "Bank name", "Bank"),
        "account_holder": ("Account name", "Account holder", "Payee", "Account name"),
        "bic": ("BIC", "SWIFT/BIC", "BIC/SWIFT", "SWIFT"),
        "phone": ("Tel.", "Phone", "T", "Tel"),
        "email": ("Email", "E-mail", "E", "Email"),
        "page": ("Page {i} of {n}", "Page {i}/{n}", "Page {i} of {n}", "p. {i}/{n}"),
        "continued": ("continued", "(continued)", "continued", "cont."),
        "carried_forward": ("Carried forward", "Carried forward", "Subtotal carried forward", "c/f"),
        "brought_forward": ("Brought forward", "Brought forward", "Subtotal brought forward", "b/f"),
        "intro": (
            "Thank you for your order. We invoice you for the following:",
            "For services rendered and goods supplied:",
            "",
            "Please find our invoice below.",
        ),
        "intro_credit": (
            "We credit you for the following items:",
            "Credit for the following:",
            "",
            "We have credited your account as follows:",
        ),
        "thanks": ("Thank you for your business.", "Many thanks!", "We appreciate your business.", ""),
        "credit_note_text": (
            "The amount will be credited to your account.",
            "This amount will be refunded to your bank account.",
            "The credit will be offset against your next invoice.",
            "",
        ),
        "director": ("Director: {n}", "Managing Director: {n}", "Directors: {n}", "CEO: {n}"),
    },
    "de": {
        "title_invoice": ("RECHNUNG", "Rechnung", "Rechnung", "RECHNUNG"),
        "title_credit": ("GUTSCHRIFT", "Gutschrift", "Gutschrift", "GUTSCHRIFT"),
        "invoice_number": ("Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Re.-Nr."),
        "credit_number": ("Gutschriftsnummer", "Gutschrift-Nr.", "Gutschrift Nr.", "GS-Nr."),
        "invoice_date": ("Rechnungsdatum", "Datum", "Ausstellungsdatum", "Re.-Datum"),
        "due_date": ("Fällig am", "Zahlbar bis", "Fälligkeitsdatum", "Fällig bis"),
        "purchase_order": ("Bestellnummer", "Ihre Bestellung", "Bestell-Nr.", "Ihr Auftrag"),
        "customer_number": ("Kundennummer", "Kunden-Nr.", "Kd.-Nr.", "Ihre Kundennummer"),
        "delivery_date": ("Lieferdatum", "Leistungsdatum", "Leistungszeitraum", "Liefertag"),
        "currency": ("Währung", "Währung", "Währung", "Währung"),
        "payment_terms": ("Zahlungsbedingungen", "Zahlungsziel", "Zahlungsbedingungen", "Konditionen"),
        "original_invoice": ("Bezug auf Rechnung", "zu Rechnung", "Ursprungsrechnung", "Rechnungsbezug"),
        "vat_id": ("USt-IdNr.", "USt-ID", "UID-Nr.", "USt.-IdNr."),
        "customer_vat_id": ("Ihre USt-IdNr.", "USt-IdNr. Kunde", "Ihre UID", "Kunden-USt-ID"),
        "bill_to": ("Rechnungsempfänger", "An", "Kunde", "RECHNUNGSADRESSE"),
        "from": ("Absender", "Lieferant", "Von", "ABSENDER"),
        "col_pos": ("Pos.", "Nr.", "Pos", "Position"),
        "col_code": ("Art.-Nr.", "Artikel", "Artikelnr.", "Art-Nr"),
        "col_desc": ("Beschreibung", "Bezeichnung", "Leistung", "Artikel / Leistung"),
        "col_qty": ("Menge", "Anz.", "Menge", "Anzahl"),
        "col_unit": ("Einheit", "ME", "Einh.", "Einheit"),
        "col_price": ("Einzelpreis", "E-Preis", "Preis", "Einzelpreis netto"),
        "col_tax": ("USt.", "MwSt.", "USt.-Satz", "MwSt.-Satz"),
        "col_amount": ("Betrag", "Gesamt", "Gesamtpreis", "Summe"),
        "subtotal": ("Zwischensumme", "Summe Positionen", "Warenwert", "Zwischensumme"),
        "discount": ("Rabatt", "abzgl. Rabatt", "Nachlass", "Rabatt"),
        "net": ("Nettobetrag", "Summe netto", "Gesamt netto", "Netto"),
        "tax_line": (
            "zzgl. {rate} USt. auf {base}",
            "MwSt. {rate} auf {base}",
            "USt. {rate} von {base}",
            "{rate} MwSt. auf {base}",
        ),
        "tax_total": ("Summe USt.", "MwSt. gesamt", "Umsatzsteuer", "Steuer"),
        "gross": ("Gesamtbetrag", "Rechnungsbetrag", "Bruttobetrag", "GESAMT"),
        "gross_credit": ("Gutschriftsbetrag", "Gesamtbetrag", "Gutschrift brutto", "GESAMT"),
        "prepayment": ("abzgl. Anzahlung", "Bereits bezahlt", "abzüglich Abschlagszahlung", "Anzahlung"),
        "amount_due": ("Zahlbetrag", "Offener Betrag", "Zu zahlen", "ZAHLBETRAG"),
        "tax_table_rate": ("USt.-Satz", "Steuersatz", "MwSt.-Satz", "Satz"),
        "tax_table_base": ("Netto", "Bemessungsgrundlage", "Nettobetrag", "Netto"),
        "tax_table_amount": ("USt.", "Steuerbetrag", "MwSt.", "Steuer"),
        "bank": ("Bankverbindung", "Zahlungsinformationen", "Bankverbindung", "Konto"),
        "bank_name": ("Bank", "Kreditinstitut", "Bank", "Institut"),
        "account_holder": ("Kontoinhaber", "Empfänger", "Kontoinhaber", "Inhaber"),
        "bic": ("BIC", "BIC", "SWIFT-BIC", "BIC"),
        "phone": ("Tel.", "Telefon", "T", "Fon"),
        "email": ("E-Mail", "Mail", "E", "E-Mail"),
        "page": ("Seite {i} von {n}", "Seite {i}/{n}", "Seite {i} von {n}", "S. {i}/{n}"),
        "continued": ("Fortsetzung", "(Fortsetzung)", "Übertrag", "Forts."),
        "carried_forward": ("Übertrag", "Zwischensumme Übertrag", "Übertrag", "Summe Übertrag"),
        "brought_forward": ("Übertrag", "Übertrag von Vorseite", "Übertrag", "Vortrag"),
        "intro": (
            "Sehr geehrte Damen und Herren, wir berechnen Ihnen folgende Leistungen:",
            "Vielen Dank für Ihren Auftrag. Wir stellen Ihnen in Rechnung:",
            "",
            "Für unsere Lieferungen und Leistungen berechnen wir:",
        ),
        "intro_credit": (
            "Wir schreiben Ihnen folgende Positionen gut:",
            "Gutschrift für folgende Positionen:",
            "",
            "Folgende Beträge schreiben wir Ihnen gut:",
        ),
        "thanks": (
            "Vielen Dank für Ihren Auftrag.",
            "Wir danken für Ihr Vertrauen.",
            "Mit freundlichen Grüßen",
            "",
        ),
        "credit_note_text": (
            "Der Betrag wird Ihrem Konto gutgeschrieben.",
            "Wir überweisen den Betrag auf Ihr Konto.",
            "Der Betrag wird mit der nächsten Rechnung verrechnet.",
            "",
        ),
        "director": ("Geschäftsführer: {n}", "Geschäftsführung: {n}", "Vorstand: {n}", "GF: {n}"),
    },
    "fr": {
        "title_invoice": ("FACTURE", "Facture", "Facture", "FACTURE"),
        "title_credit": ("AVOIR", "Avoir", "Facture d'avoir", "AVOIR"),
        "invoice_number": ("N° de facture", "Facture n°", "Numéro de facture", "Réf. facture"),
        "credit_number": ("N° d'avoir", "Avoir n°", "Numéro d'avoir", "Réf. avoir"),
        "invoice_date": ("Date de facture", "Date", "Date d'émission", "Émise le"),
        "due_date": ("Date d'échéance", "Échéance", "À régler avant le", "Échéance"),
        "purchase_order": ("N° de commande", "Bon de commande", "Votre commande", "Réf. commande"),
        "customer_number": ("N° client", "Code client", "Réf. client", "Client n°"),
        "delivery_date": ("Date de livraison", "Date de prestation", "Livré le", "Prestation du"),
        "currency": ("Devise", "Devise", "Monnaie", "Devise"),
        "payment_terms": ("Conditions de paiement", "Modalités de paiement", "Règlement", "Conditions"),
        "original_invoice": (
            "Facture d'origine",
            "Avoir sur facture",
            "Réf. facture initiale",
            "Facture concernée",
        ),
        "vat_id": ("N° TVA intracom.", "TVA intracommunautaire", "N° TVA", "TVA"),
        "customer_vat_id": ("Votre N° TVA", "N° TVA client", "TVA client", "N° TVA intracom. client"),
        "bill_to": ("Facturé à", "Client", "Destinataire", "FACTURER À"),
        "from": ("Émetteur", "Fournisseur", "De", "ÉMETTEUR"),
        "col_pos": ("N°", "#", "Ligne", "Pos."),
        "col_code": ("Réf.", "Code", "Référence", "Code article"),
        "col_desc": ("Désignation", "Description", "Libellé", "Désignation"),
        "col_qty": ("Qté", "Quantité", "Qté", "Quantité"),
        "col_unit": ("Unité", "U.", "Unité", "Unité"),
        "col_price": ("Prix unitaire HT", "P.U. HT", "Prix unit.", "PU HT"),
        "col_tax": ("TVA", "Taux TVA", "TVA %", "TVA"),
        "col_amount": ("Montant HT", "Total HT", "Montant", "Total HT"),
        "subtotal": ("Sous-total", "Total brut HT", "Sous-total HT", "Sous-total"),
        "discount": ("Remise", "Remise commerciale", "Escompte", "Remise"),
        "net": ("Total HT", "Montant HT", "Total net HT", "Net HT"),
        "tax_line": (
            "TVA {rate} sur {base}",
            "TVA à {rate} sur {base}",
            "TVA {rate} base {base}",
            "TVA ({rate}) sur {base}",
        ),
        "tax_total": ("Total TVA", "Montant TVA", "TVA", "Total TVA"),
        "gross": ("Total TTC", "Montant TTC", "Net à payer TTC", "TOTAL TTC"),
        "gross_credit": ("Total avoir TTC", "Montant de l'avoir TTC", "Total TTC", "TOTAL TTC"),
        "prepayment": ("Acompte versé", "Acompte reçu", "Déjà réglé", "Acompte"),
        "amount_due": ("Net à payer", "Reste à payer", "Solde dû", "NET À PAYER"),
        "tax_table_rate": ("Taux TVA", "Taux", "TVA %", "Taux"),
        "tax_table_base": ("Base HT", "Montant HT", "Base", "Base HT"),
        "tax_table_amount": ("Montant TVA", "TVA", "Montant TVA", "TVA"),
        "bank": ("Coordonnées bancaires", "Règlement par virement", "Banque", "RIB"),
        "bank_name": ("Banque", "Domiciliation", "Banque", "Établissement"),
        "account_holder": ("Titulaire", "Bénéficiaire", "Titulaire du compte", "Titulaire"),
        "bic": ("BIC", "BIC/SWIFT", "Code BIC", "BIC"),
        "phone": ("Tél.", "Téléphone", "T", "Tél"),
        "email": ("E-mail", "Courriel", "E", "Mail"),
        "page": ("Page {i} sur {n}", "Page {i}/{n}", "Page {i} sur {n}", "p. {i}/{n}"),
        "continued": ("suite", "(suite)", "à reporter", "suite"),
        "carried_forward": ("À reporter", "Total à reporter", "À reporter", "Report"),
        "brought_forward": ("Report", "Report de la page précédente", "Report", "Reporté"),
        "intro": (
            "Nous vous remercions de votre commande et vous facturons :",
            "Prestations et fournitures :",
            "",
            "Veuillez trouver ci-dessous notre facture.",
        ),
        "intro_credit": (
            "Nous vous créditons des montants suivants :",
            "Avoir pour les articles suivants :",
            "",
            "Nous avons crédité votre compte comme suit :",
        ),
        "thanks": (
            "Merci de votre confiance.",
            "Nous vous remercions de votre confiance.",
            "Cordialement",
            "",
        ),
        "credit_note_text": (
            "Ce montant sera porté au crédit de votre compte.",
            "Le montant vous sera remboursé par virement.",
            "Cet avoir sera déduit de votre prochaine facture.",
            "",
        ),
        "director": ("Gérant : {n}", "Président : {n}", "Directeur général : {n}", "Gérante : {n}"),
    },
    "nl": {
        "title_invoice": ("FACTUUR", "Factuur", "Factuur", "FACTUUR"),
        "title_credit": ("CREDITNOTA", "Creditnota", "Creditfactuur", "CREDITNOTA"),
        "invoice_number": ("Factuurnummer", "Factuurnr.", "Factuur nr.", "Nummer"),
        "credit_number": ("Creditnotanummer", "Creditnota nr.", "Creditnotanr.", "Nummer"),
        "invoice_date": ("Factuurdatum", "Datum", "Factuurdatum", "Datum factuur"),
        "due_date": ("Vervaldatum", "Te betalen vóór", "Uiterste betaaldatum", "Vervaldag"),
        "purchase_order": ("Uw referentie", "Ordernummer", "Uw bestelnummer", "Inkoopordernr."),
        "customer_number": ("Klantnummer", "Debiteurnummer", "Klantnr.", "Debiteurnr."),
        "delivery_date": ("Leverdatum", "Leveringsdatum", "Datum levering", "Prestatiedatum"),
        "currency": ("Valuta", "Valuta", "Munteenheid", "Valuta"),
        "payment_terms": ("Betalingsvoorwaarden", "Betalingstermijn", "Betaling", "Voorwaarden"),
        "original_invoice": (
            "Oorspronkelijke factuur",
            "Betreft factuur",
            "Originele factuur",
            "Ref. factuur",
        ),
        "vat_id": ("BTW-nummer", "Btw-nr.", "BTW nr.", "Btw-id"),
        "customer_vat_id": ("Uw BTW-nummer", "BTW-nr. klant", "Uw btw-nr.", "Btw-nummer afnemer"),
        "bill_to": ("Factuuradres", "Aan", "Klant", "FACTUUR AAN"),
        "from": ("Van", "Leverancier", "Afzender", "VAN"),
        "col_pos": ("Nr.", "#", "Regel", "Pos."),
        "col_code": ("Artikelnr.", "Code", "Art.nr.", "Artikelcode"),
        "col_desc": ("Omschrijving", "Beschrijving", "Omschrijving", "Artikel / dienst"),
        "col_qty": ("Aantal", "Aant.", "Hoeveelheid", "Aantal"),
        "col_unit": ("Eenheid", "Eenh.", "Eenheid", "Eenheid"),
        "col_price": ("Prijs", "Stukprijs", "Eenheidsprijs", "Prijs per eenheid"),
        "col_tax": ("BTW", "BTW %", "Btw-tarief", "BTW"),
        "col_amount": ("Bedrag", "Totaal", "Regeltotaal", "Bedrag excl. BTW"),
        "subtotal": ("Subtotaal", "Subtotaal", "Totaal regels", "Subtotaal"),
        "discount": ("Korting", "Af: korting", "Korting", "Kortingsbedrag"),
        "net": ("Totaal excl. BTW", "Subtotaal excl. btw", "Netto bedrag", "Totaal exclusief BTW"),
        "tax_line": (
            "BTW {rate} over {base}",
            "{rate} btw over {base}",
            "BTW {rate} van {base}",
            "Btw {rate} over {base}",
        ),
        "tax_total": ("Totaal BTW", "BTW-bedrag", "Btw", "BTW totaal"),
        "gross": ("Totaal incl. BTW", "Totaal", "Factuurbedrag", "TOTAAL"),
        "gross_credit": ("Totaal creditnota", "Totaal incl. BTW", "Te crediteren", "TOTAAL"),
        "prepayment": ("Reeds betaald", "Af: aanbetaling", "Vooruitbetaling", "Aanbetaling"),
        "amount_due": ("Te betalen", "Openstaand bedrag", "Nog te betalen", "TE BETALEN"),
        "tax_table_rate": ("BTW-tarief", "Tarief", "BTW %", "Tarief"),
        "tax_table_base": ("Grondslag", "Bedrag excl. BTW", "Netto", "Grondslag"),
        "tax_table_amount": ("BTW", "BTW-bedrag", "Btw", "BTW"),
        "bank": ("Bankgegevens", "Betaalgegevens", "Bank", "Betalen aan"),
        "bank_name": ("Bank", "Bank", "Banknaam", "Bank"),
        "account_holder": ("Ten name van", "Rekeninghouder", "T.n.v.", "Begunstigde"),
        "bic": ("BIC", "BIC", "BIC/SWIFT", "SWIFT"),
        "phone": ("Tel.", "Telefoon", "T", "Tel"),
        "email": ("E-mail", "Email", "E", "Mail"),
        "page": ("Pagina {i} van {n}", "Pagina {i}/{n}", "Blad {i} van {n}", "p. {i}/{n}"),
        "continued": ("vervolg", "(vervolg)", "vervolg", "vervolg"),
        "carried_forward": ("Transport", "Over te brengen", "Transport", "Subtotaal transport"),
        "brought_forward": ("Transport", "Overgebracht", "Transport", "Van vorige pagina"),
        "intro": (
            "Hartelijk dank voor uw opdracht. Wij brengen u het volgende in rekening:",
            "Voor geleverde goederen en diensten:",
            "",
            "Hierbij ontvangt u onze factuur.",
        ),
        "intro_credit": (
            "Wij crediteren u voor het volgende:",
            "Creditering van de volgende posten:",
            "",
            "Wij hebben uw rekening als volgt gecrediteerd:",
        ),
        "thanks": (
            "Bedankt voor uw opdracht.",
            "Met vriendelijke groet,",
            "Wij danken u voor uw vertrouwen.",
            "",
        ),
        "credit_note_text": (
            "Het bedrag wordt op uw rekening teruggestort.",
            "Het bedrag wordt verrekend met uw volgende factuur.",
            "Wij storten het bedrag binnen 14 dagen terug.",
            "",
        ),
        "director": ("Directeur: {n}", "Bestuurder: {n}", "Directie: {n}", "Algemeen directeur: {n}"),
    },
    "es": {
        "title_invoice": ("FACTURA", "Factura", "Factura", "FACTURA"),
        "title_credit": ("FACTURA RECTIFICATIVA", "Factura rectificativa", "Nota de abono", "ABONO"),
        "invoice_number": ("Nº Factura", "Número de factura", "Factura nº", "Nº de factura"),
        "credit_number": ("Nº Factura rectificativa", "Número de abono", "Rectificativa nº", "Nº de abono"),
        "invoice_date": ("Fecha de factura", "Fecha", "Fecha de emisión", "Fecha factura"),
        "due_date": ("Fecha de vencimiento", "Vencimiento", "Vence el", "Fecha vencimiento"),
        "purchase_order": ("Nº de pedido", "Su pedido", "Pedido", "Referencia pedido"),
        "customer_number": ("Nº de cliente", "Código cliente", "Cliente nº", "Cód. cliente"),
        "delivery_date": ("Fecha de entrega", "Fecha de servicio", "Entregado el", "Fecha entrega"),
        "currency": ("Moneda", "Divisa", "Moneda", "Divisa"),
        "payment_terms": ("Forma de pago", "Condiciones de pago", "Forma de pago", "Pago"),
        "original_invoice": (
            "Factura rectificada",
            "Rectifica a la factura",
            "Factura original",
            "Ref. factura",
        ),
        "vat_id": ("NIF", "CIF", "NIF-IVA", "Nº IVA"),
        "customer_vat_id": ("NIF cliente", "CIF cliente", "Su NIF", "NIF-IVA cliente"),
        "bill_to": ("Facturar a", "Cliente", "Datos del cliente", "FACTURAR A"),
        "from": ("Emisor", "Proveedor", "De", "EMISOR"),
        "col_pos": ("Nº", "#", "Línea", "Pos."),
        "col_code": ("Ref.", "Código", "Referencia", "Cód."),
        "col_desc": ("Descripción", "Concepto", "Descripción", "Artículo / servicio"),
        "col_qty": ("Cant.", "Cantidad", "Uds.", "Cantidad"),
        "col_unit": ("Unidad", "Ud.", "Unidad", "Unidad"),
        "col_price": ("Precio", "Precio unit.", "Precio unitario", "P. unitario"),
        "col_tax": ("IVA", "% IVA", "IVA %", "Tipo IVA"),
        "col_amount": ("Importe", "Total", "Importe", "Importe neto"),
        "subtotal": ("Subtotal", "Suma", "Total bruto", "Subtotal"),
        "discount": ("Descuento", "Dto.", "Descuento comercial", "Descuento"),
        "net": ("Base imponible", "Total neto", "Base imponible", "Importe neto"),
        "tax_line": (
            "IVA {rate} sobre {base}",
            "IVA {rate} s/ {base}",
            "IVA ({rate}) de {base}",
            "Cuota IVA {rate} sobre {base}",
        ),
        "tax_total": ("Total IVA", "Cuota IVA", "IVA", "Importe IVA"),
        "gross": ("Total factura", "TOTAL", "Importe total", "Total (IVA incl.)"),
        "gross_credit": ("Total rectificativa", "Total abono", "TOTAL", "Importe total"),
        "prepayment": ("Anticipo", "Pagos a cuenta", "A deducir anticipo", "Ya abonado"),
        "amount_due": ("Total a pagar", "Importe a pagar", "A pagar", "TOTAL A PAGAR"),
        "tax_table_rate": ("Tipo IVA", "% IVA", "Tipo", "IVA %"),
        "tax_table_base": ("Base imponible", "Base", "Base imp.", "Base"),
        "tax_table_amount": ("Cuota", "Cuota IVA", "Importe IVA", "IVA"),
        "bank": ("Datos bancarios", "Pago por transferencia", "Domiciliación bancaria", "Cuenta bancaria"),
        "bank_name": ("Banco", "Entidad", "Banco", "Entidad bancaria"),
        "account_holder": ("Titular", "Beneficiario", "Titular de la cuenta", "Titular"),
        "bic": ("BIC", "SWIFT", "BIC/SWIFT", "Código BIC"),
        "phone": ("Tel.", "Teléfono", "Tlf.", "T"),
        "email": ("Email", "Correo electrónico", "E-mail", "Correo"),
        "page": ("Página {i} de {n}", "Pág. {i}/{n}", "Página {i}/{n}", "Hoja {i} de {n}"),
        "continued": ("continuación", "(continuación)", "suma y sigue", "cont."),
        "carried_forward": ("Suma y sigue", "Suma y sigue", "Total a trasladar", "Suma y sigue"),
        "brought_forward": ("Suma anterior", "Suma anterior", "Traslado", "Viene de la página anterior"),
        "intro": (
            "Gracias por su pedido. Le facturamos los siguientes conceptos:",
            "Por los servicios prestados y productos suministrados:",
            "",
            "Le remitimos nuestra factura.",
        ),
        "intro_credit": (
            "Le abonamos los siguientes conceptos:",
            "Rectificación de los siguientes conceptos:",
            "",
            "Hemos abonado en su cuenta lo siguiente:",
        ),
        "thanks": ("Gracias por su confianza.", "Muchas gracias.", "Atentamente", ""),
        "credit_note_text": (
            "El importe se abonará en su cuenta.",
            "Le reembolsaremos el importe por transferencia.",
            "El importe se descontará de su próxima factura.",
            "",
        ),
        "director": (
            "Administrador: {n}",
            "Administrador único: {n}",
            "Director general: {n}",
            "Gerente: {n}",
        ),
    },
    "it": {
        "title_invoice": ("FATTURA", "Fattura", "Fattura", "FATTURA"),
        "title_credit": ("NOTA DI CREDITO", "Nota di credito", "Nota di credito", "NOTA DI CREDITO"),
        "invoice_number": ("Fattura n.", "Numero fattura", "N. fattura", "Numero documento"),
        "credit_number": (
            "Nota di credito n.",
            "Numero nota di credito",
            "N. nota credito",
            "Numero documento",
        ),
        "invoice_date": ("Data fattura", "Data", "Data documento", "Data emissione"),
        "due_date": ("Scadenza", "Data scadenza", "Scadenza pagamento", "Da pagare entro"),
        "purchase_order": ("Vs. ordine", "Rif. ordine", "Numero ordine", "Ordine n."),
        "customer_number": ("Codice cliente", "Cod. cliente", "Cliente n.", "Vs. codice"),
        "delivery_date": ("Data consegna", "Data DDT", "Consegna del", "Data prestazione"),
        "currency": ("Valuta", "Divisa", "Valuta", "Divisa"),
        "payment_terms": (
            "Modalità di pagamento",
            "Condizioni di pagamento",
            "Pagamento",
            "Termini di pagamento",
        ),
        "original_invoice": ("Rif. fattura", "Fattura di riferimento", "Storno fattura", "Fattura originale"),
        "vat_id": ("P.IVA", "Partita IVA", "P. IVA", "Cod. IVA"),
        "customer_vat_id": ("P.IVA cliente", "Vs. P.IVA", "Partita IVA cliente", "P. IVA"),
        "bill_to": ("Spett.le", "Cliente", "Destinatario", "INTESTATARIO"),
        "from": ("Mittente", "Fornitore", "Da", "CEDENTE"),
        "col_pos": ("N.", "#", "Riga", "Pos."),
        "col_code": ("Codice", "Cod. art.", "Articolo", "Cod."),
        "col_desc": ("Descrizione", "Descrizione", "Descrizione articolo", "Articolo / servizio"),
        "col_qty": ("Q.tà", "Quantità", "Qtà", "Q.tà"),
        "col_unit": ("U.M.", "UM", "Unità", "U.M."),
        "col_price": ("Prezzo", "Prezzo unit.", "Prezzo unitario", "Importo unitario"),
        "col_tax": ("IVA", "Aliquota", "IVA %", "Aliq. IVA"),
        "col_amount": ("Importo", "Totale", "Importo", "Totale riga"),
        "subtotal": ("Subtotale", "Totale merce", "Subtotale", "Totale righe"),
        "discount": ("Sconto", "Sconto", "Sconto incondizionato", "Abbuono"),
        "net": ("Imponibile", "Totale imponibile", "Totale netto", "Imponibile"),
        "tax_line": (
            "IVA {rate} su {base}",
            "IVA {rate} su imponibile {base}",
            "Aliquota {rate} su {base}",
            "IVA ({rate}) su {base}",
        ),
        "tax_total": ("Totale IVA", "IVA", "Imposta", "Totale imposta"),
        "gross": ("Totale fattura", "Totale documento", "TOTALE", "Totale"),
        "gross_credit": ("Totale nota di credito", "Totale documento", "TOTALE", "Totale"),
        "prepayment": ("Acconto", "Acconto versato", "Già pagato", "Anticipo"),
        "amount_due": ("Netto a pagare", "Totale da pagare", "Da pagare", "NETTO A PAGARE"),
        "tax_table_rate": ("Aliquota", "Aliquota IVA", "IVA %", "Aliq."),
        "tax_table_base": ("Imponibile", "Imponibile", "Base imponibile", "Imponibile"),
        "tax_table_amount": ("Imposta", "IVA", "Importo IVA", "Imposta"),
        "bank": ("Coordinate bancarie", "Pagamento tramite bonifico", "Banca d'appoggio", "Dati bancari"),
        "bank_name": ("Banca", "Istituto", "Banca d'appoggio", "Banca"),
        "account_holder": ("Intestatario", "Beneficiario", "Intestato a", "Intestatario"),
        "bic": ("BIC", "SWIFT", "BIC/SWIFT", "Codice BIC"),
        "phone": ("Tel.", "Telefono", "T", "Tel"),
        "email": ("Email", "E-mail", "PEC", "Mail"),
        "page": ("Pagina {i} di {n}", "Pag. {i}/{n}", "Pagina {i}/{n}", "Foglio {i} di {n}"),
        "continued": ("segue", "(segue)", "a riportare", "segue"),
        "carried_forward": ("A riportare", "Totale a riportare", "A riportare", "Riporto"),
        "brought_forward": ("Riporto", "Riporto da pagina precedente", "Riporto", "Riportato"),
        "intro": (
            "Vi ringraziamo per l'ordine e Vi addebitiamo quanto segue:",
            "Per le forniture e i servizi prestati:",
            "",
            "Con la presente Vi inviamo la nostra fattura.",
        ),
        "intro_credit": (
            "Vi accreditiamo i seguenti importi:",
            "Nota di credito per le seguenti voci:",
            "",
            "Abbiamo accreditato sul Vostro conto quanto segue:",
        ),
        "thanks": ("Grazie per la fiducia.", "Distinti saluti", "Cordiali saluti", ""),
        "credit_note_text": (
            "L'importo sarà accreditato sul Vostro conto.",
            "Provvederemo al rimborso tramite bonifico.",
            "L'importo sarà detratto dalla prossima fattura.",
            "",
        ),
        "director": (
            "Amministratore: {n}",
            "Amministratore unico: {n}",
            "Legale rappresentante: {n}",
            "Amministratore delegato: {n}",
        ),
    },
}

# More spellings per field and heading, beyond the four of ``LABELS``. A vendor with its own label
# style draws each label from both (see ``draw_labels``); a vendor without keeps its layout's set.
LABEL_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "invoice_number": (
            "Inv. No.",
            "Inv #",
            "Document No.",
            "Invoice ID",
            "Invoice Ref.",
            "Bill No.",
            "Invoice Nr.",
        ),
        "credit_number": ("Credit Memo No.", "Credit No.", "Document No.", "CN No."),
        "invoice_date": ("Issue date", "Dated", "Billing date", "Document date", "Tax point date"),
        "due_date": ("Payment due date", "Pay by", "Due on", "Date due", "Payable by"),
        "purchase_order": (
            "P.O. No.",
            "Order No.",
            "Your reference",
            "Customer order",
            "Order ref.",
            "Buyer reference",
        ),
        "customer_number": ("Client No.", "Account", "Customer ref.", "Account number"),
        "delivery_date": ("Ship date", "Supply date", "Shipped", "Date of delivery"),
        "payment_terms": ("Terms of payment", "Payment conditions", "Credit terms"),
        "vat_id": ("VAT Reg No", "VAT registration", "Tax ID", "VAT Registration No."),
        "customer_vat_id": ("Customer VAT No.", "Buyer VAT ID", "Your VAT ID"),
        "bill_to": ("Billed to", "Sold to", "Invoice address", "Customer details", "To"),
        "from": ("Vendor", "Billed by", "Issued by"),
        "col_pos": ("Line", "Ln"),
        "col_code": ("Article no.", "Product code", "Ref."),
        "col_desc": ("Details", "Particulars", "Product", "Services"),
        "col_qty": ("Units", "Qty.", "No. of units"),
        "col_price": ("Price per unit", "Unit Price", "Each"),
        "col_amount": ("Line Total", "Net", "Amount excl. VAT", "Value"),
        "subtotal": ("Items total", "Total before discount", "Sum of items"),
        "net": (
            "Subtotal",
            "Net",
            "Net value",
            "Amount excl. VAT",
            "Taxable amount",
            "Total before tax",
            "Total excl. tax",
        ),
        "tax_total": ("VAT amount", "Tax amount", "Total VAT amount"),
        "gross": (
            "Grand total",
            "Total amount",
            "Amount incl. VAT",
            "Total (incl. VAT)",
            "Gross total",
            "Invoice amount",
        ),
        "gross_credit": ("Credit amount", "Total amount credited", "Credit note total"),
        "prepayment": ("Less payment received", "Deposit paid", "Payments received"),
        "amount_due": ("Total due", "Amount payable", "Balance", "Amount to pay", "Outstanding balance"),
        "bank": ("Payment information", "Bank account", "How to pay", "Banking details"),
        "account_holder": ("Beneficiary", "Account holder name"),
    },
    "de": {
        "invoice_number": (
            "Rechnungs-Nummer",
            "Belegnummer",
            "Beleg-Nr.",
            "RG-Nr.",
            "Rechnungsnr.",
            "Rechnung-Nr.",
        ),
        "credit_number": ("Gutschrifts-Nr.", "Beleg-Nr.", "Belegnummer"),
        "invoice_date": ("Belegdatum", "Rechnungs-Datum", "Datum der Rechnung"),
        "due_date": ("Fälligkeit", "Zahlungsfrist bis", "Fälligkeitstermin"),
        "purchase_order": (
            "Ihre Bestellnummer",
            "Auftragsnummer",
            "Ihr Zeichen",
            "Bestellung",
            "Auftrags-Nr.",
            "Ihre Referenz",
        ),
        "customer_number": ("Kunden-Nummer", "Debitor", "Debitoren-Nr.", "Kundennr."),
        "delivery_date": ("Lieferung am", "Liefer-/Leistungsdatum", "Leistungszeitpunkt"),
        "payment_terms": ("Zahlungskonditionen", "Zahlungsweise", "Zahlungsbedingung"),
        "vat_id": ("USt-IdNr", "Umsatzsteuer-ID", "USt-Id-Nr.", "UStIdNr.", "Ust-ID-Nr."),
        "customer_vat_id": ("USt-IdNr. des Kunden", "Ihre USt-ID"),
        "bill_to": ("Rechnung an", "Empfänger", "Rechnungsadresse"),
        "col_pos": ("Lfd. Nr.", "Pos.-Nr."),
        "col_code": ("Artikel-Nr.", "Art.Nr.", "Material"),
        "col_desc": ("Artikelbezeichnung", "Leistungsbeschreibung", "Text", "Bezeichnung der Leistung"),
        "col_qty": ("Mge.", "Stück"),
        "col_price": ("Stückpreis", "Preis/Einheit", "EP", "Einzelpr."),
        "col_amount": ("Positionsbetrag", "GP", "Betrag netto"),
        "subtotal": ("Positionssumme", "Zwischensumme netto"),
        "net": (
            "Nettosumme",
            "Netto gesamt",
            "Gesamtbetrag netto",
            "Rechnungsbetrag netto",
            "Summe ohne USt.",
        ),
        "tax_total": ("MwSt.", "USt.", "Mehrwertsteuer", "Umsatzsteuer gesamt", "Steuerbetrag"),
        "gross": (
            "Gesamtsumme",
            "Endbetrag",
            "Bruttosumme",
            "Gesamt brutto",
            "Rechnungssumme",
            "Summe brutto",
        ),
        "amount_due": ("Zu zahlender Betrag", "Fälliger Betrag", "Restbetrag", "Noch zu zahlen"),
        "bank": ("Bankdaten", "Zahlung an", "Bankverbindungen"),
    },
    "fr": {
        "invoice_number": ("Facture N°", "N° facture", "Numéro", "Facture numéro", "N° de pièce"),
        "credit_number": ("Avoir N°", "N° avoir", "Numéro avoir"),
        "invoice_date": ("Date facture", "Date de facturation", "Date de la facture"),
        "due_date": ("Date limite de paiement", "Échéance le", "Payable le", "Date de règlement"),
        "purchase_order": ("Commande n°", "N° bon de commande", "Référence commande", "Votre référence"),
        "customer_number": ("Numéro client", "Compte client"),
        "delivery_date": ("Date d'exécution", "Livraison le", "Date de livraison/prestation"),
        "payment_terms": ("Mode de règlement", "Conditions de règlement", "Modalités"),
        "vat_id": ("N° TVA intracommunautaire", "TVA Intracom.", "Numéro de TVA", "Identifiant TVA"),
        "bill_to": ("Adresse de facturation", "À l'attention de", "Facturer à"),
        "col_desc": ("Article", "Prestation", "Description de l'article"),
        "col_qty": ("Qté.", "Nombre"),
        "col_price": ("P.U.", "Prix U. HT", "Tarif unitaire"),
        "col_amount": ("Total ligne", "Prix total HT"),
        "subtotal": ("Total lignes", "Montant brut HT"),
        "net": ("Total H.T.", "Montant total HT", "Total hors taxes", "Base HT"),
        "tax_total": ("Montant de la TVA", "TVA totale", "T.V.A."),
        "gross": ("Total T.T.C.", "Montant total TTC", "Total toutes taxes comprises"),
        "amount_due": ("Montant à payer", "Reste dû", "Solde à régler", "Total à payer"),
        "bank": ("Paiement par virement", "Relevé d'identité bancaire", "Informations bancaires"),
    },
    "nl": {
        "invoice_number": ("Factuur nummer", "Factuurnr", "Documentnummer", "Fact.nr."),
        "credit_number": ("Creditnota nummer", "Documentnummer"),
        "invoice_date": ("Datum factuur", "Factuur datum"),
        "due_date": ("Uiterlijk betalen op", "Betalen voor", "Vervaldatum betaling"),
        "purchase_order": ("Uw ordernummer", "Referentie", "Bestelnummer", "PO-nummer"),
        "customer_number": ("Relatienummer", "Klant nr.", "Debiteur"),
        "payment_terms": ("Betalingsconditie", "Betaaltermijn"),
        "vat_id": ("BTW-nr", "Btw-nummer", "BTW-identificatienummer", "Btw-id nr."),
        "customer_vat_id": ("BTW-nummer klant", "Btw-nr. afnemer"),
        "bill_to": ("Factuur aan", "Afnemer", "Klantgegevens", "T.a.v."),
        "col_desc": ("Artikel", "Dienst", "Product", "Omschr."),
        "col_qty": ("Hoeveelh.", "Stuks"),
        "col_price": ("Stuksprijs", "Prijs p/st", "Tarief"),
        "col_amount": ("Netto bedrag", "Totaal excl."),
        "net": ("Subtotaal", "Totaal exclusief btw", "Netto", "Bedrag excl. btw"),
        "tax_total": ("BTW bedrag", "Btw totaal", "Omzetbelasting"),
        "gross": ("Totaal inclusief btw", "Totaalbedrag", "Eindtotaal", "Totaal incl. btw"),
        "amount_due": ("Totaal te betalen", "Te voldoen", "Openstaand saldo"),
        "bank": ("Rekeninggegevens", "Gelieve over te maken op"),
    },
    "es": {
        "invoice_number": ("Factura Nº", "Num. factura", "Número", "Factura núm.", "Nº documento"),
        "credit_number": ("Nº rectificativa", "Abono nº"),
        "invoice_date": ("Fecha emisión", "Fecha de expedición"),
        "due_date": ("Fecha de pago", "Vto.", "Vencimiento el"),
        "purchase_order": ("Su referencia", "Nº pedido", "Pedido cliente", "Orden de compra"),
        "customer_number": ("Nº cliente", "Cuenta cliente"),
        "payment_terms": ("Condiciones", "Plazo de pago"),
        "vat_id": ("N.I.F.", "C.I.F.", "NIF/CIF", "NIF IVA"),
        "customer_vat_id": ("NIF/CIF cliente", "N.I.F. cliente"),
        "bill_to": ("Datos de facturación", "Destinatario", "Facturado a"),
        "col_desc": ("Artículo", "Descripción del servicio", "Detalle"),
        "col_qty": ("Unidades",),
        "col_price": ("Precio/ud.", "P.V.P.", "Precio ud."),
        "col_amount": ("Total línea", "Neto"),
        "net": ("Base imp.", "Total base imponible", "Subtotal"),
        "tax_total": ("IVA total", "Total cuota IVA", "Cuota"),
        "gross": ("Importe total factura", "Total con IVA", "TOTAL FACTURA"),
        "amount_due": ("Líquido a pagar", "Total a abonar", "Importe pendiente"),
        "bank": ("Cuenta para transferencia", "Datos para el pago"),
    },
    "it": {
        "invoice_number": ("N. documento", "Numero", "Fattura nr.", "Documento n.", "Num. fattura"),
        "credit_number": ("N. documento", "Nota credito nr."),
        "invoice_date": ("Data doc.", "Data del documento"),
        "due_date": ("Scadenza il", "Data di scadenza", "Scad."),
        "purchase_order": ("Vostro ordine", "Rif. Vs. ordine", "Ordine cliente", "N. ordine"),
        "customer_number": ("Cod. cli.", "Vs. codice cliente"),
        "payment_terms": ("Pagamento", "Cond. pagamento"),
        "vat_id": ("P.I.", "C.F. e P.IVA", "Partita Iva"),
        "customer_vat_id": ("P.IVA destinatario", "Vs. partita IVA"),
        "bill_to": ("Spett.le ditta", "Intestatario", "Cessionario", "Committente"),
        "col_desc": ("Articolo", "Descrizione beni/servizi", "Descrizione dei beni"),
        "col_qty": ("Qta", "Quantita'"),
        "col_price": ("Pr. unit.", "Prezzo un."),
        "col_amount": ("Valore", "Importo netto"),
        "net": ("Totale netto merce", "Subtotale"),
        "tax_total": ("Totale imposta", "IVA totale"),
        "gross": ("Totale complessivo", "TOTALE DOCUMENTO", "Totale a documento"),
        "amount_due": ("Totale a pagare", "Importo da pagare", "Saldo"),
        "bank": ("Estremi per il pagamento", "IBAN per il bonifico"),
    },
}

# Labels printed together must differ, or a reader could not tell the rows apart.
_LABEL_GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "invoice_number",
        "credit_number",
        "invoice_date",
        "due_date",
        "purchase_order",
        "customer_number",
        "delivery_date",
        "currency",
        "payment_terms",
        "original_invoice",
        "vat_id",
    ),
    ("net", "subtotal", "discount", "tax_total", "gross", "gross_credit", "prepayment", "amount_due"),
    ("col_pos", "col_code", "col_desc", "col_qty", "col_unit", "col_price", "col_tax", "col_amount"),
)
# Field labels, headings and column heads; sentences and templates keep their case.
_CASED_KEYS = frozenset(key for group in _LABEL_GROUPS for key in group) | {
    "customer_vat_id",
    "bill_to",
    "from",
    "bank",
    "bank_name",
    "account_holder",
    "bic",
}


def draw_labels(style_seed: int, language: str, *, upper: bool = False) -> dict[str, str]:
    """One vendor's label for every key: drawn from all spellings, distinct within a block.

    Args:
        style_seed: The vendor's style seed; the same seed gives the same labels.
        language: The document language.
        upper: Print field labels, headings and column heads in capitals.

    Returns:
        Label per ``LABELS`` key.
    """
    labels: dict[str, str] = {}
    extra = LABEL_SYNONYMS.get(language, {})
    for key, variants in LABELS[language].items():
        pool = list(dict.fromkeys(variants + extra.get(key, ())))
        # A stream per key, so adding a key or a spelling elsewhere leaves the other draws alone.
        rng = random.Random(f"labels:{style_seed}:{language}:{key}")
        labels[key] = pool[rng.randrange(len(pool))]
    for group in _LABEL_GROUPS:
        taken: set[str] = set()
        for key in group:
            pool = list(dict.fromkeys(LABELS[language][key] + extra.get(key, ())))
            start = pool.index(labels[key])
            for step in range(len(pool)):
                candidate = pool[(start + step) % len(pool)]
                if candidate.casefold() not in taken:
                    labels[key] = candidate
                    break
            taken.add(labels[key].casefold())
    if upper:
        labels = {key: value.upper() if key in _CASED_KEYS else value for key, value in labels.items()}
    return labels


_PAYMENT_TERMS: dict[str, tuple[str, ...]] = {
    # {d} days; "{skonto}" variants add an early-payment discount sentence.
    "en": (
        "Net {d} days",
        "Payment within {d} days of invoice date",
        "{d} days net",
        "Payable within {d} days without deduction",
        "2% discount if paid within 10 days, net {d} days",
    ),
    "de": (
        "Zahlbar innerhalb von {d} Tagen ohne Abzug",
        "{d} Tage netto",
        "Zahlungsziel {d} Tage",
        "Zahlbar innerhalb {d} Tagen netto",
        "2 % Skonto bei Zahlung innerhalb von 10 Tagen, {d} Tage netto",
    ),
    "fr": (
        "Paiement à {d} jours",
        "À {d} jours date de facture",
        "Paiement à {d} jours net",
        "Règlement par virement à {d} jours",
        "Escompte de 2 % pour paiement sous 10 jours, net à {d} jours",
    ),
    "nl": (
        "Betaling binnen {d} dagen",
        "Te betalen binnen {d} dagen na factuurdatum",
        "{d} dagen netto",
        "Betaling binnen {d} dagen zonder aftrek",
        "2% korting bij betaling binnen 10 dagen, netto {d} dagen",
    ),
    "es": (
        "Pago a {d} días",
        "Transferencia bancaria a {d} días fecha factura",
        "Vencimiento a {d} días",
        "Pago mediante transferencia a {d} días",
        "Descuento del 2 % por pronto pago en 10 días, neto a {d} días",
    ),
    "it": (
        "Pagamento a {d} giorni data fattura",
        "Bonifico bancario a {d} gg d.f.",
        "Pagamento entro {d} giorni",
        "Bonifico a {d} giorni fine mese",
        "Sconto 2% per pagamento entro 10 giorni, netto {d} giorni",
    ),
}
_IMMEDIATE_TERMS: dict[str, tuple[str, ...]] = {
    "en": ("Due on receipt", "Payable immediately"),
    "de": ("Sofort zahlbar ohne Abzug", "Zahlbar sofort nach Erhalt"),
    "fr": ("Paiement à réception", "Payable à réception de facture"),
    "nl": ("Direct te voldoen", "Betaling bij ontvangst"),
    "es": ("Pago al contado", "Pago a la recepción de la factura"),
    "it": ("Rimessa diretta", "Pagamento a vista"),
}


def payment_terms_text(rng: random.Random, *, language: str, days: int) -> str:
    """A payment-terms phrase for a number of days (0 means due on receipt)."""
    if days == 0:
        return rng.choice(_IMMEDIATE_TERMS[language])
    options = _PAYMENT_TERMS[language] if days >= 14 else _PAYMENT_TERMS[language][:4]
    return rng.choice(options).format(d=days)


DUE_SENTENCE: dict[str, tuple[str, ...]] = {
    "en": ("Please pay by {date}.", "Payment is due on {date}."),
    "de": ("Bitte überweisen Sie den Betrag bis zum {date}.", "Zahlbar bis {date}."),
    "fr": ("Merci de régler avant le {date}.", "Date limite de paiement : {date}."),
    "nl": ("Gelieve te betalen vóór {date}.", "Wij verzoeken u het bedrag vóór {date} over te maken."),
    "es": ("Le rogamos efectúe el pago antes del {date}.", "Fecha límite de pago: {date}."),
    "it": ("Si prega di effettuare il pagamento entro il {date}.", "Scadenza pagamento: {date}."),
}

PERSON_NAMES: dict[str, tuple[str, ...]] = {
    "DE": ("Anna Schmidt", "Jonas Becker", "Miriam Vogel", "Thomas Krüger", "Sabine Wolf", "Lukas Hoffmann"),
    "FR": (
        "Claire Dubois",
        "Julien Lambert",
        "Sophie Leroy",
        "Nicolas Fontaine",
        "Camille Roux",
        "Hugo Mercier",
    ),
    "GB": (
        "Emily Clarke",
        "James Whitfield",
        "Olivia Patel",
        "Henry Dawson",
        "Charlotte Hughes",
        "Oliver Grant",
    ),
    "CH": ("Reto Baumann", "Nadine Keller", "Urs Meier", "Céline Favre", "Beat Zürcher", "Laura Gerber"),
    "NL": ("Sanne de Jong", "Daan Visser", "Lotte Smit", "Bram Mulder", "Eva Janssen", "Ruben de Boer"),
    "ES": (
        "Lucía Fernández",
        "Javier Romero",
        "Carmen Navarro",
        "Pablo Ortega",
        "Marta Gil",
        "Sergio Molina",
    ),
    "IT": (
        "Giulia Ricci",
        "Marco Esposito",
        "Francesca Romano",
        "Luca Marino",
        "Chiara Greco",
        "Matteo Conti",
    ),
    "BE": (
        "Lies Claes",
        "Pieter Wouters",
        "Elise Dubois",
        "Tom Willems",
        "Nathalie Lambert",
        "Jens Goossens",
    ),
    "AT": (
        "Katharina Pichler",
        "Florian Gruber",
        "Theresa Moser",
        "Stefan Wimmer",
        "Johanna Auer",
        "Markus Hofer",
    ),
}

# The "e-invoice view" layouts print the invoice as a labelled list, the way viewers of
# structured e-invoices (EN 16931, XRechnung, Factur-X) render them: a viewer's banner and
# technical lines above, then sections of "label: value" rows.
VIEWER_TITLES: dict[str, tuple[str, ...]] = {
    "en": ("E-Invoice Viewer", "Electronic invoice – readable view", "Invoice data visualisation"),
    "de": (
        "Visualisierung E-Rechnung",
        "Elektronische Rechnung – Lesefassung",
        "Darstellung der Rechnungsdaten",
    ),
    "fr": (
        "Visualisation de la facture électronique",
        "Facture électronique – vue lisible",
        "Aperçu des données de facture",
    ),
    "nl": ("E-factuur viewer", "Elektronische factuur – leesbare weergave", "Weergave factuurgegevens"),
    "es": (
        "Visor de factura electrónica",
        "Factura electrónica – vista legible",
        "Visualización de datos de factura",
    ),
    "it": (
        "Visualizzatore fattura elettronica",
        "Fattura elettronica – versione leggibile",
        "Visualizzazione dati fattura",
    ),
}
VIEWER_MAKERS: tuple[str, ...] = (
    "Tabula Soft",
    "Lexor Systems",
    "NovaDocs",
    "ClearLedger",
    "Paperless Works",
    "Kontor IT",
)
E_INVOICE_STANDARDS: tuple[str, ...] = (
    "EN 16931",
    "XRechnung 3.0",
    "Factur-X 1.0 EN16931",
    "ZUGFeRD 2.3 COMFORT",
    "Peppol BIS Billing 3.0",
)
# National formats, offered only to the languages added later (the original draw stays as it was).
NATIONAL_E_INVOICE_STANDARDS: dict[str, tuple[str, ...]] = {
    "nl": ("SI-UBL 2.0", "NLCIUS", "Peppol BIS Billing 3.0"),
    "es": ("Facturae 3.2.2", "Facturae 3.2.1"),
    "it": ("FatturaPA 1.2.2", "FPR12"),
}
FORM_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "standard": ("Standard", "Invoice standard", "Syntax"),
        "input_file": ("Input file", "Source file", "XML file"),
        "viewer_version": ("Viewer version", "Version", "Renderer"),
        "name": ("Name", "Company", "Name"),
        "address": ("Address", "Postal address", "Address"),
        "contact": ("Contact", "Contact details", "Contact"),
        "notes": ("Notes", "Remarks", "Invoice notes"),
        "items": ("Line items", "Invoice lines", "Positions"),
        "totals": ("Document totals", "Totals", "Invoice totals"),
    },
    "de": {
        "standard": ("Rechnungsstandard", "Standard", "Syntax"),
        "input_file": ("Eingabedatei", "XML-Datei", "Quelldatei"),
        "viewer_version": ("Version", "Stylesheet-Version", "Darstellung"),
        "name": ("Name", "Firma", "Name"),
        "address": ("Anschrift", "Postanschrift", "Adresse"),
        "contact": ("Kontakt", "Kontaktdaten", "Ansprechpartner"),
        "notes": ("Bemerkungen", "Hinweise", "Anmerkungen"),
        "items": ("Positionen", "Rechnungspositionen", "Positionsdaten"),
        "totals": ("Summen", "Belegsummen", "Rechnungsbeträge"),
    },
    "fr": {
        "standard": ("Norme", "Standard", "Syntaxe"),
        "input_file": ("Fichier d'entrée", "Fichier XML", "Fichier source"),
        "viewer_version": ("Version", "Version de la feuille de style", "Rendu"),
        "name": ("Nom", "Raison sociale", "Nom"),
        "address": ("Adresse", "Adresse postale", "Adresse"),
        "contact": ("Contact", "Coordonnées", "Contact"),
        "notes": ("Remarques", "Notes", "Mentions"),
        "items": ("Lignes de facture", "Lignes", "Positions"),
        "totals": ("Totaux", "Montants du document", "Totaux de la facture"),
    },
    "nl": {
        "standard": ("Standaard", "Factuurstandaard", "Syntaxis"),
        "input_file": ("Invoerbestand", "XML-bestand", "Bronbestand"),
        "viewer_version": ("Versie", "Viewer-versie", "Weergave"),
        "name": ("Naam", "Bedrijfsnaam", "Naam"),
        "address": ("Adres", "Postadres", "Adres"),
        "contact": ("Contact", "Contactgegevens", "Contactpersoon"),
        "notes": ("Opmerkingen", "Toelichting", "Notities"),
        "items": ("Factuurregels", "Regels", "Posten"),
        "totals": ("Totalen", "Documenttotalen", "Factuurtotalen"),
    },
    "es": {
        "standard": ("Estándar", "Norma", "Sintaxis"),
        "input_file": ("Fichero de entrada", "Fichero XML", "Archivo de origen"),
        "viewer_version": ("Versión", "Versión del visor", "Presentación"),
        "name": ("Nombre", "Razón social", "Nombre"),
        "address": ("Dirección", "Domicilio", "Dirección"),
        "contact": ("Contacto", "Datos de contacto", "Contacto"),
        "notes": ("Observaciones", "Notas", "Comentarios"),
        "items": ("Líneas de factura", "Conceptos", "Detalle"),
        "totals": ("Totales", "Importes del documento", "Totales de la factura"),
    },
    "it": {
        "standard": ("Standard", "Formato", "Sintassi"),
        "input_file": ("File di input", "File XML", "File sorgente"),
        "viewer_version": ("Versione", "Versione foglio di stile", "Visualizzazione"),
        "name": ("Denominazione", "Ragione sociale", "Nome"),
        "address": ("Indirizzo", "Sede", "Indirizzo"),
        "contact": ("Contatti", "Recapiti", "Contatto"),
        "notes": ("Note", "Causale", "Annotazioni"),
        "items": ("Righe del documento", "Dettaglio linee", "Beni e servizi"),
        "totals": ("Totali", "Riepilogo importi", "Totali documento"),
    },
}
