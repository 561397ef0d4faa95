"""Fluency of a description: does it read as English a shop could publish?

The grounding checks of the scorecard make sure a text invents nothing; they cannot see that
"Coffee olla, sopre, sopre! ... It's made of sage green" is not English. Five checks do:

- **made-up words**: a word that is in neither the product data, the brand guide nor the
  English word list (``wordfreq``: Zipf frequency below ``min_zipf``; a Zipf of 3 is a word
  seen once per million words, "sopre" has 0);
- **repetition**: a word or phrase said twice in a row ("sopre, sopre"), or a pair of words
  of which one is not a function word said twice anywhere ("curl up and curl up", "900 g. 900 g.");
- **misused facts**: a colour given as the material ("made of sage green"), a material given
  as the colour ("comes in lovely stainless steel"), a weight or a length given as room
  ("650 g of room") or a measurement as the material ("made of 140 x 170 cm");
- **unfinished**: the text stops mid-sentence (a token budget or a guard that gave up);
- **likelihood**: the base model's mean log-likelihood per token of the text, given the
  product's facts (:func:`scoring_messages`), below ``min_mean_logprob``: word salad and token
  soup. It needs an engine that can score text (``score_text`` of the in-process engines);
  without one the lexical checks still run.

The thresholds are not guesses: ``fluency_thresholds.json`` (next to this module) holds the
values calibrated by ``python -m docai.training.fluency_calibration`` on good descriptions
(the brands' examples and the synthetic catalogue's training targets) and bad ones made from
them (made-up words, stutters, shuffled words, loops, base-model samples at a high
temperature), never on the held-out products the benchmarks report on. The file also records
how many good and bad calibration texts each threshold passes. (A text that stops mid-sentence
and a misused colour are errors by rule, not by threshold: no good text does either.)

The same lexical checks are part of the guard of guarded decoding
(:func:`~docai.services.generation.scorecard.grounding_guard`): a made-up word, a stutter or a
misused colour is rewound and decoded again while the model writes.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docai.schemas.product import BrandGuide, Product, Violation
from docai.services.generation import lexicon

__all__ = [
    "THRESHOLDS_FILE",
    "Finding",
    "FluencyChecker",
    "FluencyReport",
    "FluencyThresholds",
    "LogprobScorer",
    "brand_words",
    "calibrate_threshold",
    "misused_terms",
    "repeated_phrases",
    "scoring_messages",
    "unfinished_sentence",
]

THRESHOLDS_FILE = Path(__file__).with_name("fluency_thresholds.json")

LogprobScorer = Callable[[list[dict[str, str]], str], Sequence[float]]
"""Log-probability of each token of a text given chat messages (``LoopBackend.score_text``)."""

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # letters of any script: "réchargeable" is one word
_TOKEN = re.compile(r"[\w'’]+(?:[.,-][\w'’]+)*")
# Function words: a repeated pair made only of these ("of the", "and you") is normal English.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "without",
        "into",
        "onto",
        "over",
        "under",
        "up",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "it's",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "you",
        "your",
        "you'll",
        "you're",
        "we",
        "we're",
        "our",
        "they",
        "they're",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "i",
        "my",
        "me",
        "just",
        "all",
        "every",
        "each",
        "per",
        "x",
        "has",
        "have",
        "had",
        "will",
        "can",
        "not",
        "no",
        "now",
        "then",
        "than",
        "too",
        "very",
        "more",
        "most",
        "also",
        "only",
    ]
)


@dataclass(frozen=True)
class FluencyThresholds:
    """Where a text stops being fluent (loaded from the calibrated file, :meth:`load`).

    Attributes:
        min_zipf: A word below this Zipf frequency (and not in the product data or brand
            guide) is a made-up word.
        max_nonwords: Most made-up words a publishable text may have.
        max_repeats: Most repeated phrases a publishable text may have.
        min_mean_logprob: Lowest mean log-likelihood per token under the base model.
        calibration: What the thresholds were calibrated on and how they did there.
    """

    min_zipf: float = 1.5
    max_nonwords: int = 0
    max_repeats: int = 0
    min_mean_logprob: float = -4.0
    calibration: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> FluencyThresholds:
        """The calibrated thresholds (``fluency_thresholds.json`` by default)."""
        data = json.loads(Path(path or THRESHOLDS_FILE).read_text(encoding="utf-8"))
        values = data["thresholds"]
        return cls(
            min_zipf=float(values["min_zipf"]),
            max_nonwords=int(values["max_nonwords"]),
            max_repeats=int(values["max_repeats"]),
            min_mean_logprob=float(values["min_mean_logprob"]),
            calibration={k: v for k, v in data.items() if k != "thresholds"},
        )


@dataclass(frozen=True)
class Finding:
    """One problem: where it is and why."""

    start: int
    end: int
    span: str
    reason: str


@dataclass(frozen=True)
class FluencyReport:
    """What the checks found in one text.

    Attributes:
        mean_logprob: The base model's mean log-likelihood per token; None when not scored.
        tokens: Tokens scored.
        nonwords: Words below ``min_zipf`` that the product data and brand guide do not use.
        repeats: Phrases said twice.
        misused: Colours given as materials and materials given as colours.
        unfinished: The last words when the text stops mid-sentence (no closing punctuation).
    """

    mean_logprob: float | None
    tokens: int
    nonwords: tuple[Finding, ...]
    repeats: tuple[Finding, ...]
    misused: tuple[Finding, ...]
    unfinished: tuple[Finding, ...] = ()


def scoring_messages(product: Product) -> list[dict[str, str]]:
    """The context the base model scores a description in: the product's structured facts only.

    No brand voice (the same judge for every brand) and no raw seller text (a short, cheap prompt).
    """
    lines = [f"Product: {_clean(product.title)}"]
    if product.category.strip():
        lines.append(f"Category: {_clean(product.category)}")
    lines += [f"{_clean(a.key)}: {_clean(a.value)}" for a in product.attributes[:40] if a.value.strip()]
    return [
        {"role": "system", "content": "You write short product descriptions for an online shop."},
        {"role": "user", "content": "\n".join(lines) + "\nWrite a short description of this product."},
    ]


def _clean(value: str) -> str:
    return " ".join(re.sub(r"[<>]", " ", value).split())[:200]


def brand_words(brand: BrandGuide) -> frozenset[str]:
    """Words of the brand guide (name, voice, rules, examples): a brand's own vocabulary is not made up."""
    texts = [brand.display_name, brand.voice, *brand.rules, *(e.description for e in brand.examples)]
    return frozenset(w.lower() for text in texts for w in _WORD.findall(text))


@functools.lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


class FluencyChecker:
    """Runs the fluency checks of one deployment: its thresholds and, when there is one, its scorer.

    Args:
        thresholds: The calibrated thresholds (default: :meth:`FluencyThresholds.load`).
        scorer: Scores a text's tokens under the base model (``backend.score_text``); None
            skips the likelihood check.

    Example:
        >>> checker = FluencyChecker()
        >>> report = checker.check("Coffee olla, sopre, sopre!", product=mug)
        >>> [f.span for f in report.nonwords]
        ['sopre', 'sopre']
    """

    def __init__(self, *, thresholds: FluencyThresholds | None = None, scorer: LogprobScorer | None = None) -> None:
        self.thresholds = thresholds or FluencyThresholds.load()
        self.scorer = scorer

    # -- the checks ---------------------------------------------------------------------------

    def nonwords(self, text: str, known: Iterable[str] = ()) -> list[Finding]:
        """Words (3 letters or more) below ``min_zipf`` that are not in ``known``."""
        known = {w.lower() for w in known}
        found = []
        for match in _WORD.finditer(text):
            word = match.group().lower().replace("’", "'")
            if len(word) < 3 or word in known or word.split("'")[0] in known:
                continue
            if _zipf(word) < self.thresholds.min_zipf:
                found.append(
                    Finding(match.start(), match.end(), match.group(), f"{match.group()!r} is not an English word")
                )
        return found

    def repeats(self, text: str) -> list[Finding]:
        """Phrases said twice: back to back (1-3 words), or a pair with a content word anywhere."""
        return repeated_phrases(text)

    def misused(self, text: str, *, complete: bool = True) -> list[Finding]:
        """Colours given as materials and materials given as colours (see :func:`misused_terms`)."""
        return misused_terms(text, complete=complete)

    def check(self, text: str, *, product: Product, known: Iterable[str] = ()) -> FluencyReport:
        """All checks of ``text`` describing ``product``; ``known`` words are never made up."""
        from docai.services.generation.scorecard import source_text

        vocabulary = set(known) | {w.lower() for w in _WORD.findall(source_text(product))}
        mean, count = None, 0
        if self.scorer is not None and text.strip():
            scores = list(self.scorer(scoring_messages(product), text))
            if scores:
                mean, count = sum(scores) / len(scores), len(scores)
        source = " ".join(source_text(product).lower().split())
        return FluencyReport(
            mean_logprob=round(mean, 4) if mean is not None else None,
            tokens=count,
            nonwords=tuple(self.nonwords(text, vocabulary)),
            # A repeat the seller wrote is a name ("Sip Sip Bottle"), not a stutter.
            repeats=tuple(f for f in self.repeats(text) if not _in_source(text, f, source)),
            misused=tuple(self.misused(text)),
            unfinished=tuple(unfinished_sentence(text)),
        )

    def violations(self, report: FluencyReport) -> list[Violation]:
        """The report's failures against the thresholds, as scorecard errors of kind ``fluency``."""
        t = self.thresholds
        found: list[Violation] = []
        if len(report.nonwords) > t.max_nonwords:
            found += [_violation(f) for f in report.nonwords]
        if len(report.repeats) > t.max_repeats:
            found += [_violation(f) for f in report.repeats]
        found += [_violation(f) for f in report.misused]
        found += [_violation(f) for f in report.unfinished]
        if report.mean_logprob is not None and report.mean_logprob < t.min_mean_logprob:
            found.append(
                Violation(
                    kind="fluency",
                    detail=f"the base model finds the text unlikely English: mean log-likelihood "
                    f"{report.mean_logprob:.2f} per token, below the calibrated {t.min_mean_logprob:.2f}",
                )
            )
        return found

    def guard_spans(self, text: str, known: Iterable[str]) -> list[tuple[int, int]]:
        """Spans guarded decoding must not write: made-up words, repeats and misused facts.

        ``text`` ends at a word boundary but may be unfinished: a misused colour is only named
        once the phrase around it is complete.
        """
        spans = [(f.start, f.end) for f in self.nonwords(text, known)]
        # Stutters and measurements said again ("560 g ... 560 g"); not other pairs said again
        # further on: they are often the model's only way on, and a span it keeps coming back to
        # ends the text mid-sentence (the scorecard still flags them).
        spans += [(f.start, f.end) for f in self.repeats(text) if "in a row" in f.reason or re.search(r"\d", f.span)]
        spans += [(f.start, f.end) for f in self.misused(text, complete=False)]
        return spans


def _in_source(text: str, finding: Finding, source: str) -> bool:
    """Whether the phrase said twice in a row is written twice in a row in the product data too."""
    span = " ".join(re.sub(r"[.,;:!?]", " ", finding.span.lower()).split())
    return f"{span} {span}" in " ".join(re.sub(r"[.,;:!?]", " ", source).split())


def unfinished_sentence(text: str) -> list[Finding]:
    """The text's last words when it stops mid-sentence ("... with 4 W LED and"): a cut, not an ending.

    Example:
        >>> [f.span for f in unfinished_sentence("It holds 350 ml and")]
        ['350 ml and']
    """
    stripped = text.rstrip()
    if not stripped or re.search(r"[.!?…][\"'’”)]*$", stripped):
        return []
    words = list(re.finditer(r"\S+", stripped))[-3:]
    start = words[0].start()
    return [Finding(start, len(stripped), stripped[start:], "the text stops mid-sentence")]


def _violation(finding: Finding) -> Violation:
    return Violation(kind="fluency", span=finding.span, start=finding.start, end=finding.end, detail=finding.reason)


def repeated_phrases(text: str) -> list[Finding]:
    """Phrases said twice, each reported at its second occurrence.

    - the same 1 to 3 words twice in a row, punctuation aside ("sopre, sopre", "900 g. 900 g.");
    - the same two words twice anywhere when one of them is not a function word ("curl up ...
      curl up", "made of ... made of").

    Example:
        >>> [f.span for f in repeated_phrases("You can curl up and curl up.")]
        ['curl up']
    """
    words = [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in _TOKEN.finditer(text)]
    found: dict[tuple[int, int], Finding] = {}
    for n in (1, 2, 3):
        for i in range(n, len(words) - n + 1):
            before = [w for _, _, w in words[i - n : i]]
            here = [w for _, _, w in words[i : i + n]]
            if before == here and not all(w.isdigit() for w in here):
                start, end = words[i][0], words[i + n - 1][1]
                found.setdefault(
                    (start, end), Finding(start, end, text[start:end], f"{text[start:end]!r} is said twice in a row")
                )
    seen: dict[tuple[str, str], int] = {}
    for i in range(len(words) - 1):
        pair = (words[i][2], words[i + 1][2])
        if all(w in FUNCTION_WORDS for w in pair) or re.search(r"[.,;:!?]", text[words[i][1] : words[i + 1][0]]):
            continue
        if pair in seen and seen[pair] < i - 1:
            start, end = words[i][0], words[i + 1][1]
            if not any(a <= start < b for a, b in found):
                found[(start, end)] = Finding(start, end, text[start:end], f"{text[start:end]!r} is said twice")
        seen.setdefault(pair, i)
    return sorted(found.values(), key=lambda f: f.start)


_MADE_OF = re.compile(r"\b(?:made (?:of|from)|crafted from)\s+", re.IGNORECASE)
_COMES_IN = re.compile(r"\b(?:comes? in|available in|dressed in)\s+", re.IGNORECASE)
_OF_ROOM = re.compile(r"\s+of\s+(?:room|space|storage)\b", re.IGNORECASE)
_PHRASE_END = re.compile(r"[.,;:!?]|\band\b|\bwith\b|\bso\b|\bthat\b", re.IGNORECASE)


def misused_terms(text: str, *, complete: bool = True) -> list[Finding]:
    """A colour given as the material, a material as the colour, a weight or length as room, a
    measurement as the material.

    "made of sage green", "comes in lovely stainless steel", "650 g of room" and "made of
    140 x 170 cm" are the slips of a small model filling a template with the wrong fact. The
    phrase after "made of" / "comes in" runs to the next punctuation, "and", "with" or "so" (at
    most four words); with ``complete`` False (the guard, on unfinished text) a phrase that runs
    to the end of the text is not judged yet.

    Example:
        >>> [f.span for f in misused_terms("It's made of sage green.")]
        ['sage green']
    """
    found: list[Finding] = []
    for pattern, wanted, wrong, reason in (
        (_MADE_OF, lexicon.materials, lexicon.colours, "a colour is not a material"),
        (_COMES_IN, lexicon.colours, lexicon.materials, "a material is not a colour"),
    ):
        for match in pattern.finditer(text):
            rest = text[match.end() :]
            stop = _PHRASE_END.search(rest)
            phrase = rest[: stop.start()] if stop else rest
            if len(phrase.split()) > 4:
                phrase = " ".join(phrase.split()[:4])
            elif stop is None and not complete:
                continue
            if wrong(phrase) and not wanted(phrase):
                start = match.end() + (len(phrase) - len(phrase.lstrip()))
                span = phrase.strip()
                found.append(Finding(start, start + len(span), span, f"{reason}: {match.group().strip()} {span!r}"))
    for quantity in lexicon.quantities(text):
        after = _OF_ROOM.match(text, quantity.end)
        if after is not None and quantity.dimension not in (None, "volume"):
            span = text[quantity.start : after.end()]
            found.append(Finding(quantity.start, after.end(), span, f"a {quantity.dimension} is not room: {span!r}"))
    for match in _MADE_OF.finditer(text):
        number = re.match(r"\d", text[match.end() :])
        if number is not None:
            measured = next((q for q in lexicon.quantities(text) if q.start == match.end()), None)
            end = measured.end if measured is not None else match.end() + 1
            found.append(
                Finding(
                    match.end(),
                    end,
                    text[match.end() : end],
                    f"a measurement is not a material: {text[match.start() : end]!r}",
                )
            )
    return sorted(found, key=lambda f: f.start)


def calibrate_threshold(
    good: Sequence[float], bad: Sequence[float], *, max_false_alarms: float, good_groups: Sequence[Sequence[float]] = ()
) -> tuple[float, dict[str, float]]:
    """The threshold ``t`` (a text fails when its value < ``t``) that fails the most bad values
    while failing at most ``max_false_alarms`` of the good ones, and of each of ``good_groups``
    (so that a small group, such as hand-written texts, is not sacrificed to a big one).

    Candidates are the midpoints between sorted observed values. Returns the threshold and
    the rates it reaches on the given values.

    Example:
        >>> calibrate_threshold([-2.0, -2.5, -3.0], [-6.0, -5.0], max_false_alarms=0.0)[0]
        -4.0
    """
    values = sorted(set(good) | set(bad))
    candidates = [values[0] - 1.0] + [(a + b) / 2 for a, b in itertools.pairwise(values)] + [values[-1] + 1.0]
    best = (-1.0, math.inf, candidates[0])
    for t in candidates:
        false_alarms = sum(v < t for v in good) / len(good)
        if false_alarms > max_false_alarms or any(
            group and sum(v < t for v in group) / len(group) > max_false_alarms for group in good_groups
        ):
            continue
        caught = sum(v < t for v in bad) / len(bad)
        # The most bad caught; among ties, the lowest threshold (the widest margin for good text).
        if caught > best[0] or (caught == best[0] and t < best[2]):
            best = (caught, false_alarms, t)
    caught, false_alarms, t = best
    return t, {"bad_failed": round(caught, 3), "good_failed": round(false_alarms, 3)}
