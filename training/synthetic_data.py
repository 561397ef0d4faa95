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

LANGUAGES: tuple[str, ...] = ("en", "de", "fr")
COUNTRIES: tuple[str, ...] = ("DE", "FR", "GB", "CH", "NL")
NUMBER_FORMATS: tuple[str, ...] = ("1,234.56", "1.234,56", "1 234,56", "1'234.56")
DATE_FORMATS: tuple[str, ...] = (
    "2025-04-03",
    "03.04.2025",
    "03/04/2025",
    "April 3, 2025",
    "3 April 2025",
    "3. April 2025",
    "3 avril 2025",
)
CENT = Decimal("0.01")

# Which languages a vendor of a country writes in, and which currencies it bills in (first is usual).
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
}
LANGUAGE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "en": ("GB", "GB", "NL", "DE", "FR", "CH"),
    "de": ("DE", "DE", "DE", "CH", "NL"),
    "fr": ("FR", "FR", "FR", "CH"),
}
# (standard, reduced, catering) VAT rates in percent.
TAX_RATES: dict[str, dict[str, Decimal]] = {
    "DE": {"standard": Decimal("19"), "reduced": Decimal("7"), "catering": Decimal("19")},
    "FR": {"standard": Decimal("20"), "reduced": Decimal("5.5"), "catering": Decimal("10")},
    "GB": {"standard": Decimal("20"), "reduced": Decimal("0"), "catering": Decimal("5")},
    "CH": {"standard": Decimal("8.1"), "reduced": Decimal("2.6"), "catering": Decimal("8.1")},
    "NL": {"standard": Decimal("21"), "reduced": Decimal("9"), "catering": Decimal("9")},
}
CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}
COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "DE": {"en": "Germany", "de": "Deutschland", "fr": "Allemagne"},
    "FR": {"en": "France", "de": "Frankreich", "fr": "France"},
    "GB": {"en": "United Kingdom", "de": "Vereinigtes Königreich", "fr": "Royaume-Uni"},
    "CH": {"en": "Switzerland", "de": "Schweiz", "fr": "Suisse"},
    "NL": {"en": "Netherlands", "de": "Niederlande", "fr": "Pays-Bas"},
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
}
_LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "DE": ("GmbH", "GmbH", "AG", "GmbH & Co. KG", "e.K.", "UG (haftungsbeschränkt)"),
    "FR": ("SARL", "SAS", "SAS", "SA", "EURL"),
    "GB": ("Ltd", "Ltd", "Limited", "LLP", "plc"),
    "CH": ("AG", "AG", "GmbH", "SA", "Sàrl"),
    "NL": ("B.V.", "B.V.", "N.V.", "V.O.F."),
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
}


def _fr_rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


@dataclass(frozen=True)
class BankAccount:
    """A bank account with a valid IBAN and the BIC of its bank."""

    iban: str
    bic: str
    bank_name: str


def bank_account(rng: random.Random, country: str) -> BankAccount:
    """A bank account whose IBAN passes mod-97 (and, for France, whose RIB key is right)."""
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
        bban = code + _digits(rng, 10)
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


def _luhn_complete(digits: str) -> str:
    for check in range(10):
        candidate = digits + str(check)
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def vat_id(rng: random.Random, country: str, *, language: str) -> str:
    """A VAT identification number in the country's format, with correct check digits where cheap."""
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
    if country == "NL":
        return f"NL{_digits(rng, 9)}B{rng.randint(1, 3):02d}"
    if country == "CH":
        while True:
            body = _digits(rng, 8)
            check = 11 - sum(w * int(d) for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4), body, strict=True)) % 11
            if check != 10:
                uid = body + str(check % 11)
                break
        suffix = {"de": "MWST", "fr": "TVA", "en": "VAT"}[language]
        return f"CHE-{uid[:3]}.{uid[3:6]}.{uid[6:]} {suffix}"
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


def _p(
    sector: str, en: str, de: str, fr: str, unit: str, lo: float, hi: float, tax: str = "standard"
) -> Product:
    return Product(sector, {"en": en, "de": de, "fr": fr}, unit, (lo, hi), tax)


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
    },
    "hour": {"en": ("h", "hrs", "hours"), "de": ("Std.", "h", "Stunden"), "fr": ("h", "heure", "heures")},
    "day": {"en": ("day", "days"), "de": ("Tag", "PT"), "fr": ("jour", "j")},
    "month": {"en": ("month", "mo."), "de": ("Monat", "Mon."), "fr": ("mois",)},
    "kg": {"en": ("kg",), "de": ("kg",), "fr": ("kg",)},
    "flat": {"en": ("flat", "lump sum"), "de": ("pauschal", "psch."), "fr": ("forfait", "forf.")},
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
    raise ValueError(f"unknown date format {date_format!r}; known: {', '.join(DATE_FORMATS)}")


def formats_for(rng: random.Random, *, language: str, country: str) -> tuple[str, str]:
    """A (number_format, date_format) pair that a vendor of this language and country would use."""
    if country == "CH":
        number_format = "1'234.56"
    else:
        number_format = {"en": "1,234.56", "de": "1.234,56", "fr": "1 234,56"}[language]
    date_choices = {
        "en": ("2025-04-03", "03/04/2025", "April 3, 2025", "3 April 2025"),
        "de": ("03.04.2025", "03.04.2025", "3. April 2025", "2025-04-03"),
        "fr": ("03/04/2025", "03/04/2025", "3 avril 2025", "03.04.2025"),
    }[language]
    return number_format, rng.choice(date_choices)


def format_money(value: Decimal, *, number_format: str, currency: str, style: str, language: str) -> str:
    """An amount with its currency: "EUR 1,234.56", "1.234,56 €", "£1,234.56" or the bare number."""
    number = format_number(value, number_format)
    if style not in ("symbol", "code"):
        return number
    unit = CURRENCY_SYMBOLS.get(currency, currency) if style == "symbol" else currency
    if language == "en" or unit == "CHF":
        sign, magnitude = ("-", number[1:]) if number.startswith("-") else ("", number)
        gap = "" if style == "symbol" and unit != "CHF" else " "
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
}

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
}
_IMMEDIATE_TERMS: dict[str, tuple[str, ...]] = {
    "en": ("Due on receipt", "Payable immediately"),
    "de": ("Sofort zahlbar ohne Abzug", "Zahlbar sofort nach Erhalt"),
    "fr": ("Paiement à réception", "Payable à réception de facture"),
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
}

# The "e-invoice view" layouts print the invoice as a labelled list, the way viewers of
# structured e-invoices (EN 16931, XRechnung, Factur-X) render them: a viewer's banner and
# technical lines above, then sections of "label: value" rows.
VIEWER_TITLES: dict[str, tuple[str, ...]] = {
    "en": ("E-Invoice Viewer", "Electronic invoice – readable view", "Invoice data visualisation"),
    "de": ("Visualisierung E-Rechnung", "Elektronische Rechnung – Lesefassung", "Darstellung der Rechnungsdaten"),
    "fr": ("Visualisation de la facture électronique", "Facture électronique – vue lisible", "Aperçu des données de facture"),
}
VIEWER_MAKERS: tuple[str, ...] = ("Tabula Soft", "Lexor Systems", "NovaDocs", "ClearLedger", "Paperless Works", "Kontor IT")
E_INVOICE_STANDARDS: tuple[str, ...] = (
    "EN 16931", "XRechnung 3.0", "Factur-X 1.0 EN16931", "ZUGFeRD 2.3 COMFORT", "Peppol BIS Billing 3.0",
)
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
}
