"""What a reviewer may choose as an invoice's route: the routing policy's departments, cost centres and approvers."""

from __future__ import annotations

from dataclasses import dataclass

from docai.schemas.invoice import Extraction
from docai.services.routing.policy import KeywordRule, RoutingPolicy, VendorRule


@dataclass(frozen=True)
class DepartmentChoice:
    """One department with the cost centres and approvers the policy gives it."""

    department: str
    cost_centres: tuple[str, ...]
    approvers: tuple[str, ...]
    approver: str  # the one the approval ladder picks for this invoice's gross total


def route_choices(policy: RoutingPolicy, extraction: Extraction) -> list[DepartmentChoice]:
    """The policy's departments in policy order, each with its cost centres (default first) and approvers.

    A cost centre belongs to a department when the department names it as its default or a vendor
    or keyword rule books that department's invoices to it.
    """
    overrides: dict[str, list[str]] = {}
    rules: list[VendorRule | KeywordRule] = [*policy.vendor_rules, *policy.keyword_rules]
    for rule in rules:
        if rule.cost_centre:
            overrides.setdefault(rule.department, []).append(rule.cost_centre)
    gross, currency = extraction.value("total_gross"), extraction.value("currency")
    choices = []
    for name, department in policy.departments.items():
        centres = tuple(dict.fromkeys([department.cost_centre, *overrides.get(name, [])]))
        approvers = tuple(dict.fromkeys(tier.approver for tier in department.approvers))
        tier = policy.approver_tier(name, gross=gross, currency=currency)
        choices.append(
            DepartmentChoice(department=name, cost_centres=centres, approvers=approvers, approver=tier.approver)
        )
    return choices
