"""What synthetic vendors sell: products per sector with their descriptions in every language,
price ranges and tax classes, and the unit words a line item prints.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def _p(sector: str, en: str, de: str, fr: str, unit: str, lo: float, hi: float, tax: str = "standard") -> Product:
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
    _p("it", "Domain registration", "Domainregistrierung", "Enregistrement de nom de domaine", "piece", 9, 39),
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
