"""Characters that make text read differently than it looks: zero-width marks and look-alike letters.

A zero-width space inside an IBAN or a vendor's name keeps it from matching the account or the
vendor on file without changing what a person sees; a Cyrillic "А" in "DE89" or in "ACME"
does the same, and turns a valid IBAN into one no checksum accepts. Text is therefore
normalised before it is read (:func:`clean_text`: NFKC, zero-width characters removed), and
words that mix Latin letters with Cyrillic or Greek look-alikes are found
(:func:`lookalike_words`) so that the invoice is flagged, never auto-approved.

Standard library only: the PDF sandbox imports this module to list the IBAN-like strings of a
document's first revision (:func:`iban_like`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "ZERO_WIDTH",
    "IbanLike",
    "clean_text",
    "iban_like",
    "lookalike_words",
    "skeleton",
    "strip_invisible",
]

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
"""Zero-width space, non-joiner and joiner, word joiner, byte-order mark (zero-width no-break
space) and soft hyphen: printed as nothing, yet part of the text."""
_DROP = dict.fromkeys(map(ord, ZERO_WIDTH))

# Cyrillic and Greek letters that look like a Latin letter in common fonts, with that letter.
_LOOKALIKE_PAIRS = (
    # Cyrillic capitals and small letters
    "АA ВB ЕE КK МM НH ОO РP СC ТT ХX УY ІI ЈJ ЅS ԚQ ԜW ҮY ѴV ӀI "
    "аa еe оo рp сc уy хx іi јj ѕs ԁd ԛq ԝw һh ӏl үy ѵv кk "
    # Greek capitals and small letters
    "ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX ϹC ϿC "
    "αa οo ιi κk νv ρp υu χx ϲc ϳj"
)
LOOKALIKES: dict[str, str] = {pair[0]: pair[1] for pair in _LOOKALIKE_PAIRS.split() if len(pair) == 2}
_SKELETON = {ord(k): v for k, v in LOOKALIKES.items()}
_WORD = re.compile(r"\w+")
# An IBAN's shape: country, check digits, then up to 30 letters and digits in groups of four.
_IBAN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])", re.ASCII
)


def strip_invisible(text: str) -> str:
    """``text`` without zero-width characters (:data:`ZERO_WIDTH`)."""
    return text.translate(_DROP) if not text.isascii() else text


def clean_text(text: str) -> str:
    """NFKC (ligatures, full-width and compatibility forms become plain letters and digits), then
    zero-width characters removed: what is read is what is printed."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_DROP)


def _script(ch: str) -> str:
    if ch.isascii():
        return "latin" if ch.isalpha() else ""
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script.lower()
    return "other"


def _foreign_digit(ch: str) -> bool:
    return not ch.isascii() and unicodedata.category(ch) == "Nd"


def lookalike_words(text: str) -> list[str]:
    """The words of ``text`` that a look-alike character makes read differently than they look.

    A word is flagged when it mixes Latin letters with Cyrillic or Greek look-alikes ("DЕ89",
    "Аcme"; not "μm", whose Greek letter shows as one), when it mixes ASCII with other decimal
    digits ("DE8٩"), or when, in a text that is otherwise Latin, it is spelt entirely in Cyrillic
    or Greek letters that all look Latin ("АСМЕ GmbH").
    A Greek or Cyrillic name on its own ("ΑΛΦΑ", "Иванов") is not flagged.
    """
    text = strip_invisible(text)
    flagged: list[str] = []
    lookalike_only: list[str] = []
    latin_elsewhere = False
    for match in _WORD.finditer(text):
        word = match.group(0)
        scripts = {_script(ch) for ch in word} - {""}
        if "latin" in scripts:
            latin_elsewhere = True
        foreign_digits = any(_foreign_digit(ch) for ch in word)
        if ("latin" in scripts and any(ch in LOOKALIKES for ch in word)) or (
            foreign_digits and any(ch.isascii() and ch.isalnum() for ch in word)
        ):
            flagged.append(word)
        elif scripts and scripts <= {"cyrillic", "greek"} and all(ch in LOOKALIKES for ch in word if ch.isalpha()):
            lookalike_only.append(word)
    if latin_elsewhere:
        flagged += lookalike_only
    return flagged


def skeleton(text: str) -> str:
    """``text`` with look-alike letters replaced by the Latin letter they imitate and other
    decimal digits by ASCII ones; one character for one, so offsets stay valid."""
    if text.isascii():
        return text
    mapped = text.translate(_SKELETON)
    return "".join(str(unicodedata.decimal(ch)) if _foreign_digit(ch) else ch for ch in mapped)


@dataclass(frozen=True, slots=True)
class IbanLike:
    """A string printed in an IBAN's shape, whether or not its checksum holds."""

    raw: str  # compact (no spaces) as printed, look-alike characters included
    value: str  # compact, with look-alike characters read as the Latin letters they imitate
    start: int  # in the text given to iban_like, after zero-width characters were removed
    end: int

    @property
    def lookalike(self) -> bool:
        """Printed with characters that only look like an IBAN's letters and digits."""
        return self.raw != self.value


def iban_like(text: str) -> list[IbanLike]:
    """Every string in ``text`` shaped like an IBAN (look-alike letters read as Latin), valid or not.

    Offsets refer to ``strip_invisible(text)``.
    """
    text = strip_invisible(text)
    shadow = skeleton(text)
    found = []
    for match in _IBAN_SHAPE.finditer(shadow):
        raw = text[match.start() : match.end()].replace(" ", "")
        found.append(IbanLike(raw=raw, value=match.group(0).replace(" ", ""), start=match.start(), end=match.end()))
    return found
