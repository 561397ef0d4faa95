"""Training records for the chooser: the reader's own questions about a document, answered from its truth.

The prompt is built by :mod:`docai.services.extraction.chooser` exactly as at inference, from
the candidates the reader gathers; the answer is the letter of the option equal to the true
value. Questions whose truth is not among the options are left out (the model cannot be
taught to pick a value the page does not offer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from docai.schemas.parsed import ParsedDocument
from docai.services.extraction.chooser import LETTERS, answer_text, build_messages, questions
from docai.services.extraction.reader import gather
from docai.training.scoring import values_equal


@dataclass(frozen=True)
class ChoiceExample:
    """The reader's questions about one document with their true letters.

    Attributes:
        prompt: The chooser's messages, exactly as at inference.
        completion: The answer as one assistant message (``{"vendor_name":"B",...}``).
        choices: Each asked field's option values in letter order (to score an answer).
        truth: Each asked field's true value.
    """

    prompt: list[dict[str, str]]
    completion: list[dict[str, str]]
    choices: dict[str, list[str]]
    truth: dict[str, Any]


def choice_example(document: ParsedDocument, truth: Mapping[str, Any]) -> ChoiceExample | None:
    """The example of `document`, or None when no question has its answer among the options."""
    layout, candidates = gather(document)
    asked, answers = [], {}
    for question in questions(candidates.by_field):
        expected = truth.get(question.field)
        if expected is None:
            continue
        for i, option in enumerate(question.options):
            if values_equal(option.value, expected, field=question.field):
                asked.append(question)
                answers[question.field] = LETTERS[i]
                break
    if not asked:
        return None
    return ChoiceExample(
        prompt=build_messages(layout, asked),
        completion=[{"role": "assistant", "content": answer_text(answers)}],
        choices={q.field: [o.value for o in q.options] for q in asked},
        truth={q.field: truth[q.field] for q in asked},
    )


def choice_record(document: ParsedDocument, truth: Mapping[str, Any], **meta: Any) -> dict[str, Any] | None:
    """One prompt-completion record (see :func:`choice_example`), with `meta` beside it."""
    example = choice_example(document, truth)
    if example is None:
        return None
    return {"prompt": example.prompt, "completion": example.completion, **meta}


def _synthetic_one(job: tuple[int, int | None]) -> dict[str, Any] | None:
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.training.synthetic import generate_invoice

    seed, layout = job
    invoice = generate_invoice(seed, layout=layout)
    return choice_record(
        parse_pdf(invoice.pdf), invoice.truth, seed=seed, layout=invoice.layout, language=invoice.language
    )


def synthetic_choice_records(
    seeds: Iterable[int], *, workers: int = 2, layouts: Sequence[int] = (), progress: bool = False
) -> list[dict[str, Any]]:
    """Records from synthetic invoices (parsed in worker processes); invoices with no question are skipped.

    ``layouts`` are cycled through, one per invoice (repeat one to weight it); empty: each
    vendor's own layout. ``progress`` shows a bar with an ETA on stderr when it is a terminal
    (the command line; the training service leaves it off).
    """
    from docai.services.common.progress_bar import progress_bar

    jobs = [(seed, layouts[i % len(layouts)] if layouts else None) for i, seed in enumerate(seeds)]
    show: dict[str, Any] = {} if progress else {"disable": True}
    if workers <= 1:
        made = [_synthetic_one(job) for job in progress_bar(jobs, desc="synthetic invoices", unit="invoice", **show)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            made = list(
                progress_bar(
                    pool.map(_synthetic_one, jobs, chunksize=8),
                    total=len(jobs),
                    desc="synthetic invoices",
                    unit="invoice",
                    **show,
                )
            )
    return [record for record in made if record is not None]
