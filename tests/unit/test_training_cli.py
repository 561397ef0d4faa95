"""`docai train-synthetic` builds the data of the task it is asked for."""

from __future__ import annotations

from pathlib import Path

from docai.training.cli import _synthetic_records


def test_a_brand_task_trains_on_the_brand_catalogue(tmp_path: Path) -> None:
    records, dataset = _synthetic_records("brand-sunny-days", 20, seed=0, workers=1, work=tmp_path)
    assert dataset["train"] == len(records) == 18 and dataset["heldout"] == 2
    assert records[0]["prompt"][0]["role"] == "system" and "Sunny Days" in records[0]["prompt"][0]["content"]
    assert records[0]["completion"][0]["role"] == "assistant"


def test_extraction_trains_on_synthetic_invoices(tmp_path: Path) -> None:
    records, dataset = _synthetic_records("extraction", 4, seed=0, workers=1, work=tmp_path)
    assert dataset["synthetic_seeds"] == "0..3" and len(records) == dataset["train"] >= 1
    assert '"invoice_number"' in records[0]["completion"][0]["content"]
