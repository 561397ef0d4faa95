"""The before/after benchmark of issue 16 and its blind-read sheet."""

from __future__ import annotations

import json

from docai.services.generation.brands import BrandBook
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.bench.publishable import run, tally, write_sheet


def _backend() -> FakeTextGenerator:
    def handler(request):
        prompt = request.messages[-1]["content"]
        # "before" prompts have no required-facts line: answer them with a text that drops facts.
        if "Must mention" not in prompt:
            return "Coffee olla, sopre, sopre! You'll love it."
        return (
            "Hello! The item is fine. You'll love it." if request.adapter.startswith("brand-sunny") else "Item. Fine."
        )

    backend = FakeTextGenerator(handler)
    for brand in ("nordkraft", "sunny-days"):
        for system in ("before", "after"):
            backend.load_adapter(f"brand-{brand}@{system}", f"/nowhere/{brand}")
    return backend


def test_systems_use_their_own_adapter_and_prompt():
    backend = _backend()
    report = run(backend, brands=BrandBook.load(), products=2, systems=("before", "after"))
    rows = report["rows"]
    assert len(rows) == 2 * 2 * 2
    assert {r["adapter"] for r in rows if r["system"] == "before"} == {
        "brand-nordkraft@before",
        "brand-sunny-days@before",
    }
    assert {r["adapter"] for r in rows if r["system"] == "after"} == {"brand-nordkraft@after", "brand-sunny-days@after"}
    before = [r for r in rows if r["system"] == "before"]
    # The same (current) scorecard judges every system: the gibberish fails fluency.
    assert all(not r["passed"] and r["fluency_errors"] for r in before)
    figures = report["figures"]["before"]["all"]
    assert figures["descriptions"] == 4 and figures["fluency_failed"] == 1.0
    assert 0 <= figures["required_fact_recall"] < 1


def test_the_sheet_hides_the_system_and_the_key_brings_it_back(tmp_path):
    rows = [
        {
            "system": s,
            "item": f"i{i}",
            "brand": "nordkraft",
            "product": {"title": "T", "attributes": {}},
            "text": f"{s} {i}",
        }
        for s in ("before", "after", "after-stream")
        for i in range(3)
    ]
    write_sheet(rows, tmp_path / "sheet.json", tmp_path / "key.json")
    sheet = json.loads((tmp_path / "sheet.json").read_text())
    key = json.loads((tmp_path / "key.json").read_text())
    assert len(sheet) == 6  # after-stream left out: it repeats the after texts
    assert all("system" not in entry for entry in sheet)
    assert [e["text"] for e in sheet] != [r["text"] for r in rows if r["system"] != "after-stream"]  # shuffled
    judgments = [{"id": e["id"], "publishable": e["text"].startswith("after"), "reason": "x"} for e in sheet]
    shares = tally(judgments, key)
    assert shares["after"]["nordkraft"] == {"publishable": 3, "read": 3, "share": 1.0}
    assert shares["before"]["all"]["share"] == 0.0


def test_another_seed_takes_fresh_held_out_products(tmp_path):
    # Round 5 reads products nobody has looked at: another held-out seed namespace, none of seed 0's
    # (rounds 1-4 and the adapters' held-out split), none of the training catalogue's.
    from docai.training.catalogue import generate_catalogue, heldout_catalogue

    fresh = {i.product.model_dump_json() for i in heldout_catalogue(20, seed=5)}
    looked_at = {i.product.model_dump_json() for i in heldout_catalogue(40, seed=0)}
    trained = {i.product.model_dump_json() for i in generate_catalogue(400, seed=0)}
    assert len(fresh) == 20 and not fresh & looked_at and not fresh & trained
    report = run(_backend(), brands=BrandBook.load(), products=2, seed=5, systems=("after",))
    assert report["seed"] == 5
    assert {r["product"]["title"] for r in report["rows"]} == {i.product.title for i in heldout_catalogue(2, seed=5)}
