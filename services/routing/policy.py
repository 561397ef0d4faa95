"""Rule-based invoice routing: which department, cost centre and approver an invoice goes to.

A policy is a YAML document (see ``default_policy.yaml`` beside this module) with:

* ``departments``: each with a default cost centre and an approval ladder, an ordered list of
  ``{id, max_amount, approver}`` tiers. The first tier whose ``max_amount`` (inclusive, in the
  base currency) is at least the invoice's gross total chooses the approver; the last tier has
  no ``max_amount`` and takes everything above.
* ``vendor_rules``: match the vendor by ``vendor_name_contains`` (case-insensitive substring),
  ``vendor_name_regex`` (case-insensitive ``re.search``) or ``vendor_tax_id`` (exact, ignoring
  spaces and case), exactly one per rule.
* ``keyword_rules``: a list of keywords looked for in the line-item descriptions and the
  document text, as whole words or phrases (case-insensitive, any whitespace between words,
  a trailing plural ``s``/``es`` allowed), plus a ``weight``. An occurrence inside a longer
  matched phrase does not count ("consulting" inside "IT consulting"), so specific phrases
  are not outvoted by the generic words they contain.
* ``base_currency`` and ``exchange_rates``: a small *static* table of how many units of the
  base currency one unit of another currency is worth. It only decides which approval tier
  applies, so approximate month-end rates are good enough; it is not for booking.

Every rule has an id unique in the policy, and ``Route.reasons`` lists the ids of all rules
that fired: vendor rules, then keyword rules, then the approval tier.

Confidence:

* A vendor rule match wins over any keyword rule: confidence ``0.95`` (``VENDOR_CONFIDENCE``).
  When several vendor rules match, the first in policy order wins, and if they disagree on
  the department the confidence drops to ``0.6`` (``VENDOR_CONFLICT_CONFIDENCE``).
* Otherwise keyword rules vote. Each fired rule adds ``weight x number of its distinct
  keywords found`` to its department's score. The department with the highest score wins
  (ties go to the department of the earliest rule in the policy), and with
  ``share = winner's score / sum of all scores``::

      confidence = 0.6 + 0.25 * (2 * share - 1)      clamped to [0, 0.85]

  (rounded to 4 decimals), so keywords that all agree give 0.85, a 3:1 split gives 0.725, a
  2:1 split 0.683 and an even split between two departments 0.6; the last two are below the
  default route threshold (0.7) and send the invoice to review. Keywords alone never reach the
  confidence of a vendor rule.
* Nothing matches: ``covered=False``, confidence 0, department/cost centre/approver ``""``.
  The invoice goes to review rather than to a guessed department.

When the gross total is missing, unparseable, or in a currency without a rate, the amount
cannot be compared, so the highest tier (the last one) is chosen: the approver with the most
authority can approve any amount.

Example:
    >>> policy = RoutingPolicy.default()
    >>> route = policy.route(extraction, text=document_text)
    >>> route.department, route.approver, route.reasons
"""

from __future__ import annotations

import importlib.resources
import itertools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from docai.schemas.invoice import Extraction
from docai.schemas.routing import Route
from docai.services.common.errors import InvalidArgumentError

VENDOR_CONFIDENCE = 0.95
VENDOR_CONFLICT_CONFIDENCE = 0.6
KEYWORD_BASE_CONFIDENCE = 0.6
KEYWORD_SPAN = 0.25
KEYWORD_MAX_CONFIDENCE = KEYWORD_BASE_CONFIDENCE + KEYWORD_SPAN

DEFAULT_POLICY_RESOURCE = "default_policy.yaml"
INVALID_POLICY = "INVALID_POLICY"
# Occurrences of one keyword considered; bounds the work on long documents.
_MAX_OCCURRENCES = 20

_RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_CURRENCY = r"^[A-Z]{3}$"


class _Strict(BaseModel):
    # Unknown keys are refused so that a typo ("max_amout") fails loudly instead of being ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApproverTier(_Strict):
    """One rung of a department's approval ladder."""

    id: str = Field(pattern=_RULE_ID)
    max_amount: Decimal | None = Field(default=None, gt=0, description="inclusive, base currency; None = no limit")
    approver: str = Field(min_length=1)


class Department(_Strict):
    """A department's default cost centre and its approval ladder."""

    cost_centre: str = Field(min_length=1)
    approvers: list[ApproverTier] = Field(min_length=1)

    @field_validator("approvers")
    @classmethod
    def _ladder(cls, tiers: list[ApproverTier]) -> list[ApproverTier]:
        *bounded, last = tiers
        if last.max_amount is not None:
            raise ValueError(f"the last tier ({last.id}) must have no max_amount, so every amount has an approver")
        previous: Decimal | None = None
        for tier in bounded:
            if tier.max_amount is None:
                raise ValueError(f"only the last tier may omit max_amount, not {tier.id}")
            if previous is not None and tier.max_amount <= previous:
                raise ValueError(f"max_amount must increase along the ladder ({tier.id})")
            previous = tier.max_amount
        return tiers


class VendorRule(_Strict):
    """Routes a known vendor; exactly one of the three matchers is set."""

    id: str = Field(pattern=_RULE_ID)
    vendor_name_contains: str | None = Field(default=None, min_length=1)
    vendor_name_regex: str | None = Field(default=None, min_length=1)
    vendor_tax_id: str | None = Field(default=None, min_length=1)
    department: str
    cost_centre: str | None = Field(default=None, min_length=1, description="overrides the department's")

    @field_validator("vendor_name_regex")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc.msg}") from None
        return pattern

    @model_validator(mode="after")
    def _one_matcher(self) -> VendorRule:
        given = [m for m in (self.vendor_name_contains, self.vendor_name_regex, self.vendor_tax_id) if m]
        if len(given) != 1:
            raise ValueError(
                f"vendor rule {self.id} needs exactly one of vendor_name_contains, vendor_name_regex, vendor_tax_id"
            )
        return self

    def matches(self, *, vendor_name: str, vendor_tax_id: str) -> bool:
        """Whether this rule matches the extracted vendor name / tax id."""
        if self.vendor_name_contains is not None:
            return bool(vendor_name) and _fold(self.vendor_name_contains) in _fold(vendor_name)
        if self.vendor_name_regex is not None:
            return bool(vendor_name) and re.search(self.vendor_name_regex, vendor_name, re.IGNORECASE) is not None
        return bool(vendor_tax_id) and _tax_id(self.vendor_tax_id or "") == _tax_id(vendor_tax_id)


class KeywordRule(_Strict):
    """Routes by words found in line items or document text."""

    id: str = Field(pattern=_RULE_ID)
    keywords: list[str] = Field(min_length=1)
    department: str
    cost_centre: str | None = Field(default=None, min_length=1, description="overrides the department's")
    weight: float = Field(default=1.0, gt=0)

    @field_validator("keywords")
    @classmethod
    def _non_blank(cls, keywords: list[str]) -> list[str]:
        if any(not k.strip() for k in keywords):
            raise ValueError("keywords must not be blank")
        return keywords


class RoutingPolicy(_Strict):
    """A validated routing policy; build it with ``from_yaml``, ``load`` or ``default``."""

    version: Literal[1] = 1
    base_currency: str = Field(pattern=_CURRENCY)
    exchange_rates: dict[str, Decimal] = Field(
        default_factory=dict, description="units of base currency per unit of the keyed currency (static)"
    )
    departments: dict[str, Department] = Field(min_length=1)
    vendor_rules: list[VendorRule] = []
    keyword_rules: list[KeywordRule] = []

    _keyword_patterns: list[list[tuple[str, re.Pattern[str]]]] = PrivateAttr(default_factory=list)

    @field_validator("exchange_rates")
    @classmethod
    def _rates(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in rates.items():
            if not re.match(_CURRENCY, code):
                raise ValueError(f"exchange_rates key {code!r} is not an ISO 4217 code")
            if rate <= 0:
                raise ValueError(f"exchange rate for {code} must be positive")
        return rates

    @model_validator(mode="after")
    def _references(self) -> RoutingPolicy:
        problems: list[str] = []
        known = ", ".join(sorted(self.departments))
        references = [("vendor_rules", i, r.department) for i, r in enumerate(self.vendor_rules)]
        references += [("keyword_rules", i, r.department) for i, r in enumerate(self.keyword_rules)]
        for kind, i, department in references:
            if department not in self.departments:
                problems.append(f"{kind}.{i}.department: unknown department {department!r} (known: {known})")
        ids = self._rule_ids()
        for rule_id in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"rule id {rule_id!r} is used more than once")
        if self.exchange_rates.get(self.base_currency, 1) != 1:
            problems.append(f"exchange_rates.{self.base_currency}: the base currency's rate must be 1")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def model_post_init(self, context: Any, /) -> None:
        # Compile keyword patterns once: route() runs per invoice.
        self._keyword_patterns = [[(k, _keyword_pattern(k)) for k in rule.keywords] for rule in self.keyword_rules]

    def _rule_ids(self) -> list[str]:
        ids = [tier.id for dept in self.departments.values() for tier in dept.approvers]
        return ids + [r.id for r in self.vendor_rules] + [r.id for r in self.keyword_rules]

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: object) -> RoutingPolicy:
        """Validate an already-parsed policy document.

        Args:
            data: The policy as plain Python data (the parsed YAML).

        Returns:
            The validated policy.

        Raises:
            InvalidArgumentError: reason ``INVALID_POLICY``; the message names every bad key.
        """
        if data is None:
            raise InvalidArgumentError("invalid routing policy: the document is empty", reason=INVALID_POLICY)
        if not isinstance(data, dict):
            raise InvalidArgumentError(
                "invalid routing policy: the document must be a mapping of keys to values",
                reason=INVALID_POLICY,
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            # Unknown keys first: for a typo they point at the cause, "Field required" at the effect.
            errors = sorted(exc.errors(), key=lambda err: err["type"] != "extra_forbidden")
            problems = [_describe(err) for err in errors]
            # ``field`` names the first bad key for clients; policy-wide problems have no single key.
            keys = {"field": ".".join(str(p) for p in errors[0]["loc"])} if errors[0]["loc"] else {}
            raise InvalidArgumentError(
                "invalid routing policy: " + "; ".join(problems), reason=INVALID_POLICY, **keys
            ) from None

    @classmethod
    def from_yaml(cls, text: str) -> RoutingPolicy:
        """Parse and validate a policy from YAML text.

        Args:
            text: The YAML document.

        Returns:
            The validated policy.

        Raises:
            InvalidArgumentError: reason ``INVALID_POLICY`` for unparseable YAML (with line and
                column), unknown keys, wrong types, or rules that reference unknown departments.

        Example:
            >>> RoutingPolicy.from_yaml(Path("policy.yaml").read_text())
        """
        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            where = (
                f" at line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1}"
                if exc.problem_mark
                else ""
            )
            raise InvalidArgumentError(
                f"invalid routing policy: not valid YAML{where}: {exc.problem or 'syntax error'}",
                reason=INVALID_POLICY,
            ) from None
        except yaml.YAMLError:
            raise InvalidArgumentError("invalid routing policy: not valid YAML", reason=INVALID_POLICY) from None
        return cls.from_mapping(data)

    @classmethod
    def load(cls, path: str | Path) -> RoutingPolicy:
        """Read and validate a policy file.

        Args:
            path: Path of the YAML file.

        Returns:
            The validated policy.

        Raises:
            InvalidArgumentError: reason ``INVALID_POLICY`` when the content is invalid.
            OSError: when the file cannot be read (a deployment problem, not a caller's).
        """
        return cls.from_yaml(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def default(cls) -> RoutingPolicy:
        """The example policy shipped with the package (``default_policy.yaml``)."""
        resource = importlib.resources.files(__package__ or "docai.services.routing") / DEFAULT_POLICY_RESOURCE
        return cls.from_yaml(resource.read_text(encoding="utf-8"))

    # -- routing ------------------------------------------------------------------------

    def to_base_currency(self, amount: Decimal, currency: str) -> Decimal | None:
        """Convert an amount with the static rate table; None when the currency has no rate."""
        code = currency.strip().upper()
        if code == self.base_currency:
            return amount
        rate = self.exchange_rates.get(code)
        return amount * rate if rate is not None else None

    def approver_tier(self, department: str, *, gross: str | None, currency: str | None) -> ApproverTier:
        """The approval tier for an amount; the top tier when the amount cannot be compared.

        Args:
            department: A department of this policy.
            gross: The gross total as a decimal string (sign ignored: credit notes need the
                same authority as invoices of that size).
            currency: ISO 4217 code of ``gross``.

        Returns:
            The first tier whose ``max_amount`` covers the amount, else the last tier.
        """
        tiers = self.departments[department].approvers
        amount = _decimal(gross)
        base = self.to_base_currency(abs(amount), currency) if amount is not None and currency else None
        if base is None:
            return tiers[-1]
        for tier in tiers:
            if tier.max_amount is None or base <= tier.max_amount:
                return tier
        return tiers[-1]  # unreachable: validation makes the last tier unbounded

    def route(self, extraction: Extraction, *, text: str = "") -> Route:
        """Route an invoice to a department, cost centre and approver.

        Args:
            extraction: The extracted invoice.
            text: The document's plain text, searched for keywords besides line items.

        Returns:
            The route; ``covered=False`` with confidence 0 when no rule matched.

        Example:
            >>> route = RoutingPolicy.default().route(extraction, text=parsed.text)
            >>> route.department, route.approver
            ('IT', 'it-lead@example.com')
        """
        vendor_hits = [
            rule
            for rule in self.vendor_rules
            if rule.matches(
                vendor_name=extraction.value("vendor_name") or "",
                vendor_tax_id=extraction.value("vendor_tax_id") or "",
            )
        ]
        keyword_hits = self._keyword_hits(extraction, text)
        if vendor_hits:
            winner = vendor_hits[0]
            department = winner.department
            cost_centre = winner.cost_centre or self.departments[department].cost_centre
            agree = all(rule.department == department for rule in vendor_hits)
            confidence = VENDOR_CONFIDENCE if agree else VENDOR_CONFLICT_CONFIDENCE
        elif keyword_hits:
            department, cost_centre, confidence = self._keyword_vote(keyword_hits)
        else:
            return Route(department="", cost_centre="", approver="", confidence=0.0, reasons=[], covered=False)

        tier = self.approver_tier(
            department, gross=extraction.value("total_gross"), currency=extraction.value("currency")
        )
        reasons = [r.id for r in vendor_hits] + [rule.id for rule, _ in keyword_hits] + [tier.id]
        return Route(
            department=department,
            cost_centre=cost_centre,
            approver=tier.approver,
            confidence=round(confidence, 4),
            reasons=reasons,
            covered=True,
        )

    def _keyword_hits(self, extraction: Extraction, text: str) -> list[tuple[KeywordRule, int]]:
        descriptions = [
            item.fields["description"].value for item in extraction.line_items if "description" in item.fields
        ]
        haystack = _fold("\n".join([*descriptions, text]))
        # (rule index, keyword, start, end) of the first few occurrences of every keyword.
        found: list[tuple[int, str, int, int]] = []
        for index, patterns in enumerate(self._keyword_patterns):
            for keyword, pattern in patterns:
                for match in itertools.islice(pattern.finditer(haystack), _MAX_OCCURRENCES):
                    found.append((index, keyword, match.start(), match.end()))
        # A keyword counts when one of its occurrences is not inside a longer match: the more
        # specific phrase wins ("IT consulting" is IT's evidence, not also generic "consulting").
        counted: dict[int, set[str]] = {}
        for index, keyword, start, end in found:
            inside = any(
                s <= start and end <= e and e - s > end - start for _, other, s, e in found if other != keyword
            )
            if not inside:
                counted.setdefault(index, set()).add(keyword)
        return [(self.keyword_rules[i], len(counted[i])) for i in sorted(counted)]

    def _keyword_vote(self, hits: list[tuple[KeywordRule, int]]) -> tuple[str, str, float]:
        scores: dict[str, float] = {}  # insertion order = policy order, which breaks ties
        best_rule: dict[str, tuple[float, KeywordRule]] = {}
        for rule, found in hits:
            contribution = rule.weight * found
            scores[rule.department] = scores.get(rule.department, 0.0) + contribution
            if rule.department not in best_rule or contribution > best_rule[rule.department][0]:
                best_rule[rule.department] = (contribution, rule)
        department = max(scores, key=lambda name: scores[name])  # max keeps the first of equals
        share = scores[department] / sum(scores.values())
        confidence = KEYWORD_BASE_CONFIDENCE + KEYWORD_SPAN * (2 * share - 1)
        confidence = min(max(confidence, 0.0), KEYWORD_MAX_CONFIDENCE)
        rule = best_rule[department][1]
        return department, rule.cost_centre or self.departments[department].cost_centre, confidence


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _tax_id(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in _fold(keyword).split()]
    # Whole words only (so "it" never matches "item"); a plain plural is allowed.
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?:s|es)?(?!\w)")


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _describe(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message
