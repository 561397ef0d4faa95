"""`docai train-synthetic` builds the data of the task it is asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.training.cli import _layout_indices, _synthetic_records
from docai.training.dataset import synthetic_examples
from docai.training.synthetic.layouts import LAYOUTS


def test_a_brand_task_trains_on_the_brand_catalogue(tmp_path: Path) -> None:
    records, dataset = _synthetic_records("brand-sunny-days", 20, seed=0, workers=1, work=tmp_path)
    assert dataset["train"] == len(records) == 18 and dataset["heldout"] == 2
    assert records[0]["prompt"][0]["role"] == "system" and "Sunny Days" in records[0]["prompt"][0]["content"]
    assert records[0]["completion"][0]["role"] == "assistant"


def test_extraction_trains_on_synthetic_invoices(tmp_path: Path) -> None:
    records, dataset = _synthetic_records("extraction", 4, seed=0, workers=1, work=tmp_path)
    assert dataset["synthetic_seeds"] == "0..3" and len(records) == dataset["train"] >= 1
    assert '"invoice_number"' in records[0]["completion"][0]["content"]


def test_layouts_are_cycled_by_name_and_weighted_by_repetition(tmp_path: Path) -> None:
    layouts = _layout_indices("e_invoice_view, classic,e_invoice_view")
    assert [LAYOUTS[i].name for i in layouts] == ["e_invoice_view", "classic", "e_invoice_view"]
    examples = synthetic_examples(3, seed=5, layouts=layouts)
    assert [(e.source["seed"], e.source["layout"]) for e in examples] == list(zip((5, 6, 7), layouts))


def test_an_unknown_layout_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(SystemExit, match="classic"):
        _layout_indices("classic,no_such_layout")
