"""Facts a small model garbles while copying them, and scenes it borrows from another product.

Grounding (:mod:`.scorecard`) catches an invented fact; it lets through a real fact distorted on
the way, because every piece of it is still in the data or the dictionary:

- **near misses**: a word one letter off a word of the product's facts ("Leaks-proof" for
  "leak-proof", "tritan" written "titan"), when the word is a compound or a rare word (a common
  word near a fact word, "while" near "white", is a word choice, not a slip);
- **unit slips**: a number the data only gives with a unit, written without it or with another
  word in its place ("560 gum", "weighs 560");
- **wrong dimension**: a measure given as another dimension than its attribute's ("22 cm high"
  for a blade length), put on another part ("22 cm handle"), or split out of its size
  ("150 cm high, 180 cm wide" for 150 x 180 cm), or a weight or length "of" no material
  ("420 g of just in there");
- **unknown fragments**: a one-word sentence whose word is neither in the data nor the brand's
  ("Tear-free.", "Mocha."): in a terse brand's fragments that is an invented fact;
- **said twice**: a claim ("hand-forged ... hand-forged") or a number said more often than the
  data says it;
- **foreign scenes**: a hook or scene of another kind of product ("Hello, sofa days!" on a knife,
  "Hello, hydration!" on a backpack), from :data:`~.lexicon.SCENE_CUES`.

- **phrasing** (:func:`phrasing_slips`, round 5, from what a blind reader turned down and the
  checks let through): a feature that is a thing said as what the product *is* ("it's adjustable
  straps and a padded laptop sleeve"), the same word twice in one sentence ("spontaneous chats and
  long chats"), a broken idiom ("You'll never be the same from now.") and a measure with the verb
  of another dimension ("It measures 560 g").
- **round 7** (from what the blind readers of rounds 5 and 6 turned down): a colour, material or
  feature said again ("Pink. Dishwasher. Pink.", "sunny grey linen ... linen in a soft grey"), a
  measuring verb with no measure ("Holds mustard yellow", "measure 37-47"), "a" where "an" is said
  ("a 18 cm blade") or before a plural ("a taped seams"), a sentence that is only a connective
  ("Best of all.", "It's too."), a hook that names another thing ("Your new favourite book is
  here!" on a pack), a friendly shade that is no colour or material of the data ("in a happy
  melon", "in a sunny Sweden"), a feature taken apart ("padded with a laptop sleeve"), a part's
  material on another part ("a stainless steel handle"), a terse list with a word of no data
  ("Non-slip, non-adhesive.") and "it's" before a verb ("It's glows").

All are errors by rule: no training target of the catalogue and no brand example trips them
(``tests/unit/test_generation_slips.py``). With ``complete`` False (the guard of guarded
decoding, on unfinished text) a number at the very end is not judged yet: its unit may follow.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from typing import Any

from docai.schemas.product import Product
from docai.services.generation import lexicon
from docai.services.generation.fluency import Finding

__all__ = ["foreign_scenes", "indefinite_article", "phrasing_slips", "product_slips"]

# Compounds count as one word: "leak-proof" is a fact, "leak" alone is not.
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# A rare word one letter off a fact word is a slip; a common one (Zipf 3.5: "beach", "while") a choice.
_COMMON_ZIPF = 3.5
# Dimension words after a length, and the attribute keys each one fits.
_DIMENSION_WORDS = {"high": "height", "tall": "height", "long": "length", "wide": "width", "deep": "depth"}
_AFTER_LENGTH = re.compile(r"\s+(high|tall|long|wide|deep)\b", re.IGNORECASE)
_UNFINISHED_MEASURE = re.compile(r"(?:\s*[x×*]\s*(?:\d+(?:[.,]\d+)?)?)*\s*")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)\b")
_DIMENSION_SEP = re.compile(r"\s*[x×*]\s*")
_OF = re.compile(r"\s+of\s+", re.IGNORECASE)
_PHRASE_END = re.compile(r"[.,;:!?]")
# A sentence of one-word items ("Teal.", "Vegan.", "Non-slip, non-adhesive."): a terse brand's facts,
# so each word must be in the data.
_ITEM = r"[^\W\d_]+(?:-[^\W\d_]+)*"
_ONE_WORD_SENTENCE = re.compile(rf"(?:(?<=[.!?])\s+)({_ITEM}(?:,\s*{_ITEM})*)\.(?=\s|$)")


def product_slips(text: str, product: Product, *, complete: bool = True, known: Iterable[str] = ()) -> list[Finding]:
    """Near misses, unit slips, wrong dimensions, facts said twice and one-word sentences the data does
    not say ("Tear-free.") in ``text`` about ``product``; ``known`` words (the brand's) are never unknown."""
    said = _without_title(text, product)
    found = _near_misses(said, product) + _unit_slips(said, product, complete=complete)
    found += _wrong_dimensions(said, product, complete=complete) + _measure_of(said, complete=complete)
    found += _said_twice(said, product) + _values_twice(said, product) + _wrong_parts(said, product)
    found += _unknown_fragments(said, product, frozenset(w.lower() for w in known))
    once = {(f.start, f.end): f for f in found}  # a claim said twice is also a feature said twice
    return sorted(once.values(), key=lambda f: (f.start, f.end))


def foreign_scenes(text: str, product: Product) -> list[Finding]:
    """Scene words that belong to other kinds of product than ``product`` (none when its kind is unknown).

    Example:
        >>> [f.span for f in foreign_scenes("Hello, hydration! The Willow Pack holds 19 l.", backpack)]
        ['hydration']
    """
    kinds = lexicon.product_kinds(f"{product.title} {product.category}")
    if not kinds:
        return []
    source = _source(product).lower()
    found: list[Finding] = []
    for pattern, fits in _SCENE_PATTERNS:
        if fits & kinds:
            continue
        for match in pattern.finditer(text):
            if match.group().lower() in source:
                continue  # the seller's own words
            where = ", ".join(sorted(fits))
            found.append(
                Finding(
                    match.start(),
                    match.end(),
                    match.group(),
                    f"{match.group()!r} belongs to a scene of another product ({where})",
                )
            )
    return sorted(found, key=lambda f: f.start)


def phrasing_slips(text: str, product: Product) -> list[Finding]:
    """Broken phrasing the other checks cannot see: a thing said as what the product is, a word said
    twice in one sentence, a broken idiom (each found by a blind reader in a text that passed).

    Example:
        >>> [f.span for f in phrasing_slips("Best of all, it's adjustable straps.", backpack)]
        ["it's adjustable straps"]
    """
    found = _noun_predicates(text, product) + _words_twice(text, product) + _broken_idioms(text)
    found += _wrong_verbs(text) + _verbs_without_measure(text) + _wrong_articles(text, product)
    found += _bare_connectives(text) + _misnamed(text, product) + _unknown_shades(text, product)
    found += _reworded_features(text, product)
    return sorted(found, key=lambda f: (f.start, f.end))


# A feature value that ends in one of these is a property ("water-resistant", "dishwasher safe",
# "hand wash only"); one of several words that ends otherwise is a thing ("padded laptop sleeve").
_PROPERTY_END = re.compile(r"(?:proof|free|ed|able|ible|ant|ent|ive|ous|ful|less|safe|only|slip)$", re.IGNORECASE)
# "it's" / "is" ... up to where the clause may turn to things: "It's water-resistant, with ...".
_COPULA = re.compile(r"\b(?:it['’]s|it is|is|are|they['’]re|they are)\s+", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.!?;:]|\b(?:with|has|have|had|comes?|plus|so|which|that|for|to|thanks)\b", re.IGNORECASE)


def _noun_features(product: Product) -> list[str]:
    """The product's features that are things, not properties ("padded laptop sleeve", "taped seams")."""
    values = [v.strip() for a in product.attributes if a.key.strip().lower() == "features" for v in a.value.split(",")]
    return [v for v in values if len(v.split()) > 1 and not _PROPERTY_END.search(v.split()[-1])]


def _noun_predicates(text: str, product: Product) -> list[Finding]:
    """A thing said as what the product is: "it's adjustable straps", "is water-resistant, padded laptop
    sleeve" (a product *has* straps); the catalogue says "with adjustable straps"."""
    nouns = _noun_features(product)
    if not nouns:
        return []
    found: list[Finding] = []
    for copula in _COPULA.finditer(text):
        stop = _CLAUSE_END.search(text, copula.end())
        clause = text[copula.end() : stop.start() if stop else len(text)]
        for noun in nouns:
            hit = re.search(rf"(?<![\w-]){re.escape(noun)}(?![\w-])", clause, re.IGNORECASE)
            if hit is not None:
                end = copula.end() + hit.end()
                span = text[copula.start() : end]
                found.append(Finding(copula.start(), end, span, f"{span!r}: a {noun!r} is a thing the product has"))
                break
    return found


# Words a sentence may well say twice ("it's ... it's", "just ... just"): very common ones.
_FUNCTION_ZIPF = 5.5
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def _words_twice(text: str, product: Product) -> list[Finding]:
    """A word said twice in one sentence ("spontaneous chats and long chats", "from coffee to park to
    park"): one idea said again in other words, or a loop. A word of the facts may come as often as
    the facts say it ("dishwasher safe and microwave safe")."""
    title = {w.lower() for w in _WORD.findall(product.title)}
    facts = [w.lower() for w in _WORD.findall(_facts_text(product))]
    found: list[Finding] = []
    for sentence in _SENTENCE.finditer(_without_title(text, product)):
        seen: dict[str, int] = {}
        previous = ""
        for match in _WORD.finditer(sentence.group()):
            word = match.group().lower()
            stutter, previous = word == previous, word
            if stutter or len(word) < 4 or word in title or _zipf(word) >= _FUNCTION_ZIPF:
                continue  # a stutter ("stoneware stoneware") is the fluency check's repeated phrase
            seen[word] = seen.get(word, 0) + 1
            if seen[word] > max(1, facts.count(word)):
                start = sentence.start() + match.start()
                found.append(
                    Finding(start, start + len(word), match.group(), f"{match.group()!r} is said twice in a sentence")
                )
    return found


# The dimensions each measuring verb takes: "weighs 560 g", "holds 19 l", "measures 140 x 170 cm".
_VERB_DIMENSIONS = {
    "weighs": ("mass",),
    "weigh": ("mass",),
    "holds": ("volume",),
    "hold": ("volume",),
    "measures": ("length",),
    "measure": ("length",),
    "stands": ("length",),
}
_VERB_BEFORE = re.compile(r"\b(" + "|".join(_VERB_DIMENSIONS) + r")\s+(?:just\s+|only\s+|about\s+)?$", re.IGNORECASE)


def _wrong_verbs(text: str) -> list[Finding]:
    """A measure with the verb of another dimension ("It measures 560 g", "weighs 41 cm")."""
    found: list[Finding] = []
    for quantity in lexicon.quantities(text):
        verb = _VERB_BEFORE.search(text[max(0, quantity.start - 20) : quantity.start])
        if verb is None or quantity.dimension is None:
            continue
        if quantity.dimension not in _VERB_DIMENSIONS[verb.group(1).lower()]:
            start = quantity.start - (len(text[max(0, quantity.start - 20) : quantity.start]) - verb.start())
            span = text[start : quantity.end]
            found.append(Finding(start, quantity.end, span, f"{span!r}: {verb.group(1)} takes no {quantity.dimension}"))
    return found


_VERB_THEN = re.compile(
    r"\b("
    + "|".join(_VERB_DIMENSIONS)
    + r")\s+(?:just\s+|only\s+|about\s+|up to\s+)?((?:(?!\band\b)(?:\d[.,]\d|[^.,;:!?]))*)",
    re.IGNORECASE,
)


def _verbs_without_measure(text: str) -> list[Finding]:
    """A measuring verb whose object is no measure: a colour or material ("Holds mustard yellow"), or a
    bare number the reader cannot place ("They measure 37-47" for shoe sizes)."""
    found: list[Finding] = []
    for match in _VERB_THEN.finditer(text):
        phrase = match.group(2)
        if any(q.unit is not None for q in lexicon.quantities(phrase)):
            continue
        head = " ".join(phrase.split()[:2])
        if phrase[:1].isdigit() or lexicon.colours(head) or lexicon.materials(head):
            span = text[match.start() : match.start(2) + len(phrase.rstrip())]
            found.append(
                Finding(match.start(), match.start() + len(span), span, f"{span!r}: no measure to {match.group(1)}")
            )
    return found


_ARTICLE = re.compile(r"\b(an?)\s+(\d[\d.,]*|[^\W\d_]+(?:[\s-][^\W\d_]+)*)", re.IGNORECASE)


def _wrong_articles(text: str, product: Product) -> list[Finding]:
    """ "a" where "an" is said ("a 18 cm blade", "a oak handle"), and "a" before a thing the data gives in
    the plural ("a taped seams"). Judged only before numbers and the product's own words."""
    facts = _facts_text(product).lower()
    plurals = [v for v in _fact_values(product, "features") if v.endswith("s")]
    found: list[Finding] = []
    for match in _ARTICLE.finditer(text):
        said, following = match.group(1).lower(), match.group(2)
        first = following.split()[0].split("-")[0].lower()
        plural = next((p for p in plurals if following.lower().startswith(p.lower())), None)
        if plural is not None:
            reason = f"{plural!r} is plural"
        elif (first[:1].isdigit() or first in facts) and indefinite_article(following) != said:
            reason = f"say {indefinite_article(following)!r}"
        else:
            continue
        end = match.start(2) + (len(plural) if plural else len(following.split()[0]))
        span = text[match.start() : end]
        found.append(Finding(match.start(), end, span, f"{span!r}: {reason}"))
    return found


# A sentence that is only a connective ("Best of all.", "Plus."): it promises a fact and gives none.
_BARE_CONNECTIVE = re.compile(
    r"(?:^|(?<=[.!?]))\s*((?:best of all|what's more|even better|on top of that|plus|also|and|but|it['’]s too"
    r"|it is too)\s*[.!?])",
    re.IGNORECASE,
)


def _bare_connectives(text: str) -> list[Finding]:
    return [
        Finding(m.start(1), m.end(1), m.group(1), f"{m.group(1)!r} leads to nothing")
        for m in _BARE_CONNECTIVE.finditer(text)
    ]


_FAVOURITE = re.compile(r"\bfavou?rite\s+([^\W\d_]+)", re.IGNORECASE)
# What a favourite may be besides the product's own name: a pair of shoes, or the product in general.
_ANY_PRODUCT = frozenset({"thing", "things", "one", "piece", "buddy", "companion", "friend", "brew"})


def _misnamed(text: str, product: Product) -> list[Finding]:
    """A hook that names another thing as the product ("Your new favourite book is here!" on a pack)."""
    own = {w.lower() for w in _WORD.findall(f"{product.title} {product.category}")} | _ANY_PRODUCT
    if "shoe" in lexicon.product_kinds(f"{product.title} {product.category}"):
        own |= {"pair", "shoes", "sneakers", "trainers"}
    found: list[Finding] = []
    for match in _FAVOURITE.finditer(text):
        noun = match.group(1).lower()
        if noun in own or noun.rstrip("s") in own or noun in _facts_text(product).lower():
            continue
        found.append(Finding(match.start(), match.end(), match.group(), f"{match.group()!r}: the product is no {noun}"))
    return found


def _reworded_features(text: str, product: Product) -> list[Finding]:
    """A feature of several words taken apart in a sentence ("padded with a laptop sleeve" for "padded
    laptop sleeve"): the words are all the data's, the thing they now say is not."""
    found: list[Finding] = []
    for feature in _fact_values(product, "features"):
        words = feature.lower().split()
        if len(words) < 2:
            continue
        for sentence in _SENTENCE.finditer(text):
            said = sentence.group().lower()
            if feature.lower() in said or not all(re.search(rf"\b{re.escape(w)}\b", said) for w in words):
                continue
            first = min(said.index(w) for w in words)
            last = max(said.index(w) + len(w) for w in words)
            span = sentence.group()[first:last]
            start = sentence.start() + first
            found.append(Finding(start, start + len(span), span, f"{span!r} takes the feature {feature!r} apart"))
    return found


# The brand's friendly shade: "in a happy sky blue", "comes in soft grey linen". The word after the
# adjective is the product's colour (or material); any other word is a colour the data does not give.
_SHADE = re.compile(
    r"\bin\s+(?:an?\s+)?(?:lovely|cheerful|happy|soft|fresh|sunny|bright|warm|pretty|sweet)\s+([^\W\d_]+)",
    re.IGNORECASE,
)


def _unknown_shades(text: str, product: Product) -> list[Finding]:
    # Only colours and materials: "in a sunny Sweden" names a word of the data, but no shade.
    vocabulary = {w.lower() for v in _fact_values(product, *_MADE_OF, "colour") for w in _WORD.findall(v)}
    vocabulary |= {part for w in vocabulary for part in w.split("-")}
    found: list[Finding] = []
    for match in _SHADE.finditer(text):
        word = match.group(1).lower()
        if word not in vocabulary:
            span = text[match.start() : match.end(1)]
            found.append(
                Finding(match.start(1), match.end(1), match.group(1), f"{span!r}: {word!r} is no colour of the data")
            )
    return found


# Idioms a small model breaks by leaving a word out (pattern -> what is wrong).
_BROKEN_IDIOMS = {
    re.compile(r"\bfrom now\b(?!\s+on\b)", re.IGNORECASE): "'from now' without 'on'",
    re.compile(
        r"\bit['’]s\s+(?:glows|holds|weighs|measures|stands|comes|pairs|has)\b", re.IGNORECASE
    ): "'it's' before a verb",
}


def _broken_idioms(text: str) -> list[Finding]:
    return [
        Finding(m.start(), m.end(), m.group(), f"{m.group()!r}: {why}")
        for pattern, why in _BROKEN_IDIOMS.items()
        for m in pattern.finditer(text)
    ]


_SCENE_PATTERNS = [
    (re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE), frozenset(fits))
    for pattern, fits in lexicon.SCENE_CUES.items()
]


def _source(product: Product) -> str:
    return "\n".join(
        [product.title, product.category, *(f"{a.key}: {a.value}" for a in product.attributes), product.raw_text]
    )


def _without_title(text: str, product: Product) -> str:
    # The product's name is not a fact said again ("Hand-forged Knife. ... Hand-forged."); blanked, offsets kept.
    title = product.title.strip()
    if not title:
        return text
    return re.sub(re.escape(title), lambda m: " " * len(m.group()), text, flags=re.IGNORECASE)


def _facts_text(product: Product) -> str:
    return "\n".join(a.value for a in product.attributes)


def _near_misses(text: str, product: Product) -> list[Finding]:
    facts = {w.lower() for w in _WORD.findall(_facts_text(product))}
    vocabulary = {w.lower() for w in _WORD.findall(_source(product))}
    vocabulary |= {part for w in vocabulary for part in w.split("-")}
    found: list[Finding] = []
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if len(word) < 5 or word in vocabulary or ("-" not in word and _zipf(word) >= _COMMON_ZIPF):
            continue
        for fact in facts:
            if len(fact) >= 5 and _slip_of(word, fact):
                found.append(
                    Finding(
                        match.start(), match.end(), match.group(), f"{match.group()!r} is a slip of the fact {fact!r}"
                    )
                )
                break
    return found


def _slip_of(word: str, fact: str) -> bool:
    plain, target = word.replace("-", ""), fact.replace("-", "")
    if plain == target:
        return False  # "leakproof" spells "leak-proof"
    short, long_ = sorted((plain, target), key=len)
    if long_.startswith(short) and len(long_) - len(short) <= 2:
        return False  # an inflection: "strap" / "straps", "insulate" / "insulated"
    return _distance(plain, target, limit=2 if len(target) >= 9 else 1) is not None


def _distance(a: str, b: str, *, limit: int) -> int | None:
    """Levenshtein distance of ``a`` and ``b`` when at most ``limit``, else None."""
    if abs(len(a) - len(b)) > limit:
        return None
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
        if min(row) > limit:
            return None
    return row[-1] if row[-1] <= limit else None


def _digits(text: str) -> list[lexicon.Quantity]:
    return [q for q in lexicon.quantities(text) if text[q.start : q.start + 1].isdigit()]


def _unit_slips(text: str, product: Product, *, complete: bool) -> list[Finding]:
    known = _digits(_facts_text(product))
    found: list[Finding] = []
    for quantity in _digits(text):
        if quantity.unit is not None:
            continue
        same = [k for k in known if math.isclose(k.value, quantity.value, rel_tol=1e-9)]
        if not same or any(k.unit is None for k in same):
            continue  # a number the data gives bare ("pockets: 4", "EU 38-46"), or not at all (grounding's job)
        rest = text[quantity.end :]
        if not complete and _UNFINISHED_MEASURE.fullmatch(rest):
            continue  # the unit may come next ("140", "140 x 170")
        after = re.match(r"\s*[^\W\d_]+", rest)
        end = quantity.end + (after.end() if after else 0)
        units = " or ".join(sorted({k.unit or "" for k in same}))
        found.append(
            Finding(
                quantity.start,
                end,
                text[quantity.start : end],
                f"{text[quantity.start : end]!r}: the data gives {quantity.value:g} in {units}",
            )
        )
    return found


def _wrong_dimensions(text: str, product: Product, *, complete: bool) -> list[Finding]:
    """A measure said as another dimension ("22 cm high" for a blade length), put on another part
    ("22 cm handle"), or split out of its "A x B" size ("150 cm high, 180 cm wide" for 150 x 180 cm)."""
    parts = {a.key.strip().lower() for a in product.attributes if a.key.strip().isalpha()}
    said_in_text = lexicon.quantities(text)
    found: list[Finding] = []
    for quantity in said_in_text:
        if quantity.unit is None:
            continue
        owners = [
            (a.key.lower(), _in_expression(a.value, known, lexicon.quantities(a.value)))
            for a in product.attributes
            for known in lexicon.quantities(a.value)
            if known.unit is not None
            and known.dimension == quantity.dimension
            and math.isclose(known.base_value, quantity.base_value, rel_tol=1e-3)
        ]
        if not owners:
            continue  # not a measure of the data: grounding's job
        keys = sorted({key for key, _ in owners})
        end, reason = quantity.end, ""
        dimension = _AFTER_LENGTH.match(text, quantity.end)
        part = _NEXT_WORD.match(text, quantity.end)
        named = {d for key in keys for d in _DIMENSION_WORDS.values() if d in key}
        if all(split for _, split in owners) and not _in_expression(text, quantity, said_in_text):
            if complete or text[quantity.end :].strip():
                reason, end = "is part of", (dimension.end() if dimension else quantity.end)
        elif dimension is not None and quantity.dimension == "length" and len(named) == len(keys):
            # Only when every attribute with this measure names its dimension: a "size" may be any.
            if _DIMENSION_WORDS[dimension.group(1).lower()] not in named:
                reason, end = "is", dimension.end()
        elif part is not None and part.group(1).lower() in parts and not any(part.group(1).lower() in k for k in keys):
            reason, end = "is", part.end()
        if reason:
            span = text[quantity.start : end]
            values = ", ".join(a.value for a in product.attributes if a.key.lower() in keys)
            found.append(
                Finding(
                    quantity.start,
                    end,
                    span,
                    f"{span!r}: {quantity.value:g} {quantity.unit} {reason} the {', '.join(keys)} ({values})",
                )
            )
    return found


def _measure_of(text: str, *, complete: bool) -> list[Finding]:
    """A weight or length "of" something that is no material ("420 g of just in there", "650 g of room")."""
    found: list[Finding] = []
    for quantity in lexicon.quantities(text):
        of = _OF.match(text, quantity.end)
        if of is None or quantity.dimension not in ("mass", "length"):
            continue
        stop = _PHRASE_END.search(text, of.end())
        if stop is None and not complete:
            continue  # the material may come next
        phrase = text[of.end() : stop.start() if stop else len(text)]
        if not lexicon.materials(" ".join(phrase.split()[:3])):
            end = of.end() + len(phrase.rstrip())
            found.append(
                Finding(
                    quantity.start,
                    end,
                    text[quantity.start : end],
                    f"a {quantity.dimension} of no material: {text[quantity.start : end]!r}",
                )
            )
    return found


def _in_expression(text: str, quantity: lexicon.Quantity, quantities: list[lexicon.Quantity]) -> bool:
    """Whether ``quantity`` is one number of an "A x B" expression in ``text``."""
    for other in quantities:
        between = text[min(quantity.end, other.end) : max(quantity.start, other.start)]
        if other is not quantity and _DIMENSION_SEP.fullmatch(between):
            return True
    return False


def _unknown_fragments(text: str, product: Product, known: frozenset[str]) -> list[Finding]:
    vocabulary = {w.lower() for w in _WORD.findall(_source(product))} | known
    vocabulary |= {part for w in vocabulary for part in w.split("-")} | {w.replace("-", "") for w in vocabulary}
    found: list[Finding] = []
    for sentence in _ONE_WORD_SENTENCE.finditer(text):
        for match in _WORD.finditer(text, sentence.start(1), sentence.end(1)):
            word = match.group().lower()
            if word not in vocabulary and not all(part in vocabulary for part in word.split("-")):
                found.append(
                    Finding(match.start(), match.end(), match.group(), f"{match.group()!r} is not in the product data")
                )
    return found


def _said_twice(text: str, product: Product) -> list[Finding]:
    facts = _facts_text(product)
    found: list[Finding] = []
    claimed: dict[str, int] = {}
    for term in lexicon.claims(text):
        claimed[term.canonical] = claimed.get(term.canonical, 0) + 1
        if claimed[term.canonical] > max(1, _count(lexicon.claims(facts), term.canonical)):
            found.append(
                Finding(
                    term.start, term.end, text[term.start : term.end], f"{text[term.start : term.end]!r} is said twice"
                )
            )
    counted: dict[float, int] = {}
    for quantity in _digits(text):
        counted[quantity.value] = counted.get(quantity.value, 0) + 1
        allowed = sum(math.isclose(k.value, quantity.value, rel_tol=1e-9) for k in _digits(facts))
        if counted[quantity.value] > max(1, allowed):
            span = text[quantity.start : quantity.end]
            found.append(Finding(quantity.start, quantity.end, span, f"{span!r} is said twice"))
    return found


# The attributes that say what a product or one of its parts is made of.
_MADE_OF = ("material", "upper", "sole", "handle", "blade")
# The attributes whose values a description says once: what it is made of, its colour, its features.
_SAID_ONCE = (*_MADE_OF, "colour", "features", "care")


def _fact_values(product: Product, *keys: str) -> list[str]:
    return [
        v.strip() for a in product.attributes if a.key.strip().lower() in keys for v in a.value.split(",") if v.strip()
    ]


def _values_twice(text: str, product: Product) -> list[Finding]:
    """A colour, material or feature said more often than the data gives it ("Pink. Dishwasher. Pink.")."""
    values = _fact_values(product, *_SAID_ONCE)
    found: list[Finding] = []
    for value in dict.fromkeys(v.lower() for v in values):
        pattern = re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])", re.IGNORECASE)
        # A value inside a longer one ("steel" in "stainless steel") is not said again.
        longer = [v for v in values if v.lower() != value and pattern.search(v)]
        hits = [m for m in pattern.finditer(text) if not any(_inside(text, m, v) for v in longer)]
        allowed = sum(v.lower() == value for v in values)
        for match in hits[allowed:]:
            found.append(Finding(match.start(), match.end(), match.group(), f"{match.group()!r} is said twice"))
    return found


def _wrong_parts(text: str, product: Product) -> list[Finding]:
    """A part's material put on another part ("a stainless steel handle" when the blade is steel and the
    handle micarta)."""
    parts = {a.key.strip().lower(): a.value.strip() for a in product.attributes if a.key.strip().lower() in _PARTS}
    found: list[Finding] = []
    for part, value in parts.items():
        others = [p for p in parts if p != part and value.lower() != parts[p].lower()]
        if not others:
            continue
        pattern = rf"(?<![\w-]){re.escape(value)}\s+({'|'.join(map(re.escape, others))})s?\b"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            found.append(
                Finding(
                    match.start(),
                    match.end(),
                    match.group(),
                    f"{match.group()!r}: the {part} is {value}, not the {match.group(1)}",
                )
            )
    return found


# The parts a product's attributes may name, each with its own material.
_PARTS = ("blade", "handle", "upper", "sole")


def _inside(text: str, match: re.Match[str], longer: str) -> bool:
    window = text[max(0, match.start() - len(longer)) : match.end() + len(longer)].lower()
    return longer.lower() in window


def _count(terms: Iterable[lexicon.Term], canonical: str) -> int:
    return sum(t.canonical == canonical for t in terms)


_LEADING_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@functools.cache
def _inflect() -> Any:
    import inflect  # on first use: the scorecard's phrasing check and the catalogue need it, serving start-up does not

    return inflect.engine()


@functools.lru_cache(maxsize=4096)
def indefinite_article(phrase: str) -> str:
    """ "a" or "an" before ``phrase``, by how it sounds: "an oak", "a one-piece", "an 18 cm", "a 15 cm".

    Example:
        >>> indefinite_article("18 cm blade"), indefinite_article("taped seam")
        ('an', 'a')
    """
    engine = _inflect()
    number = _LEADING_NUMBER.match(phrase.strip())
    # inflect reads words, not digits: "18" is said "eighteen".
    said = engine.number_to_words(number.group().replace(",", "")) if number else phrase.strip()
    return str(engine.a(str(said) or "x")).split(" ", 1)[0]


@functools.lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))
