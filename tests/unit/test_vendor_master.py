"""The vendor master: CSV parsing and checks, import and sync, resolving invoices to vendors, and
what the decision makes of it (bank details against the master, unknown vendors, default routes)."""

from __future__ import annotations

import pytest

from docai.schemas.invoice import ExtractedField, Extraction
from docai.schemas.routing import Route, Thresholds
from docai.services.common.errors import InvalidArgumentError
from docai.services.common.tenants import create_tenant
from docai.services.routing.decision import decide
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage.database import open_database
from docai.services.vendors.master import (
    VendorRecord,
    check_batch,
    get_vendor,
    import_vendors,
    list_vendors,
    parse_csv,
)
from docai.services.vendors.resolve import NO_MASTER, VendorMatch, mask_iban, master_route, name_key, resolve

# Real check digits: stdnum validates each of them.
NORDWIND = VendorRecord(
    vendor_id="V-100",
    name="Nordwind Logistik GmbH",
    aliases=("Nordwind Spedition",),
    tax_id="DE129273398",
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    department="Operations",
    cost_centre="CC-3100",
    approver="ops-lead@example.com",
)
MUELLER = VendorRecord(
    vendor_id="V-200",
    name="Müller & Söhne GmbH & Co. KG",
    tax_id="DE167992022",
    iban="DE46370400442158947147",
)
BAKKER = VendorRecord(vendor_id="V-300", name="Bakker Elektronica B.V.", iban="NL04KNAB3333356139")
ACME = VendorRecord(vendor_id="V-400", name="Acme Trading Ltd")


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    create_tenant(database, tenant_id="acme")
    create_tenant(database, tenant_id="other")
    yield database
    database.dispose()


@pytest.fixture
def master(db):
    import_vendors(db, tenant_id="acme", vendors=check_batch([NORDWIND, MUELLER, BAKKER, ACME]))
    return db


def _resolve(db, **printed: str) -> VendorMatch:
    with db.transaction() as session:
        return resolve(session, "acme", **printed)


# -- CSV -------------------------------------------------------------------------------------


def test_csv_with_semicolons_bom_synonyms_and_aliases():
    text = (
        "\ufeffVendor ID;Name;Aliases;VAT ID;IBAN;BIC;Department;Cost Center;Approver;Active\n"
        "V-100;Nordwind Logistik GmbH;Nordwind Spedition|Nordwind;de 129 273 398;DE89 3704 0044 0532 0130 00;"
        "cobadeffxxx;Operations;CC-3100;ops-lead@example.com;\n"
        "\n"
        "V-200;Müller & Söhne GmbH & Co. KG;;;;;;;;no\n"
    )
    first, second = parse_csv(text)
    assert first == NORDWIND.__class__(**{**NORDWIND.__dict__, "aliases": ("Nordwind Spedition", "Nordwind")})
    assert (first.tax_id, first.iban, first.bic) == ("DE129273398", "DE89370400440532013000", "COBADEFFXXX")
    assert second.vendor_id == "V-200" and not second.active and second.iban == ""


@pytest.mark.parametrize(
    ("text", "reason", "line", "says"),
    [
        (
            "vendor_id,name,iban\nV-1,Alpha GmbH,DE89370400440532013000\nV-2,Beta GmbH,DE89370400440532013001\n",
            "INVALID_IBAN",
            "3",
            "vendor V-2: the IBAN 'DE89370400440532013001' is not valid: its check digits are wrong",
        ),
        ("vendor_id,name,tax_id\nV-1,Alpha GmbH,DE129273399\n", "INVALID_TAX_ID", "2", "check digits"),
        ("vendor_id,name,bic\nV-1,Alpha GmbH,COBADEF\n", "INVALID_BIC", "2", "wrong length"),
        ("vendor_id,name\nV-1,Alpha GmbH\nV 2,Beta GmbH\n", "INVALID_VENDOR_ID", "3", "vendor_id 'V 2'"),
        ("vendor_id,name\nV-1,Alpha GmbH\nV-2,\n", "MISSING_FIELD", "3", "a name is required"),
        ("vendor_id,name\nV-1,Alpha GmbH\nV-1,Alpha AG\n", "DUPLICATE_VENDOR_ID", "3", "appears twice (also line 2)"),
        ("vendor_id,name,active\nV-1,Alpha GmbH,maybe\n", "INVALID_FIELD", "2", "active must be true or false"),
        ("vendor_id,name,ibna\nV-1,Alpha GmbH,x\n", "UNKNOWN_COLUMN", "1", "unknown column 'ibna'"),
        ("vendor_id,iban\nV-1,DE89370400440532013000\n", "MISSING_COLUMN", "1", "'name' is missing"),
        ("vendor_id,name\nV-1,Alpha GmbH,extra\n", "INVALID_FIELD", "2", "3 cells but the header has 2 columns"),
        ("", "EMPTY_FILE", "1", "empty"),
    ],
)
def test_csv_errors_name_the_line(text, reason, line, says):
    with pytest.raises(InvalidArgumentError) as error:
        parse_csv(text)
    assert error.value.reason == reason
    assert error.value.metadata["line"] == line
    assert error.value.message.startswith(f"line {line}: ")
    assert says in error.value.message


def test_every_bad_line_is_counted_in_the_first_error():
    text = "vendor_id,name,iban\nV-1,Alpha,DE00\nV-2,Beta,DE01\nV-3,Gamma,DE89370400440532013000\n"
    with pytest.raises(InvalidArgumentError) as error:
        parse_csv(text)
    assert error.value.message.startswith("line 2: ") and error.value.message.endswith("(and 1 more bad vendor)")


# -- normalised names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("Müller & Söhne GmbH & Co. KG", "mueller soehne"),
        ("MUELLER UND SOEHNE GMBH", "mueller soehne"),
        ("S.A.R.L. Dupont Frères", "dupont freres"),
        ("Dupont-Frères SARL", "dupont freres"),
        ("Kowalski Sp. z o.o.", "kowalski"),
        ("Bakker Elektronica B.V.", "bakker elektronica"),
        ("GmbH", "gmbh"),  # nothing but a legal form: kept rather than emptied
    ],
)
def test_name_key_folds_case_accents_punctuation_and_legal_forms(printed, key):
    assert name_key(printed) == key


def test_iban_is_masked_but_its_last_four():
    assert mask_iban("DE89370400440532013000") == "•• •••• •••• •••• •••• 3000"


# -- import, sync, list ----------------------------------------------------------------------


def test_import_is_an_upsert_and_sync_deactivates_the_absent(db):
    first = import_vendors(db, tenant_id="acme", vendors=check_batch([NORDWIND, MUELLER]))
    assert tuple(first) == (2, 0, 0, 0)
    moved = VendorRecord(**{**MUELLER.__dict__, "iban": "DE89370400440532013000"})
    again = import_vendors(db, tenant_id="acme", vendors=check_batch([NORDWIND, moved, BAKKER]))
    assert tuple(again) == (1, 1, 1, 0)
    assert get_vendor(db, tenant_id="acme", vendor_id="V-200").iban == "DE89370400440532013000"
    synced = import_vendors(db, tenant_id="acme", vendors=check_batch([BAKKER]), sync=True)
    assert tuple(synced) == (0, 0, 1, 2)
    assert not get_vendor(db, tenant_id="acme", vendor_id="V-100").active
    listed, total = list_vendors(db, tenant_id="acme", active_only=True)
    assert total == 1 and [v.vendor_id for v in listed] == ["V-300"]
    assert list_vendors(db, tenant_id="other")[1] == 0  # per tenant


def test_list_filters_by_normalised_name_and_tax_id(master):
    assert [v.vendor_id for v in list_vendors(master, tenant_id="acme", name_contains="muller")[0]] == ["V-200"]
    assert [v.vendor_id for v in list_vendors(master, tenant_id="acme", name_contains="Mueller GmbH")[0]] == ["V-200"]
    assert [v.vendor_id for v in list_vendors(master, tenant_id="acme", name_contains="MÜLLER")[0]] == ["V-200"]
    assert [v.vendor_id for v in list_vendors(master, tenant_id="acme", name_contains="spedition")[0]] == ["V-100"]
    assert [v.vendor_id for v in list_vendors(master, tenant_id="acme", tax_id="129 273 398")[0]] == ["V-100"]
    assert [v.vendor_id for v in list_vendors(master, tenant_id="acme", tax_id="DE 167992022")[0]] == ["V-200"]


# -- resolution ------------------------------------------------------------------------------


def test_no_master_resolves_to_nothing_at_all(db):
    with db.transaction() as session:
        assert resolve(session, "acme", name="Nordwind Logistik GmbH", tax_id="DE129273398") == NO_MASTER


def test_tax_id_first_however_printed(master):
    for printed in ("DE129273398", "USt-IdNr.: DE 129 273 398", "129273398"):
        found = _resolve(master, name="Someone Else", tax_id=printed, iban="DE46370400442158947147")
        assert (found.vendor.vendor_id, found.matched_by) == ("V-100", "tax_id"), printed


def test_then_the_iban(master):
    found = _resolve(master, name="Unrelated Name", iban="NL04 KNAB 3333 3561 39")
    assert (found.vendor.vendor_id, found.matched_by) == ("V-300", "iban")
    # An IBAN that fails its checksum matches nothing.
    assert _resolve(master, name="Unrelated Name", iban="NL04KNAB3333356138").unknown


@pytest.mark.parametrize(
    ("printed", "vendor_id"),
    [
        ("MÜLLER UND SÖHNE GMBH", "V-200"),
        ("Mueller & Soehne", "V-200"),
        ("Muller + Sohne", "V-200"),
        ("nordwind spedition", "V-100"),  # an alias
        ("ACME TRADING LIMITED", "V-400"),
    ],
)
def test_then_name_variants(master, printed, vendor_id):
    found = _resolve(master, name=printed)
    assert (found.vendor.vendor_id, found.matched_by) == (vendor_id, "name")


def test_a_close_spelling_matches_fuzzily(master):
    found = _resolve(master, name="Bakker Electronica BV")
    assert (found.vendor.vendor_id, found.matched_by) == ("V-300", "fuzzy_name")


@pytest.mark.parametrize("printed", ["Acne Trading Ltd", "Nordwest Logistik GmbH", "Nordwind Logistik 2 GmbH", "Acme"])
def test_a_near_miss_name_is_not_matched(master, printed):
    found = _resolve(master, name=printed)
    assert found.unknown, found


def test_a_name_match_with_another_tax_id_is_another_company(master):
    # The name is Nordwind's but the printed VAT id belongs to nobody in the master.
    assert _resolve(master, name="Nordwind Logistik GmbH", tax_id="DE167992023").unknown
    assert _resolve(master, name="Nordwind Logistik GmbH").vendor.vendor_id == "V-100"


def test_of_two_records_with_one_tax_id_the_one_with_the_invoice_iban_wins(db):
    second = VendorRecord(**{**NORDWIND.__dict__, "vendor_id": "V-101", "iban": "DE46370400442158947147"})
    import_vendors(db, tenant_id="acme", vendors=check_batch([NORDWIND, second]))
    assert _resolve(db, tax_id="DE129273398", iban="DE46370400442158947147").vendor.vendor_id == "V-101"
    assert _resolve(db, tax_id="DE129273398", iban="DE89370400440532013000").vendor.vendor_id == "V-100"


# -- the decision ----------------------------------------------------------------------------


def _extraction(**values: str) -> Extraction:
    base = {
        "vendor_name": "Nordwind Logistik GmbH",
        "invoice_number": "R-1",
        "invoice_date": "2026-01-02",
        "total_gross": "119.00",
        "currency": "EUR",
    }
    return Extraction(fields={k: ExtractedField(value=v, confidence=0.99) for k, v in {**base, **values}.items()})


COVERED = Route(department="IT", cost_centre="CC-4100", approver="it@example.com", confidence=0.95, covered=True)
UNCOVERED = Route(department="", cost_centre="", approver="", confidence=0.0, covered=False)


def _codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]


def test_another_iban_than_the_masters_is_a_bank_details_change_naming_the_record():
    match = VendorMatch(NORDWIND, "tax_id", True)
    extraction = _extraction(iban="DE46370400442158947147")
    # The last approved invoice paid the same account: the master is what counts.
    decision = decide(
        extraction=extraction,
        checks=[],
        route=COVERED,
        thresholds=Thresholds(),
        previous_iban="DE46370400442158947147",
        vendor=match,
    )
    changed = [r for r in decision.reasons if r.code == "BANK_DETAILS_CHANGED"]
    assert changed and "V-100" in changed[0].detail and "Nordwind Logistik GmbH" in changed[0].detail
    assert "...3000" in changed[0].detail and "...7147" in changed[0].detail
    same = decide(
        extraction=_extraction(iban="DE89370400440532013000"),
        checks=[],
        route=COVERED,
        thresholds=Thresholds(),
        previous_iban="DE46370400442158947147",
        vendor=match,
    )
    assert same.outcome == "auto_approve", same.reasons


def test_without_a_master_iban_the_last_approved_invoice_counts():
    match = VendorMatch(ACME, "name", True)
    decision = decide(
        extraction=_extraction(iban="DE46370400442158947147"),
        checks=[],
        route=COVERED,
        thresholds=Thresholds(),
        previous_iban="DE89370400440532013000",
        vendor=match,
    )
    assert _codes(decision) == ["BANK_DETAILS_CHANGED"]
    assert "vendor master" not in decision.reasons[0].detail


def test_an_unknown_vendor_is_reviewed_only_when_the_tenant_has_a_master():
    unknown = decide(
        extraction=_extraction(), checks=[], route=COVERED, thresholds=Thresholds(), vendor=VendorMatch(None, "", True)
    )
    assert _codes(unknown) == ["VENDOR_UNKNOWN"] and "not in the vendor master" in unknown.reasons[0].detail
    no_master = decide(extraction=_extraction(), checks=[], route=COVERED, thresholds=Thresholds(), vendor=NO_MASTER)
    assert no_master.outcome == "auto_approve"
    inactive = VendorRecord(**{**ACME.__dict__, "active": False})
    assert _codes(
        decide(
            extraction=_extraction(),
            checks=[],
            route=COVERED,
            thresholds=Thresholds(),
            vendor=VendorMatch(inactive, "name", True),
        )
    ) == ["VENDOR_INACTIVE"]


def test_the_masters_default_route_fills_an_uncovered_route():
    policy = RoutingPolicy.default()
    extraction = _extraction()
    filled = master_route(UNCOVERED, VendorMatch(NORDWIND, "tax_id", True), policy=policy, extraction=extraction)
    assert (filled.department, filled.cost_centre, filled.approver, filled.covered) == (
        "Operations",
        "CC-3100",
        "ops-lead@example.com",
        True,
    )
    assert filled.reasons[0] == "vendor-master:V-100"
    # A covered route is the policy's; the master fills gaps only.
    assert master_route(COVERED, VendorMatch(NORDWIND, "tax_id", True), policy=policy, extraction=extraction) == COVERED
    # Department only: the policy's cost centre and approval tier for it.
    it_only = VendorRecord(vendor_id="V-9", name="X", department="IT")
    from_policy = master_route(UNCOVERED, VendorMatch(it_only, "name", True), policy=policy, extraction=extraction)
    assert from_policy.covered and from_policy.cost_centre == policy.departments["IT"].cost_centre
    assert from_policy.approver
    # No default route: still uncovered, and the decision says why.
    bare = VendorMatch(ACME, "name", True)
    assert master_route(UNCOVERED, bare, policy=policy, extraction=extraction) == UNCOVERED
    decision = decide(extraction=extraction, checks=[], route=UNCOVERED, thresholds=Thresholds(), vendor=bare)
    assert "vendor master record V-400 has no default route" in decision.reasons[0].detail
