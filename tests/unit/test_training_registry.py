"""The adapter registry: versions, atomic aliases, validation on promotion, shipped champion, hot swap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from docai.services.adapters.registry import AdapterRegistry, validate_adapter_dir
from docai.services.common.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from docai.services.models.fake_backend import FakeTextGenerator

BASE = "SmolLM2-135M-Instruct"


def make_adapter(path: Path, *, base: str = BASE, peft_type: str = "LORA", seed: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    config = {
        "peft_type": peft_type,
        "base_model_name_or_path": base,
        "r": 2,
        "lora_alpha": 4,
        "target_modules": ["q_proj"],
    }
    (path / "adapter_config.json").write_text(json.dumps(config))
    generator = torch.Generator().manual_seed(seed)
    save_file(
        {
            "base_model.model.layers.0.q_proj.lora_A.weight": torch.randn(2, 8, generator=generator),
            "base_model.model.layers.0.q_proj.lora_B.weight": torch.zeros(8, 2),
        },
        str(path / "adapter_model.safetensors"),
    )
    return path


@pytest.fixture
def registry(tmp_path: Path) -> AdapterRegistry:
    return AdapterRegistry(tmp_path / "adapters", base_model=BASE, shipped=None)


def test_register_promote_and_rollback_move_aliases_only(registry: AdapterRegistry, tmp_path: Path) -> None:
    first = registry.register("extraction", make_adapter(tmp_path / "a"), dataset_sha256="d1", metrics={"f1": 0.5})
    second = registry.register("extraction", make_adapter(tmp_path / "b", seed=1))
    assert (first.version, second.version) == ("v0000", "v0001")
    assert registry.aliases("extraction") == {}
    registry.promote("extraction", first.version)
    weights = (second.path / "adapter_model.safetensors").read_bytes()
    registry.promote("extraction", second.version)
    assert registry.aliases("extraction") == {"champion": "v0001", "previous": "v0000"}
    assert registry.get("extraction", "champion").aliases == ("champion",)
    assert registry.get("extraction", "previous").dataset_sha256 == "d1"
    assert registry.rollback("extraction").version == "v0000"
    assert registry.aliases("extraction") == {"champion": "v0000", "previous": "v0001"}
    assert (second.path / "adapter_model.safetensors").read_bytes() == weights
    assert not list((registry.root / "extraction").glob(".aliases.json.*")), "no temp files left behind"


def test_rollback_without_previous_is_refused(registry: AdapterRegistry, tmp_path: Path) -> None:
    registry.promote("extraction", registry.register("extraction", make_adapter(tmp_path / "a")).version)
    with pytest.raises(FailedPreconditionError) as raised:
        registry.rollback("extraction")
    assert raised.value.reason == "NO_PREVIOUS_ADAPTER"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: (p / "adapter_model.safetensors").unlink(), id="missing-weights"),
        pytest.param(lambda p: (p / "adapter_model.safetensors").write_bytes(b"\x10\x00garbage"), id="garbled-weights"),
        pytest.param(
            lambda p: (p / "adapter_model.safetensors").write_bytes(
                (p / "adapter_model.safetensors").read_bytes()[:-20]
            ),
            id="truncated",
        ),
        pytest.param(
            lambda p: (p / "adapter_config.json").write_text(
                json.dumps({"peft_type": "IA3", "base_model_name_or_path": BASE})
            ),
            id="not-lora",
        ),
        pytest.param(
            lambda p: (p / "adapter_config.json").write_text(
                json.dumps({"peft_type": "LORA", "base_model_name_or_path": "gpt2"})
            ),
            id="wrong-base",
        ),
        pytest.param(lambda p: (p / "adapter_config.json").write_text("{nope"), id="bad-config"),
    ],
)
def test_a_corrupted_adapter_is_never_promoted(registry: AdapterRegistry, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    good = registry.register("extraction", make_adapter(tmp_path / "good"))
    registry.promote("extraction", good.version)
    bad = registry.register("extraction", make_adapter(tmp_path / "bad", seed=2))
    damage(bad.path)
    with pytest.raises(FailedPreconditionError) as raised:
        registry.promote("extraction", bad.version)
    assert raised.value.reason == "ADAPTER_INVALID"
    assert registry.aliases("extraction") == {"champion": good.version}


def test_register_refuses_an_invalid_directory(registry: AdapterRegistry, tmp_path: Path) -> None:
    with pytest.raises(FailedPreconditionError, match="trained for 'gpt2'"):
        registry.register("extraction", make_adapter(tmp_path / "x", base="/models/gpt2"))
    assert registry.versions("extraction") == []


def test_shipped_adapter_becomes_the_first_champion(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    make_adapter(shipped / "extraction")
    (shipped / "extraction" / "docai_adapter.json").write_text(
        json.dumps({"metrics": {"heldout_micro_f1": 0.3}, "method": "qlora"})
    )
    registry = AdapterRegistry(tmp_path / "adapters", shipped=shipped)
    champion = registry.get("extraction", "champion")
    assert champion.version == "v0000" and champion.metrics == {"heldout_micro_f1": 0.3}
    assert champion.extra["source"] == "shipped"
    assert registry.tasks() == ["extraction"]
    assert len(AdapterRegistry(tmp_path / "adapters", shipped=shipped).versions("extraction")) == 1


def test_repository_ships_a_valid_extraction_adapter() -> None:
    shipped = Path(__file__).resolve().parents[2] / "adapters" / "extraction"
    if not shipped.is_dir():
        pytest.skip("no shipped adapter in this checkout")
    config = validate_adapter_dir(shipped, base_model=BASE)
    assert config["r"] <= 16
    assert (shipped / "adapter_model.safetensors").stat().st_size < 8 * 2**20


def test_load_into_and_activate_hot_swap_the_champion(registry: AdapterRegistry, tmp_path: Path) -> None:
    backend = FakeTextGenerator(lambda request: "{}")
    one = registry.register("extraction", make_adapter(tmp_path / "a"))
    two = registry.register("extraction", make_adapter(tmp_path / "b", seed=1))
    registry.promote("extraction", one.version)
    assert registry.activate(backend, "extraction") == "extraction@v0000"
    registry.promote("extraction", two.version)
    assert registry.activate(backend, "extraction") == "extraction@v0001"
    assert backend.adapter_paths["champion"] == two.path
    assert registry.load_into(backend, "extraction@v0000") == "extraction@v0000"
    assert registry.resolve("adapters/extraction/versions/champion").version == "v0001"


def test_unknown_versions_are_not_found(registry: AdapterRegistry) -> None:
    with pytest.raises(NotFoundError) as raised:
        registry.get("extraction", "v0042")
    assert raised.value.reason == "ADAPTER_NOT_FOUND"
    assert registry.activate(FakeTextGenerator(lambda r: "{}"), "extraction") is None


def test_each_tenant_promotes_and_rolls_back_its_own_champion(registry: AdapterRegistry, tmp_path: Path) -> None:
    shared = registry.register("extraction", make_adapter(tmp_path / "s"))
    registry.promote("extraction", shared.version)
    acme = registry.register(
        "extraction", make_adapter(tmp_path / "a", seed=1), extra={"owner": "acme", "tenant": "acme"}
    )
    assert acme.owner == "acme" and shared.owner == ""
    # Another tenant cannot see, promote or serve acme's version; the shared champion cannot become it.
    assert [v.version for v in registry.versions("extraction", tenant="globex")] == [shared.version]
    with pytest.raises(NotFoundError):
        registry.get("extraction", acme.version, tenant="globex")
    with pytest.raises(NotFoundError):
        registry.promote("extraction", acme.version, tenant="globex")
    with pytest.raises(FailedPreconditionError) as raised:
        registry.promote("extraction", acme.version)
    assert raised.value.reason == "ADAPTER_NOT_SHARED"

    registry.promote("extraction", acme.version, tenant="acme")
    assert registry.aliases("extraction", "acme") == {"champion": acme.version, "previous": shared.version}
    assert registry.aliases("extraction") == {"champion": shared.version}
    assert registry.champion("extraction", tenant="acme").version == acme.version
    assert registry.champion("extraction", tenant="globex").version == shared.version
    assert registry.get("extraction", acme.version, tenant="acme").aliases == ("champion",)
    with pytest.raises(FailedPreconditionError):
        registry.rollback("extraction", tenant="globex")  # globex has nothing of its own to roll back

    backend = FakeTextGenerator(lambda r: "{}")
    assert sorted(registry.activate_all(backend, "extraction")) == ["champion", "champion@acme"]
    assert backend.adapter_paths["champion@acme"] == acme.path and backend.adapter_paths["champion"] == shared.path
    assert registry.rollback("extraction", tenant="acme").version == shared.version
    assert registry.aliases("extraction", "acme") == {"champion": shared.version, "previous": acme.version}
    assert registry.aliases("extraction") == {"champion": shared.version}
    with pytest.raises(InvalidArgumentError):
        registry.aliases("extraction", "../../etc")
