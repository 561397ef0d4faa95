"""The people and companies on a synthetic invoice: company names, postal addresses and persons.

Pure word lists and drawing functions (callers pass a ``random.Random``); addresses follow each
country's usual line order, and Italian and Spanish ones know their province codes.
"""

from __future__ import annotations

import random

from docai.training.synthetic.locales import COUNTRY_NAMES

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
