"""Calibration: isotonic maps per field, ECE, the straight-through threshold, the JSON file, `docai calibrate`."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from docai.services.common.errors import InvalidArgumentError
from docai.services.common.settings import Settings
from docai.services.extraction.calibration import POOLED, Calibrator, load_calibrator
from docai.services.testing import answer_from_truth, scripted_backend
from docai.training.calibration import (
    CALIBRATION_SEEDS,
    calibrate_directory,
    expected_calibration_error,
    fit_calibrator,
    straight_through,
)
from docai.training.synthetic import write_corpus


def _over_confident(n: int, *, seed: int = 0) -> list[tuple[float, bool]]:
    """Says 0.85..1.0, right about half the time."""
    rng = random.Random(seed)
    return [(0.85 + 0.15 * rng.random(), rng.random() < 0.5) for _ in range(n)]


def test_isotonic_fit_maps_over_confident_scores_down_and_rare_fields_use_the_pooled_map():
    honest = [(c, random.Random(i).random() < c) for i, c in enumerate(x / 400 for x in range(400))]
    calibrator = fit_calibrator(
        {"iban": _over_confident(400), "currency": honest, "bic": _over_confident(10)}, min_support=50
    )
    assert set(calibrator.fields) == {"iban", "currency"} and calibrator.pooled is not None
    assert 0.35 < calibrator.apply("iban", 0.95) < 0.65  # says 0.95, right half the time
    raw_ece = expected_calibration_error(_over_confident(400))
    mapped = [(calibrator.apply("iban", c), ok) for c, ok in _over_confident(400, seed=1)]  # unseen sample
    assert raw_ece > 0.3 and expected_calibration_error(mapped) < 0.1
    # The map is monotone, clipped to [0, 1] and constant beyond the data.
    scores = [calibrator.apply("currency", x / 20) for x in range(21)]
    assert scores == sorted(scores) and 0.0 <= scores[0] and scores[-1] <= 1.0
    assert calibrator.apply("iban", 0.0) == calibrator.apply("iban", 0.5)
    # A field with 10 values, or none at all, goes through the pooled map.
    assert calibrator.apply("bic", 0.95) == calibrator.apply("vendor_name", 0.95) == calibrator.pooled(0.95)


def test_ece_is_near_zero_when_calibrated_and_large_when_biased():
    rng = random.Random(7)
    calibrated = [(c, rng.random() < c) for c in (rng.random() for _ in range(20000))]
    assert expected_calibration_error(calibrated) < 0.02
    biased = [(0.95, rng.random() < 0.5) for _ in range(2000)]
    assert expected_calibration_error(biased) == pytest.approx(0.45, abs=0.03)
    assert expected_calibration_error([]) == 0.0
    assert expected_calibration_error([(1.0, True), (0.0, False)]) == 0.0  # the end points land in bins


def _fields(*outcomes):
    return {f"f{i}": outcome for i, outcome in enumerate(outcomes)}


def test_straight_through_finds_the_lowest_threshold_that_keeps_the_precision():
    documents = {
        "a": _fields((0.99, True), (0.97, True)),
        "b": _fields((0.95, True), (0.96, True), (0.98, True)),
        "c": _fields((0.90, True), (0.93, False)),  # entering at 0.90 drops precision to 6/7
        "d": _fields(*[(0.80, True)] * 30),  # ...which 30 right fields at 0.80 lift back to 36/37
        "e": _fields((0.50, False)),
    }
    result = straight_through(documents, precision=0.97)
    assert result == {
        "threshold": 0.80,
        "rate": 0.8,
        "precision": 36 / 37,
        "straight_through": 4,
        "missed": 0,
        "documents": 5,
        "target": 0.97,
    }
    strict = straight_through(documents, precision=0.995)
    assert (strict["threshold"], strict["straight_through"], strict["precision"]) == (0.95, 2, 1.0)
    never = straight_through({"x": {"iban": (0.9, False)}}, precision=0.995)
    assert never["threshold"] is None and never["rate"] == 0.0 and never["precision"] is None
    # Documents with the same least confident field enter together.
    tie = straight_through([_fields((0.9, True)), _fields((0.9, False)), _fields((0.95, True))], precision=0.9)
    assert tie["threshold"] == 0.95 and tie["straight_through"] == 1


def test_straight_through_holds_back_a_missing_required_field_and_counts_other_missing_ones():
    documents = [
        {"invoice_number": (0.99, True), "purchase_order": (None, False)},  # optional field not read: goes through
        {"invoice_number": (None, False), "iban": (0.99, True)},  # required field not read: review
    ]
    result = straight_through(documents, required=("invoice_number",))
    assert (result["threshold"], result["rate"], result["precision"], result["missed"]) == (0.99, 0.5, 1.0, 1)
    assert straight_through(documents)["rate"] == 1.0  # nothing required: both go through


def test_save_load_round_trip_is_plain_json_and_a_missing_file_is_the_identity(tmp_path: Path):
    calibrator = fit_calibrator(
        {"iban": _over_confident(200), "total_gross": _over_confident(200, seed=3)}, meta={"seeds": "700000..700199"}
    )
    path = tmp_path / "calibration.json"
    calibrator.save(path)
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["meta"]["seeds"] == "700000..700199"
    assert set(data["fields"]) == {"iban", "total_gross"} and set(data[POOLED]) == {"x", "y", "support"}
    loaded = Calibrator.load(path)
    for raw in (0.0, 0.3, 0.86, 0.9, 0.97, 1.0):
        for name in ("iban", "total_gross", "vendor_name"):
            assert loaded.apply(name, raw) == pytest.approx(calibrator.apply(name, raw), abs=1e-5)
    assert Calibrator.load(tmp_path / "missing.json").is_identity
    assert Calibrator.identity().apply("iban", 0.42) == 0.42
    settings = Settings(home=tmp_path / "home", calibration_path=path)
    assert load_calibrator(settings).apply("iban", 0.9) == pytest.approx(calibrator.apply("iban", 0.9), abs=1e-5)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a docai calibration file"):
        Calibrator.load(tmp_path / "bad.json")


def test_apply_to_calibrates_a_copy_of_an_extraction():
    from docai.schemas.invoice import ExtractedField, Extraction, LineItem

    calibrator = fit_calibrator({"iban": _over_confident(200)})
    extraction = Extraction(
        fields={"iban": ExtractedField(value="DE89", confidence=0.95)},
        line_items=[LineItem(fields={"amount": ExtractedField(value="1.00", confidence=0.95)})],
    )
    calibrated = calibrator.apply_to(extraction)
    assert calibrated.fields["iban"].confidence < 0.7 and extraction.fields["iban"].confidence == 0.95
    assert calibrated.line_items[0].fields["amount"].confidence == pytest.approx(calibrator.pooled(0.95), abs=1e-4)


def test_calibrate_reads_held_out_invoices_and_writes_the_file(tmp_path: Path):
    data = tmp_path / "heldout"
    write_corpus(data, count=3, seed=CALIBRATION_SEEDS.start)
    truths = [json.loads(p.read_text()) for p in sorted(data.glob("*.json"))]

    def half_right(request):
        prompt = request.messages[-1]["content"]
        truth = next(t for t in truths if str(t["invoice_number"]) in prompt)
        answer = json.loads(answer_from_truth({k: v for k, v in truth.items() if not k.startswith("_")}))
        answer["invoice_date"] = "2001-01-01"  # confidently wrong, and not on the page
        return json.dumps(answer)

    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    out = tmp_path / "calibration.json"
    result = calibrate_directory(
        data=data,
        out=out,
        settings=settings,
        backend=scripted_backend(half_right),
        path="generative",
        min_support=3,
        report=tmp_path / "raw.json",
    )
    assert result["documents"] == 3 and "invoice_date" in result["fitted_fields"]
    assert json.loads((tmp_path / "raw.json").read_text())["documents"] == 3
    calibrator = Calibrator.load(out)
    assert calibrator.meta["seeds"] == f"{CALIBRATION_SEEDS.start}..{CALIBRATION_SEEDS.start + 2}"
    assert calibrator.apply("invoice_date", 0.4) == 0.0 and calibrator.apply("invoice_number", 1.0) == 1.0


def test_calibrate_refuses_the_dev_set_and_seeds_outside_the_held_out_range(tmp_path: Path):
    from docai.training.gate import DEV_SET

    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    fake = scripted_backend(lambda request: "{}")
    with pytest.raises(InvalidArgumentError, match="dev set"):
        calibrate_directory(data=DEV_SET, out=tmp_path / "c.json", settings=settings, backend=fake, path="generative")
    write_corpus(tmp_path / "trained", count=1, seed=12)
    with pytest.raises(InvalidArgumentError, match="seed 12"):
        calibrate_directory(data=tmp_path / "trained", out=tmp_path / "c.json", settings=settings, backend=fake)
    assert not (tmp_path / "c.json").exists()


def test_calibration_file_loads_without_scikit_learn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "c.json"
    fit_calibrator({"iban": _over_confident(100)}).save(path)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # importing it now fails
    assert 0.0 <= Calibrator.load(path).apply("iban", 0.9) < 0.8
