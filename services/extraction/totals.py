"""Choose the totals that agree with each other: net + tax = gross, and the amount due beside them.

Each amount on the page is a candidate for each total; its label is its own evidence. The
chosen assignment maximises that evidence plus a bonus when the arithmetic holds, so a
weakly labelled "Total" that equals net + tax beats a strongly labelled line subtotal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from docai.services.extraction.candidates import Candidate

ARITHMETIC_BONUS = 1.5  # net + tax = gross: three values that confirm each other
TOLERANCE = Decimal("0.011")
TOP_K = 8


@dataclass(slots=True)
class Totals:
    net: Candidate | None
    tax: Candidate | None
    gross: Candidate | None
    due: Candidate | None
    consistent: bool  # net + tax = gross holds with all three read from the page


def choose_totals(net: list[Candidate], tax: list[Candidate], gross: list[Candidate], due: list[Candidate]) -> Totals:
    """The best-supported (net, tax, gross) with the amount due; lists are sorted best first."""
    options_net = [None, *net[:TOP_K]]
    options_tax = [None, *tax[:TOP_K]]
    options_gross = [None, *gross[:TOP_K]]
    best: tuple[float, Totals] | None = None
    for n, t, g in product(options_net, options_tax, options_gross):
        if _same_place(n, g) or _same_place(t, g) or _same_place(n, t):
            continue
        score = sum(c.score for c in (n, t, g) if c is not None)
        consistent = False
        if n is not None and t is not None and g is not None:
            consistent = (
                abs(Decimal(n.value) + Decimal(t.value) - Decimal(g.value)) <= TOLERANCE and Decimal(g.value) != 0
            )
            if consistent:  # three unlabelled amounts can add up by chance (table rows): labels make it count
                score += ARITHMETIC_BONUS * (0.2 + 0.8 * sum(_labelled(c) for c in (n, t, g)) / 3)
            elif _labelled(n) and _labelled(t) and _labelled(g):
                score -= 0.5  # three labelled totals that disagree: one of them is misread
        elif n is not None and g is not None and Decimal(n.value) > Decimal(g.value) > 0:
            score -= 1.0  # the net cannot exceed the gross
        if best is None or score > best[0]:
            best = (score, Totals(n, t, g, None, consistent))
    totals = best[1] if best else Totals(None, None, None, None, False)
    totals.due = _due(due, totals)
    return totals


def _due(due: list[Candidate], totals: Totals) -> Candidate | None:
    """A labelled amount due; else the gross (nothing printed says part of it was paid)."""
    labelled = [c for c in due if _labelled(c)]
    if labelled:
        best = labelled[0]
        if totals.gross is not None:  # among equally strong labels, the one equal to the gross
            for c in labelled:
                if c.score >= best.score - 0.05 and c.value == totals.gross.value:
                    return c
        return best
    return totals.gross


def _labelled(c: Candidate | None) -> bool:
    return c is not None and c.anchored


def _same_place(a: Candidate | None, b: Candidate | None) -> bool:
    return a is not None and b is not None and a.page == b.page and a.box == b.box
