"""Feedback becomes data for brand adapters: the dataset, and the description gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from docai.schemas.product import Product, Scorecard, Violation
from docai.services.common.errors import InvalidArgumentError
from docai.services.generation.prompt import ADAPTER_FEW_SHOT, build_generation_messages
from docai.training.brand_data import (
    CATALOGUE_SEED_OFFSET,
    brand_dataset,
    catalogue_examples,
    product_key,
)
from docai.training.catalogue import heldout_catalogue
from docai.training.description_gate import GateProduct, compare_descriptions, run_description_gate
from docai.training.gate import GateReport
from docai.training.tasks import BrandTask, ExtractionTask, resolve
from tests.brand_fakes import ScriptedDescriptions, description_service


@pytest.fixture
def script() -> ScriptedDescriptions:
    return ScriptedDescriptions(count=12)


def test_task_names() -> None:
    assert resolve("extraction") == ExtractionTask()
    assert resolve("brand-sunny-days") == BrandTask("sunny-days")
    assert resolve("brand-sunny-days").name == "brand-sunny-days"
    for bad in ("summaries", "brand-", "Extraction"):
        with pytest.raises(InvalidArgumentError, match="extraction' or 'brand-<brand>") as raised:
            resolve(bad)
        assert raised.value.reason == "UNKNOWN_TASK"
        assert raised.value.message == f"task must be 'extraction' or 'brand-<brand>', not {bad!r}"


def _feedback(service, product: Product, name: str, verdict: str, *, tenant: str = "shop", **texts: str):
    return service.submit_feedback(
        tenant_id=tenant,
        description=f"brands/nordkraft/descriptions/{name}",
        verdict=verdict,
        request_id=f"f-{name}",
        product=product,
        **texts,
    )


def test_accepted_and_edited_feedback_becomes_a_dataset_split_by_product(
    tmp_path: Path, script: ScriptedDescriptions
) -> None:
    service, _ = description_service(tmp_path, script)
    p = script.products
    clean, invented = script.text, (lambda product: script.text(product, invented=True))
    for i, product in enumerate([p[0], p[0], p[2], p[3], p[4], p[5]]):  # d0 and d1 describe the same product
        _feedback(service, product, f"d{i}", "accepted", generated_text=clean(product))
    _feedback(service, p[6], "d6", "edited", generated_text=invented(p[6]), edited_text=clean(p[6]))
    _feedback(service, p[7], "d7", "edited", generated_text=invented(p[7]), edited_text=clean(p[7]) + " Built to last.")
    _feedback(service, p[8], "d8", "rejected", generated_text=clean(p[8]))
    _feedback(service, p[9], "d9", "accepted", generated_text=invented(p[9]))  # fails the scorecard
    _feedback(service, p[10], "d10", "edited", generated_text=clean(p[10]), edited_text=invented(p[10]))
    _feedback(service, p[11], "d11", "accepted", tenant="other", generated_text=clean(p[11]))

    build = brand_dataset(service, "nordkraft", tenant_id="shop", seed=1)

    kept = build.train + build.heldout
    names = sorted(e.source["description"] for e in kept)
    assert names == [f"brands/nordkraft/descriptions/d{i}" for i in range(8)]
    assert {e.source["kind"] for e in kept} == {"feedback"} and {e.source["tenant"] for e in kept} == {"shop"}
    assert build.heldout and len(build.train) >= 5
    assert not {e.vendor for e in build.train} & {e.vendor for e in build.heldout}, "a held-out product was trained on"
    brand = service.get_brand("nordkraft")
    by_name = {e.source["description"]: e for e in kept}
    edited = by_name["brands/nordkraft/descriptions/d7"]
    assert edited.completion == [{"role": "assistant", "content": clean(p[7]) + " Built to last."}]
    assert edited.prompt == build_generation_messages(p[7], brand, few_shot=ADAPTER_FEW_SHOT)
    assert Product.model_validate(edited.truth["product"]) == p[7] and edited.truth["brand"] == "nordkraft"
    assert (
        by_name["brands/nordkraft/descriptions/d0"].vendor
        == by_name["brands/nordkraft/descriptions/d1"].vendor
        == product_key(p[0])
    )


def test_catalogue_examples_come_from_their_own_seed_namespace(tmp_path: Path, script: ScriptedDescriptions) -> None:
    service, _ = description_service(tmp_path, script)
    brand = service.get_brand("nordkraft")
    examples = catalogue_examples(brand, 20, seed=3)
    assert {e.source["seed"] for e in examples} == {CATALOGUE_SEED_OFFSET + 3}
    benchmark = {item.product.model_dump_json() for item in heldout_catalogue(200, seed=0)}
    assert not any(Product.model_validate(e.truth["product"]).model_dump_json() in benchmark for e in examples)
    build = brand_dataset(service, "nordkraft", tenant_id="nobody", synthetic=40)
    assert len(build.train) + len(build.heldout) == 40
    assert not {e.vendor for e in build.train} & {e.vendor for e in build.heldout}


def _products(script: ScriptedDescriptions, n: int = 6) -> list[GateProduct]:
    return [GateProduct(key=f"p{i}", product=product) for i, product in enumerate(script.products[:n])]


def test_gate_promotes_a_clean_voiced_challenger(tmp_path: Path, script: ScriptedDescriptions) -> None:
    service, backend = description_service(tmp_path, script)
    backend.load_adapter("brand-nordkraft@v0001", tmp_path)
    script.inventing = {None}  # no champion yet: the base model with the style prompt, which invents

    report = run_description_gate(
        service, brand_id="nordkraft", champion=None, challenger="brand-nordkraft@v0001", products=_products(script)
    )

    assert report.promote, report.reasons
    assert report.metric == "mean_score" and report.documents["total"] == 6
    assert report.champion["pass_rate"] == 0 and report.champion["grounding_violations_per_100"] == 100
    assert report.challenger["pass_rate"] == 1 and report.challenger["grounding_violations_per_100"] == 0
    assert report.bootstrap["ci_low"] > 0 and report.challenger["mean_score"] > 0.5
    assert report.summary().startswith("PROMOTE: description score 0.000 -> ")
    asked = [r for r in backend.requests if r.adapter == "brand-nordkraft@v0001"]
    assert len(asked) == 6 and all(r.guard is not None for r in asked), "the gate runs the guarded service path"
    base = [r for r in backend.requests if r.adapter is None]
    assert len(base) == 6 and len(base[0].messages) > len(asked[0].messages), (
        "the base model gets the few-shot style prompt"
    )


def test_gate_refuses_a_challenger_that_invents_facts(tmp_path: Path, script: ScriptedDescriptions) -> None:
    service, backend = description_service(tmp_path, script)
    for name in ("brand-nordkraft@v0001", "brand-nordkraft@v0002"):
        backend.load_adapter(name, tmp_path)
    script.inventing = {"brand-nordkraft@v0002"}

    report = run_description_gate(
        service,
        brand_id="nordkraft",
        champion="brand-nordkraft@v0001",
        challenger="brand-nordkraft@v0002",
        products=_products(script),
    )

    assert not report.promote
    assert [r.split(":")[0] for r in report.reasons] == ["NOT_BETTER", "MORE_INVENTED_FACTS"]
    assert report.summary().startswith("KEEP CHAMPION") and "invented facts per 100 0.0 -> 100.0" in report.summary()


def _card(*, voice: float, invented: int = 0) -> Scorecard:
    violations = tuple(Violation(kind="ungrounded_number", span="9 kg") for _ in range(invented))
    return Scorecard(
        passed=not invented,
        grounded=not invented,
        length_ok=True,
        word_count=8,
        char_count=40,
        violations=violations,
        voice_score=voice,
    )


def test_a_better_voice_does_not_buy_more_invented_facts() -> None:
    champion = {f"p{i}": _card(voice=0.3) for i in range(20)}
    challenger = {f"p{i}": _card(voice=0.9) for i in range(20)}
    challenger["p0"] = _card(voice=0.9, invented=1)
    report = compare_descriptions(champion, challenger)
    assert report.bootstrap["ci_low"] > 0, "the challenger scores better..."
    assert not report.promote and report.reasons[0].startswith("MORE_INVENTED_FACTS: "), "...but invents facts"
    assert compare_descriptions({}, {}).reasons[0].startswith("NO_DOCUMENTS")


def test_extraction_summary_is_unchanged() -> None:
    report = GateReport(
        promote=True,
        champion={"micro_f1": 0.5},
        challenger={"micro_f1": 0.7},
        bootstrap={"ci_low": 0.1, "ci_high": 0.3},
    )
    assert report.summary() == "PROMOTE: micro-F1 0.500 -> 0.700, 95% CI of the difference [+0.100, +0.300]"
