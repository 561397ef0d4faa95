"""The lanes on the real engine: a description's first piece arrives while an invoice is being read.

The default engine (ONNX Runtime, int8, the shipped adapters) reads an invoice with the
extraction adapter (the pipeline lane, ~1,000 prompt tokens, a JSON answer); a seller's
description (the interactive lane, a brand adapter) starts while it runs. Its first piece must
come long before the invoice is done, and the invoice's answer must be what it is alone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from docai.services.models.lanes import LaneScheduler

pytestmark = pytest.mark.model

CACHE = Path(__file__).resolve().parents[2] / "var" / "models"


@cache
def _engine() -> Any:
    from docai.services.models.base_model import ensure_base_model
    from docai.training.bench.engine import load_engine

    return load_engine("onnx-int8", model_dir=ensure_base_model(cache_dir=CACHE), cache_dir=CACHE)


def _requests() -> tuple[Any, Any]:
    from docai.training.bench.engine import _description_requests, _invoice_requests

    invoice = _invoice_requests(1, max_new_tokens=256)[0]  # its JSON ends after ~140 tokens
    description = replace(_description_requests(1, max_new_tokens=24, guarded=False)[0], lane="interactive")
    return invoice, description


def _first_piece_during_invoices(engine: Any, invoice: Any, description: Any, *, queue: int = 3) -> dict[str, Any]:
    """``queue`` invoices read at once (pipeline workers); the description asked for once the first is
    writing its JSON. Seconds to its first piece, and the invoices' answers."""
    out: dict[str, Any] = {"texts": [None] * queue}
    writing = threading.Event()
    started = time.perf_counter()

    def read(index: int) -> None:
        pieces = []
        for piece in engine.stream(invoice):
            pieces.append(piece)
            writing.set()
        out["texts"][index] = "".join(pieces)
        out["invoices_s"] = time.perf_counter() - started

    threads = [threading.Thread(target=read, args=(i,)) for i in range(queue)]
    for thread in threads:
        thread.start()
    assert writing.wait(120)
    asked = time.perf_counter()
    pieces = engine.stream(description)
    next(pieces)
    out["first_s"] = time.perf_counter() - asked
    out["first_at_s"] = time.perf_counter() - started
    out["rest"] = "".join(pieces)
    for thread in threads:
        thread.join(300)
    return out


def test_a_description_does_not_wait_for_the_invoice_queue() -> None:
    engine = _engine()
    engine.prefixes.budget_tokens = 0  # every prompt prefilled in full, as a cold start
    invoice, description = _requests()
    alone = engine.generate(invoice).text

    engine.engine = LaneScheduler(preempt=False)  # one first-come-first-served queue, as the single lock was
    queued = _first_piece_during_invoices(engine, invoice, description)
    engine.engine = LaneScheduler()
    lanes = _first_piece_during_invoices(engine, invoice, description)

    assert queued["texts"] == lanes["texts"] == [alone] * 3, "pausing an invoice changes nothing in its answer"
    assert lanes["first_at_s"] < lanes["invoices_s"], "the description started while the invoices were read"
    # In one queue the description waits for the rest of the first invoice and the two others; in its
    # lane for one pass of the first (a decoding step), then it prefills its own prompt.
    assert lanes["first_s"] < queued["first_s"] / 3, (lanes, queued)
