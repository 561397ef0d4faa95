"""The description benchmark on a scripted model: every mode, fair throughput runs, honest counts."""

from __future__ import annotations

from pathlib import Path

from docai.services.models.backend import GenerationRequest
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.bench.descriptions import BenchConfig, run_benchmark


def test_modes_and_throughput_runs_cover_the_same_requests(tmp_path: Path) -> None:
    def answer(request: GenerationRequest) -> str:
        return "Invented 999 kg." if request.adapter is None else "A plain grounded line."

    backend = FakeTextGenerator(answer)
    for brand in ("nordkraft", "sunny-days"):
        backend.load_adapter(f"brand-{brand}", tmp_path)
    report = run_benchmark(backend, config=BenchConfig(products=2, throughput_requests=2, voice_training_items=10))
    assert set(report["modes"]) == {"base+prompt", "base+prompt+guard", "adapter", "adapter+guard"}
    # The scripted base model invents a number in every description; the "adapter" never does.
    assert report["modes"]["base+prompt"]["all"]["grounding_violations_per_100"] == 100.0
    assert report["modes"]["adapter"]["all"]["grounding_violations_per_100"] == 0.0
    runs = report["throughput"]
    assert runs["brand_by_brand"]["requests"] == runs["interleaved"]["requests"] == 4
