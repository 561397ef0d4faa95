"""The quality scorecard of a description: grounding, length, the brand's banned words and claims.

Grounding compares what the text states with what the seller gave: every number (with its
unit, converted within a dimension: 1.1 kg = 1100 g), colour, material and claim found in the
text by the lexicons of :mod:`docai.services.generation.lexicon` must also be in the product's
title, category, attributes or raw text, with the same polarity ("not dishwasher safe" does not
ground "dishwasher safe"). Anything else is an invented fact and fails the scorecard.

Required facts are a hard check: each attribute the brand requires (``required_facts``, by key
or an alias of it, :data:`REQUIRED_FACT_ALIASES`) that the product has must be stated: all its
numbers with their unit ("350 ml"), one of its colours or materials, or all its words
("Handmade in Portugal"). Fluency (:mod:`.fluency`: made-up words, repeated phrases, misused
colours and materials, the base model's likelihood) is checked against calibrated thresholds;
with it, facts garbled while copied and scenes of another product (:mod:`.slips`) are errors too.

Severity: grounding, banned words and claims, required facts, fluency, a text that loops and
empty text are errors (``passed`` is False); length and the other style rules are warnings
(worth an edit, not a block).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from docai.schemas.product import BrandGuide, Product, Scorecard, Violation
from docai.services.generation import lexicon
from docai.services.generation.fluency import FluencyChecker, brand_words
from docai.services.generation.lexicon import Quantity, Term
from docai.services.generation.slips import foreign_scenes, phrasing_slips, product_slips

# Length is fine between these fractions of the target.
LENGTH_TOLERANCE = (0.5, 1.5)
# Attribute keys sellers use for a fact a brand may require, by the key the brand guide names.
REQUIRED_FACT_ALIASES: dict[str, tuple[str, ...]] = {
    "colour": ("colour", "color"),
    "material": ("material", "materials", "fabric", "upper", "blade", "body"),
    "capacity": ("capacity",),
    "volume": ("volume",),
    "size": ("size", "dimensions"),
    # The sizes a shoe comes in ("EU 38-47"): a measure to a reader, so a brand may require it.
    "sizes": ("sizes", "size range"),
    "weight": ("weight",),
    "height": ("height",),
    "blade length": ("blade length",),
    "origin": ("origin", "made in", "country of origin", "provenance"),
}
# "Handmade in Portugal" says where it is made too: it grounds "made in Portugal".
_HANDMADE_IN = re.compile(r"\bhand[- ]?(?:made|crafted)\s+in\b", re.IGNORECASE)
_STOPWORDS = frozenset(["the", "a", "an", "and", "or", "of", "with", "for", "in", "on", "to", "from", "by", "per", "x"])


def source_text(product: Product, *, raw_text: str | None = None) -> str:
    """All the seller's facts as one text: title, category, ``key: value`` lines and raw text.

    Args:
        product: The product.
        raw_text: The raw text the model actually saw (after cleaning/cutting); defaults to
            the product's own.
    """
    lines = [product.title, product.category]
    lines += [f"{a.key}: {a.value}" for a in product.attributes]
    lines.append(product.raw_text if raw_text is None else raw_text)
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class SourceFacts:
    """The facts a description may state, extracted once per product."""

    text: str
    colours: set[str] = field(default_factory=set)
    materials: set[str] = field(default_factory=set)
    claims: set[tuple[str, bool]] = field(default_factory=set)  # (canonical, negated)
    quantities: list[Quantity] = field(default_factory=list)
    # Numbers a bare number in the text may repeat: those of the product data, not of the seller's
    # notes, whose bare numbers are shop talk ("30 day returns", "pls leave 5 stars").
    counts: list[Quantity] = field(default_factory=list)

    @classmethod
    def of(cls, text: str, *, data: str | None = None) -> SourceFacts:
        """The facts of the whole source ``text``; ``data`` is its product-data part (default: all of it)."""
        return cls(
            text=text,
            colours=lexicon.expand(lexicon.colours(text), lexicon.COLOURS),
            materials=lexicon.expand(lexicon.materials(text), lexicon.MATERIALS),
            claims={(t.canonical, t.negated) for t in lexicon.claims(text)}
            | {(t.canonical, t.negated) for t in lexicon.claims(_HANDMADE_IN.sub("handmade, made in", text))},
            quantities=lexicon.quantities(text),
            counts=lexicon.quantities(text if data is None else data),
        )

    @classmethod
    def of_product(cls, product: Product, *, raw_text: str | None = None) -> SourceFacts:
        """A product's facts; when it has attributes, a bare number must come from them or the title."""
        data = source_text(product, raw_text="") if product.attributes else None
        return cls.of(source_text(product, raw_text=raw_text), data=data)

    def has_quantity(self, quantity: Quantity) -> bool:
        # With a unit, only the same measurement grounds it ("420 g" is not grounded by "pockets: 420");
        # a bare number may repeat any number of the product data ("EU 38-46", "3 pockets").
        if quantity.unit is None:
            return any(math.isclose(quantity.value, known.value, rel_tol=1e-9) for known in self.counts)
        for known in self.quantities:
            if (
                known.unit is not None
                and quantity.dimension == known.dimension
                and math.isclose(quantity.base_value, known.base_value, rel_tol=1e-3)
            ):
                return True
        return False


def score_description(
    text: str,
    *,
    product: Product,
    brand: BrandGuide,
    raw_text_used: str | None = None,
    input_truncated: bool = False,
    voice: Callable[[str], float] | None = None,
    fluency: FluencyChecker | None = None,
) -> Scorecard:
    """Check ``text`` against the product's facts and the brand's rules.

    Args:
        text: The description.
        product: The product it describes (the only source of facts).
        brand: The brand whose rules apply.
        raw_text_used: The raw text the model saw, when it was cleaned or cut.
        input_truncated: Whether the raw text was cut (reported in the scorecard).
        voice: Returns the probability that a text is in ``brand``'s voice.
        fluency: The fluency checks (with the engine's scorer when it has one); None skips them.

    Returns:
        The scorecard; ``passed`` is False when any violation is an error.

    Example:
        >>> card = score_description("Krus Mug. Stoneware, 500 ml.", product=mug_350ml, brand=nordkraft)
        >>> [v.span for v in card.violations if v.kind == "ungrounded_number"]
        ['500 ml']
    """
    facts = SourceFacts.of_product(product, raw_text=raw_text_used)
    violations: list[Violation] = []
    if not text.strip():
        violations.append(Violation(kind="empty_text", detail="the model wrote no text"))
    violations += _grounding(text, facts)
    violations += _banned(text, brand)
    violations += _required_facts(text, product, brand)
    length_violation, target_words, target_chars = _length(text, product, brand)
    if length_violation is not None:
        violations.append(length_violation)
    violations += _style(text, brand)
    fluency_score = None
    if fluency is not None and text.strip():
        report = fluency.check(text, product=product, known=brand_words(brand))
        violations += fluency.violations(report)
        violations += _slips(text, product, brand)
        fluency_score = report.mean_logprob
    # One finding per kind and span: a stutter is also a material said twice.
    violations = sorted({(v.kind, v.start, v.end, v.span): v for v in violations}.values(), key=_position)
    grounded = not any(v.kind.startswith("ungrounded_") for v in violations)
    return Scorecard(
        passed=not any(v.severity == "error" for v in violations),
        grounded=grounded,
        length_ok=length_violation is None,
        word_count=len(text.split()),
        char_count=len(text),
        target_words=target_words,
        target_chars=target_chars,
        violations=tuple(violations),
        input_truncated=input_truncated,
        voice_score=round(voice(text), 4) if voice is not None and text.strip() else 0.0,
        fluency=fluency_score,
    )


def _position(violation: Violation) -> tuple[int, int, str]:
    return violation.start, violation.end, violation.kind


def grounding_guard(
    product: Product, brand: BrandGuide, *, raw_text_used: str | None = None, fluency: FluencyChecker | None = None
) -> Callable[[str], list[tuple[int, int]]]:
    """The guard of guarded decoding: spans of a text that would fail grounding, the brand's bans or repeat.

    With ``fluency``, made-up words, phrases said twice and misused colours or materials are
    rewound too (:meth:`.FluencyChecker.guard_spans`). The product's facts are read once; the
    guard is then called after every generated word.

    Example:
        >>> guard = grounding_guard(mug_350ml, nordkraft)
        >>> guard("Stoneware, 500 ml.")
        [(11, 17)]
    """
    facts = SourceFacts.of_product(product, raw_text=raw_text_used)
    known = brand_words(brand) | {w.lower() for w in re.findall(r"[A-Za-z]+(?:['’][A-Za-z]+)*", facts.text)}

    def guard(text: str) -> list[tuple[int, int]]:
        found = [(v.start, v.end) for v in (*_grounding(text, facts), *_banned(text, brand))]
        if fluency is not None:
            found += fluency.guard_spans(text, known)
            slips = product_slips(text, product, complete=False, known=known)
            found += [(f.start, f.end) for f in (*slips, *foreign_scenes(text, product))]
        return found + _repetitions(text)

    return guard


def _grounding(text: str, facts: SourceFacts) -> list[Violation]:
    found: list[Violation] = []
    for quantity in lexicon.quantities(text):
        if not facts.has_quantity(quantity):
            found.append(_at(text, quantity.start, quantity.end, "ungrounded_number", "not in the product data"))
    checks: list[tuple[list[Term], set[str], str, str]] = [
        (lexicon.colours(text), facts.colours, "ungrounded_colour", "colour"),
        (lexicon.materials(text), facts.materials, "ungrounded_material", "material"),
    ]
    for terms, known, kind, what in checks:
        for term in terms:
            if term.canonical not in known:
                found.append(
                    _at(text, term.start, term.end, kind, f"{what} {term.canonical!r} is not in the product data")
                )
    for term in lexicon.claims(text):
        if (term.canonical, term.negated) not in facts.claims:
            said = ("not " if term.negated else "") + term.canonical
            contradicted = (term.canonical, not term.negated) in facts.claims
            detail = f"claim {said!r} " + (
                "contradicts the product data" if contradicted else "is not in the product data"
            )
            found.append(_at(text, term.start, term.end, "ungrounded_claim", detail))
    return found


def _slips(text: str, product: Product, brand: BrandGuide) -> list[Violation]:
    # Distorted facts read as broken English (fluency); a borrowed scene is a wrong line (style).
    found = [
        _at(text, f.start, f.end, "fluency", f.reason)
        for f in (*product_slips(text, product, known=brand_words(brand)), *phrasing_slips(text, product))
    ]
    return found + [_at(text, f.start, f.end, "style", f.reason) for f in foreign_scenes(text, product)]


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    body = r"[\s-]+".join(words)
    head = r"(?<![\w])" if phrase[:1].isalnum() else ""
    tail = r"(?![\w])" if phrase[-1:].isalnum() else ""
    return re.compile(head + body + tail, re.IGNORECASE)


def _banned(text: str, brand: BrandGuide) -> list[Violation]:
    found: list[Violation] = []
    for word in brand.banned_words:
        for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?:s|es)?(?![\w-])", text, re.IGNORECASE):
            found.append(
                _at(text, match.start(), match.end(), "banned_word", f"{brand.display_name} never says {word!r}")
            )
    phrases = dict.fromkeys([*lexicon.GLOBAL_BANNED_CLAIMS, *brand.banned_claims])
    for phrase in phrases:
        for match in _phrase_pattern(phrase).finditer(text):
            found.append(_at(text, match.start(), match.end(), "banned_claim", f"banned claim {phrase!r}"))
    return found


def required_facts(product: Product, brand: BrandGuide) -> list[tuple[str, str]]:
    """The ``(fact, value)`` pairs ``brand`` requires that ``product`` has, in the brand's order.

    A fact is found under its own key or one of its :data:`REQUIRED_FACT_ALIASES` (first match).

    Example:
        >>> required_facts(mug, sunny_days)  # doctest: +NORMALIZE_WHITESPACE
        [('colour', 'sage green'), ('material', 'stoneware'), ('capacity', '350 ml'),
         ('origin', 'Handmade in Portugal')]
    """
    found: list[tuple[str, str]] = []
    for key in brand.required_facts:
        names = REQUIRED_FACT_ALIASES.get(key.strip().lower(), (key,))
        value = next((v for name in names if (v := product.attribute(name))), None)
        if value and value.strip() and value.strip() not in [v for _, v in found]:
            found.append((key, value.strip()))
    return found


def missing_facts(text: str, product: Product, brand: BrandGuide) -> list[tuple[str, str]]:
    """The :func:`required_facts` that ``text`` does not state."""
    # The product's name states nothing: "The Sage Mug" does not say the mug is sage green.
    said = re.sub(re.escape(product.title.strip()), " ", text, flags=re.IGNORECASE) if product.title.strip() else text
    return [(key, value) for key, value in required_facts(product, brand) if not _mentions(said, value)]


def _required_facts(text: str, product: Product, brand: BrandGuide) -> list[Violation]:
    return [
        Violation(kind="missing_fact", span=key, detail=f"the {key} ({value!r}) is not mentioned")
        for key, value in missing_facts(text, product, brand)
    ]


def _mentions(text: str, value: str) -> bool:
    """Whether ``text`` states ``value``: all its numbers, or one of its colours/materials, or one of its words."""
    numbers = lexicon.quantities(value)
    if numbers:
        stated = lexicon.quantities(text)
        facts = SourceFacts(text=text, quantities=stated, counts=stated)
        return all(facts.has_quantity(n) for n in numbers)
    terms = lexicon.expand(lexicon.colours(value), lexicon.COLOURS) | lexicon.expand(
        lexicon.materials(value), lexicon.MATERIALS
    )
    if terms:
        said = lexicon.expand(lexicon.colours(text), lexicon.COLOURS) | lexicon.expand(
            lexicon.materials(text), lexicon.MATERIALS
        )
        return bool(terms & said)
    # Every word of the value: "Handmade in Portugal" is not said by "made in Portugal".
    words = [w for w in re.findall(r"[^\W\d_]{3,}", value.lower()) if w not in _STOPWORDS]
    lowered = text.lower()
    joined = re.sub(r"(?<=\w)-(?=\w)", "", lowered)  # "hand-made" says "handmade"
    return all(re.search(rf"\b{re.escape(w)}", lowered) or re.search(rf"\b{re.escape(w)}", joined) for w in words)


def _length(text: str, product: Product, brand: BrandGuide) -> tuple[Violation | None, int, int]:
    low, high = LENGTH_TOLERANCE
    if product.target_chars:
        target, size, unit, words_target = product.target_chars, len(text.strip()), "characters", 0
    else:
        target = product.target_words or brand.target_words
        size, unit, words_target = len(text.split()), "words", target
    chars_target = product.target_chars
    if low * target <= size <= high * target:
        return None, words_target, chars_target
    detail = f"{size} {unit}, target {target} (allowed {math.ceil(low * target)}-{math.floor(high * target)})"
    return Violation(kind="length", severity="warning", detail=detail), words_target, chars_target


def _style(text: str, brand: BrandGuide) -> list[Violation]:
    found: list[Violation] = []
    bangs = text.count("!")
    if bangs > brand.max_exclamations or (text.strip() and bangs < brand.min_exclamations):
        # An error: blind readers turned down a playful text with none and one with two (rounds 5, 6).
        found.append(
            Violation(
                kind="style",
                span="!",
                detail=f"{bangs} exclamation marks; {brand.display_name} uses "
                f"{brand.min_exclamations}-{brand.max_exclamations}",
            )
        )
    for start, end in _repetitions(text)[:1]:
        # An error, not a warning: a looping text is not publishable, whatever else it gets right.
        found.append(_at(text, start, end, "style", "the text repeats itself"))
    you = addresses_reader(text)
    if brand.second_person and text.strip() and you is None:
        # An error, not a warning: a blind reader turned down every such text of a brand that talks
        # to "you" (round 4: a text cut back to its first sentences), so the service retries instead.
        found.append(Violation(kind="style", detail=f"{brand.display_name} speaks to the reader as 'you'"))
    if not brand.second_person and you is not None:
        found.append(
            _at(
                text,
                you.start(),
                you.end(),
                "style",
                f"{brand.display_name} does not address the reader",
                severity="warning",
            )
        )
    return found


def addresses_reader(text: str) -> re.Match[str] | None:
    """The first word of ``text`` that speaks to the reader ("you", "your", "you'll"), or None."""
    return _YOU.search(text)


_YOU = re.compile(r"\b(?:you|your|yours|you're|you'll|you've|you'd)\b", re.IGNORECASE)


def _repetitions(text: str, *, n: int = 4, times: int = 3) -> list[tuple[int, int]]:
    """Spans of each ``times``-th and later occurrence of a run of ``n`` words (small models loop)."""
    words = [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"[\w.-]+", text)]
    counts: dict[tuple[str, ...], int] = {}
    spans: list[tuple[int, int]] = []
    for i in range(len(words) - n + 1):
        gram = tuple(word for _, _, word in words[i : i + n])
        counts[gram] = counts.get(gram, 0) + 1
        if counts[gram] >= times:
            spans.append((words[i][0], words[i + n - 1][1]))
    return spans


def _at(text: str, start: int, end: int, kind: str, detail: str, *, severity: str = "error") -> Violation:
    return Violation(kind=kind, severity=severity, span=text[start:end], start=start, end=end, detail=detail)
