"""RoutingPolicy: loading and validating YAML, and routing invoices to department and approver."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from docai.schemas.invoice import ExtractedField, Extraction, LineItem
from docai.services.common.errors import InvalidArgumentError
from docai.services.routing.policy import (
    KEYWORD_MAX_CONFIDENCE,
    VENDOR_CONFIDENCE,
    VENDOR_CONFLICT_CONFIDENCE,
    RoutingPolicy,
)

POLICY = textwrap.dedent(
    """
    base_currency: EUR
    exchange_rates: {USD: 0.5}
    departments:
      IT:
        cost_centre: CC-4100
        approvers:
          - {id: it-lead, max_amount: 1000, approver: lead@example.com}
          - {id: it-head, max_amount: 10000, approver: head@example.com}
          - {id: it-cfo, approver: cfo@example.com}
      Facilities:
        cost_centre: CC-2100
        approvers:
          - {id: fac-lead, max_amount: 1000, approver: fac@example.com}
          - {id: fac-cfo, approver: cfo@example.com}
      Operations:
        cost_centre: CC-5100
        approvers:
          - {id: ops-any, approver: ops@example.com}
    vendor_rules:
      - {id: v-contoso, vendor_name_contains: contoso, department: IT, cost_centre: CC-4200}
      - {id: v-regex, vendor_name_regex: '^clean\\w* (gmbh|ltd)$', department: Facilities}
      - {id: v-taxid, vendor_tax_id: DE 111 222 333, department: Operations}
    keyword_rules:
      - {id: k-it-consult, keywords: [IT consulting], department: IT, weight: 1}
      - {id: k-software, keywords: [licence, subscription], department: IT, cost_centre: CC-4200, weight: 1}
      - {id: k-cleaning, keywords: [cleaning], department: Facilities, cost_centre: CC-2200, weight: 1}
      - {id: k-consulting, keywords: [consulting, workshop], department: Operations, weight: 1}
    """
)


@pytest.fixture(scope="module")
def policy() -> RoutingPolicy:
    return RoutingPolicy.from_yaml(POLICY)


def _field(value: str) -> ExtractedField:
    return ExtractedField(value=value, confidence=0.99)


def invoice(
    *,
    vendor: str = "Unknown Supplier Ltd",
    items: tuple[str, ...] = (),
    gross: str | None = "100.00",
    currency: str | None = "EUR",
    tax_id: str | None = None,
) -> Extraction:
    values = {"vendor_name": vendor, "total_gross": gross, "currency": currency, "vendor_tax_id": tax_id}
    return Extraction(
        fields={name: _field(value) for name, value in values.items() if value is not None},
        line_items=[LineItem(fields={"description": _field(text)}) for text in items],
    )


# -- routing --------------------------------------------------------------------------------


def test_vendor_rule_wins_over_keyword_rules(policy: RoutingPolicy) -> None:
    route = policy.route(invoice(vendor="Contoso Europe B.V.", items=("Office cleaning, March",)))

    assert route.covered
    assert (route.department, route.cost_centre) == ("IT", "CC-4200")
    assert route.confidence == VENDOR_CONFIDENCE
    # Every rule that fired is listed: the vendor rule, the outvoted keyword rule, the tier.
    assert route.reasons == ["v-contoso", "k-cleaning", "it-lead"]


def test_vendor_regex_and_tax_id_rules_match(policy: RoutingPolicy) -> None:
    by_regex = policy.route(invoice(vendor="CleanTeam GmbH"))
    by_tax_id = policy.route(invoice(vendor="Someone Else", tax_id="de111222333"))

    assert (by_regex.department, by_regex.reasons) == ("Facilities", ["v-regex", "fac-lead"])
    assert (by_tax_id.department, by_tax_id.reasons) == ("Operations", ["v-taxid", "ops-any"])
    assert policy.route(invoice(vendor="CleanTeam GmbH Berlin")).covered is False  # regex is anchored


def test_conflicting_vendor_rules_lower_confidence() -> None:
    text = POLICY.replace(
        "vendor_rules:\n",
        "vendor_rules:\n  - {id: v-first, vendor_name_contains: europe, department: Operations}\n",
    )
    route = RoutingPolicy.from_yaml(text).route(invoice(vendor="Contoso Europe"))

    assert route.department == "Operations"
    assert route.confidence == VENDOR_CONFLICT_CONFIDENCE
    assert route.reasons[:2] == ["v-first", "v-contoso"]


def test_keyword_rule_routes_from_line_items(policy: RoutingPolicy) -> None:
    route = policy.route(invoice(items=("Software licences, annual subscription",)))

    assert (route.department, route.cost_centre, route.approver) == ("IT", "CC-4200", "lead@example.com")
    assert route.confidence == pytest.approx(KEYWORD_MAX_CONFIDENCE)
    assert route.reasons == ["k-software", "it-lead"]


def test_keyword_found_in_document_text(policy: RoutingPolicy) -> None:
    route = policy.route(invoice(), text="Thank you for choosing us for your window CLEANING needs")

    assert route.department == "Facilities"
    assert route.cost_centre == "CC-2200"


def test_keywords_match_whole_words_only(policy: RoutingPolicy) -> None:
    # "licensed"/"sublicence" are not the keyword "licence".
    route = policy.route(invoice(items=("Unlicensed widget", "Sublicence fee")))

    assert route.covered is False


def test_longer_phrase_outranks_the_generic_word_inside_it(policy: RoutingPolicy) -> None:
    route = policy.route(invoice(items=("IT consulting, 8 hours",)))

    assert route.department == "IT"
    assert "k-consulting" not in route.reasons
    assert route.confidence == pytest.approx(KEYWORD_MAX_CONFIDENCE)


def test_conflicting_keyword_rules_lower_confidence(policy: RoutingPolicy) -> None:
    agreeing = policy.route(invoice(items=("Cleaning",)))
    two_to_one = policy.route(invoice(items=("Licence", "Subscription", "Cleaning")))
    even = policy.route(invoice(items=("Cleaning", "Workshop")))

    assert agreeing.confidence == pytest.approx(0.85)
    assert two_to_one.department == "IT"
    assert two_to_one.confidence == pytest.approx(0.6 + 0.25 * (2 * (2 / 3) - 1), abs=1e-4)
    assert two_to_one.reasons == ["k-software", "k-cleaning", "it-lead"]
    # An even split is a coin toss: confidence 0.6, under the default route threshold.
    assert even.confidence == pytest.approx(0.6)
    assert even.department == "Facilities"  # ties go to the earliest rule in the policy


def test_nothing_matches_is_uncovered(policy: RoutingPolicy) -> None:
    route = policy.route(invoice(items=("Widgets, blue",)), text="Invoice 2024-001")

    assert route.covered is False
    assert (route.department, route.cost_centre, route.approver) == ("", "", "")
    assert route.confidence == 0.0
    assert route.reasons == []


@pytest.mark.parametrize(
    ("gross", "currency", "approver", "tier"),
    [
        ("999.99", "EUR", "lead@example.com", "it-lead"),
        ("1000.00", "EUR", "lead@example.com", "it-lead"),  # max_amount is inclusive
        ("1000.01", "EUR", "head@example.com", "it-head"),
        ("25000", "EUR", "cfo@example.com", "it-cfo"),
        ("1900", "USD", "lead@example.com", "it-lead"),  # 1900 USD = 950 EUR at the static rate
        ("2100", "USD", "head@example.com", "it-head"),
        ("-5000", "EUR", "head@example.com", "it-head"),  # a credit note needs the same authority
        ("10", "JPY", "cfo@example.com", "it-cfo"),  # no rate: cannot compare, top tier
        (None, "EUR", "cfo@example.com", "it-cfo"),
        ("twelve", "EUR", "cfo@example.com", "it-cfo"),
        ("10", None, "cfo@example.com", "it-cfo"),
    ],
)
def test_threshold_picks_approver_by_amount(
    policy: RoutingPolicy, gross: str | None, currency: str | None, approver: str, tier: str
) -> None:
    route = policy.route(invoice(vendor="Contoso", gross=gross, currency=currency))

    assert route.approver == approver
    assert route.reasons[-1] == tier


def test_larger_amount_needs_higher_approver(policy: RoutingPolicy) -> None:
    small = policy.route(invoice(vendor="Contoso", gross="500"))
    large = policy.route(invoice(vendor="Contoso", gross="50000"))

    assert (small.approver, large.approver) == ("lead@example.com", "cfo@example.com")


# -- loading and validation -----------------------------------------------------------------


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")

    assert RoutingPolicy.load(path).base_currency == "EUR"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("departments: [1,", r"not valid YAML at line 1"),
        ("", r"document is empty"),
        ("- a\n- b\n", r"must be a mapping"),
        (
            POLICY.replace("max_amount: 1000, approver: lead", "max_amout: 1000, approver: lead"),
            r"departments\.IT\.approvers\.0\.max_amout: unknown key",
        ),
        (POLICY + "colour: red\n", r"colour: unknown key"),
        (
            POLICY.replace("department: Operations, weight", "department: HR, weight"),
            r"keyword_rules\.3\.department: unknown department 'HR' \(known: Facilities, IT, Operations\)",
        ),
        (
            POLICY.replace("'^clean", "'(^clean"),
            r"vendor_rules\.1\.vendor_name_regex: not a valid regular expression",
        ),
        (
            POLICY.replace("{id: it-cfo, approver", "{id: it-cfo, max_amount: 20000, approver"),
            r"last tier \(it-cfo\) must have no max_amount",
        ),
        (
            POLICY.replace("max_amount: 10000, approver: head", "max_amount: 500, approver: head"),
            r"max_amount must increase",
        ),
        (POLICY.replace("id: k-cleaning", "id: k-software"), r"rule id 'k-software' is used more than once"),
        (
            POLICY.replace("vendor_name_contains: contoso,", "vendor_name_contains: contoso, vendor_tax_id: X1,"),
            r"needs exactly one of",
        ),
        (POLICY.replace("{USD: 0.5}", "{usd: 0.5}"), r"not an ISO 4217 code"),
        (POLICY.replace("{USD: 0.5}", "{USD: 0}"), r"must be positive"),
        (POLICY.replace("weight: 1}", "weight: 0}", 1), r"keyword_rules\.0\.weight"),
    ],
)
def test_bad_policy_is_refused_with_a_clear_error(text: str, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match) as info:
        RoutingPolicy.from_yaml(text)

    assert info.value.reason == "INVALID_POLICY"


def test_error_metadata_names_the_bad_key() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        RoutingPolicy.from_yaml(POLICY.replace("cost_centre: CC-2100", "cost_center: CC-2100"))

    assert info.value.metadata["field"] == "departments.Facilities.cost_center"
    assert info.value.message.endswith(
        "departments.Facilities.cost_center: unknown key; departments.Facilities.cost_centre: Field required"
    )


# -- the shipped example policy -------------------------------------------------------------


@pytest.fixture(scope="module")
def default_policy() -> RoutingPolicy:
    return RoutingPolicy.default()


def test_default_policy_has_the_expected_departments(default_policy: RoutingPolicy) -> None:
    assert set(default_policy.departments) == {"IT", "Facilities", "Marketing", "Operations", "Finance"}
    assert all(dept.cost_centre.startswith("CC-") for dept in default_policy.departments.values())


@pytest.mark.parametrize(
    ("items", "department", "cost_centre"),
    [
        (("Managed IT services, April", "Helpdesk support"), "IT", "CC-4100"),
        (("IT consulting, 12 hours",), "IT", "CC-4100"),
        (("Microsoft 365 Business Standard licences",), "IT", "CC-4200"),
        (("Laptop Lenovo ThinkPad T14", "Docking station"), "IT", "CC-4300"),
        (("Copy paper A4, 5 boxes", "Toner cartridge black", "Ballpoint pens"), "Facilities", "CC-2100"),
        (("Office cleaning, monthly", "Window cleaning"), "Facilities", "CC-2200"),
        (("Consulting hours, senior consultant",), "Operations", "CC-5100"),
        (("Hotel accommodation, 2 nights", "Train ticket Berlin-Munich"), "Operations", "CC-5200"),
        (("Social media ad campaign", "Flyer printing"), "Marketing", "CC-3100"),
        (("Annual audit 2024",), "Finance", "CC-1100"),
    ],
)
def test_default_policy_routes_typical_invoices(
    default_policy: RoutingPolicy, items: tuple[str, ...], department: str, cost_centre: str
) -> None:
    route = default_policy.route(invoice(items=items))

    assert (route.department, route.cost_centre) == (department, cost_centre)
    assert route.confidence >= 0.7, route


def test_default_policy_escalates_large_hardware_orders(default_policy: RoutingPolicy) -> None:
    route = default_policy.route(invoice(items=("Server rack",), gross="48000.00"))

    assert route.approver == "cfo@example.com"
    assert route.reasons == ["kw-hardware", "it-cfo"]
