"""Sellers' own brands over gRPC: CreateBrand, UpdateBrand, DeleteBrand, per tenant, beside the read-only shipped ones.

A real in-process server with the generation and training servicers, a real database for the
brands, and a scripted model; tuning jobs use a fake trainer (a random LoRA) and the real gate.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from safetensors.numpy import save_file

from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.server import start_server
from docai.services.common.tenants import Caller
from docai.services.generation import grpc_api as generation_api
from docai.services.generation.brands import BrandBook, TenantBrands
from docai.services.generation.convert import product_to_pb
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.service import DescriptionService
from docai.services.models.backend import GenerationRequest
from docai.services.models.fake_backend import FakeTextGenerator
from docai.services.pb.generation.v1 import generation_service_pb2 as pb
from docai.services.pb.generation.v1 import generation_service_pb2_grpc as pb_grpc
from docai.services.pb.training.v1 import training_service_pb2 as tpb
from docai.services.pb.training.v1 import training_service_pb2_grpc as tpb_grpc
from docai.services.storage.database import open_database
from docai.services.tuning.grpc_api import TrainingServicer
from docai.services.tuning.grpc_api import registration as training_registration
from docai.training.jobs import JobManager
from tests.brand_fakes import ScriptedDescriptions

from .conftest import reason_of

SHOP = (("authorization", "Bearer shop"),)
GLOBEX = (("authorization", "Bearer globex"),)
OPERATOR = (("authorization", "Bearer operator"),)
CALLERS = {
    "shop": Caller(tenant_id="shop", scope="person", actor="ada@shop", role="admin"),
    "globex": Caller(tenant_id="globex", scope="person", actor="bo@globex", role="admin"),
    "operator": Caller(tenant_id="ops", scope="operator", actor="root"),
}

MUG = pb.Product(
    title="Krus Mug",
    category="mugs",
    attributes=[
        pb.ProductAttribute(key="material", value="stoneware"),
        pb.ProductAttribute(key="capacity", value="350 ml"),
        pb.ProductAttribute(key="origin", value="Made in Porto"),
    ],
)
# What the scripted model writes for a product that is not in the catalogue: a banned word of the
# tenant's brand ("zesty"), and no origin (a fact the tenant's brand requires).
ZESTY = "Krus Mug. Zesty stoneware mug, 350 ml."


def cafe_brand(**changes: Any) -> pb.Brand:
    brand = pb.Brand(
        display_name="Café Porto",
        voice="Warm and short. Mentions where things are made.",
        rules=["Open with the product name."],
        banned_words=["zesty", "epic"],
        banned_claims=["best coffee in town"],
        required_facts=["material", "origin"],
        target_words=12,
        examples=[
            pb.BrandExample(
                product=pb.Product(
                    title="Sol Cup", attributes=[pb.ProductAttribute(key="material", value="porcelain")]
                ),
                description="Sol Cup. Porcelain, made in Porto. For slow mornings.",
            )
        ],
    )
    for key, value in changes.items():
        if isinstance(value, list):
            del getattr(brand, key)[:]
            getattr(brand, key).extend(value)
        else:
            setattr(brand, key, value)
    return brand


def fake_train(spec: Any, train: Path, model_dir: Path, out_dir: Path, on_event: Any, register: Any) -> dict[str, Any]:
    """Writes a valid (random) LoRA adapter instead of training one; records the task it was asked for."""
    fake_train.tasks.append(spec.task)  # type: ignore[attr-defined]
    on_event({"step": 1, "total_steps": 1, "loss": 0.5, "eta_s": 0.0})
    out_dir.mkdir(parents=True, exist_ok=True)
    config = {"peft_type": "LORA", "base_model_name_or_path": "SmolLM2-135M-Instruct"}
    (out_dir / "adapter_config.json").write_text(json.dumps(config))
    save_file(
        {"base_model.model.q_proj.lora_A.weight": np.random.default_rng(0).random((2, 8), dtype=np.float32)},
        str(out_dir / "adapter_model.safetensors"),
    )
    return {"train_loss": 0.4, "seconds": 0.1, "steps": 1, "method": "lora"}


fake_train.tasks = []  # type: ignore[attr-defined]


@dataclass
class Suite:
    stub: pb_grpc.GenerationServiceStub
    training: tpb_grpc.TrainingServiceStub
    service: DescriptionService
    backend: FakeTextGenerator
    registry: AdapterRegistry
    script: ScriptedDescriptions


@pytest.fixture
def suite(tmp_path: Path) -> Iterator[Suite]:
    db = open_database(f"sqlite:///{tmp_path / 'docai.db'}")
    script = ScriptedDescriptions(count=12)

    def answer(request: GenerationRequest) -> str:
        return script(request) if request.messages[-1]["content"] in script.targets else ZESTY

    backend = FakeTextGenerator(answer)
    registry = AdapterRegistry(tmp_path / "adapters", shipped=None)
    service = DescriptionService(
        backend=backend,
        brands=BrandBook.load(),
        feedback=FeedbackStore(tmp_path / "feedback"),
        tenant_brands=TenantBrands(db),
        registry=registry,
    )
    jobs = JobManager(
        db=None,
        registry=registry,
        backend=backend,
        work_dir=tmp_path / "work",
        model_dir=lambda: tmp_path / "model",
        train_fn=fake_train,
        descriptions=service,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def auth(token: str | None, tenant: str | None) -> Caller:
        return CALLERS[token or ""]

    registrations = [
        generation_api.registration(generation_api.GenerationServicer(service=service)),
        training_registration(TrainingServicer(jobs=jobs, registry=registry, backend=backend)),
    ]
    server, port = asyncio.run_coroutine_threadsafe(
        start_server(registrations, authenticate=auth, address="127.0.0.1:0"), loop
    ).result(10)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Suite(
            pb_grpc.GenerationServiceStub(channel),
            tpb_grpc.TrainingServiceStub(channel),
            service,
            backend,
            registry,
            script,
        )
    finally:
        channel.close()
        asyncio.run_coroutine_threadsafe(server.stop(0), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        db.dispose()


def create(suite: Suite, brand_id: str = "cafe-porto", metadata: Any = SHOP, **changes: Any) -> pb.Brand:
    request = pb.CreateBrandRequest(brand_id=brand_id, brand=cafe_brand(**changes))
    return suite.stub.CreateBrand(request, metadata=metadata).brand


def error_of(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def names(suite: Suite, metadata: Any) -> list[str]:
    return [b.name for b in suite.stub.ListBrands(pb.ListBrandsRequest(), metadata=metadata).brands]


def test_create_get_list_update_delete(suite: Suite) -> None:
    created = create(suite)
    assert created.name == "brands/cafe-porto" and not created.read_only and created.etag
    assert list(created.banned_words) == ["zesty", "epic"] and created.example_count == 1
    assert created.create_time.seconds > 0 and created.adapter == ""

    got = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/cafe-porto"), metadata=SHOP).brand
    assert got == created
    listed = suite.stub.ListBrands(pb.ListBrandsRequest(), metadata=SHOP).brands
    assert [b.name for b in listed] == ["brands/cafe-porto", "brands/nordkraft", "brands/sunny-days"]
    assert [b.read_only for b in listed] == [False, True, True]

    # Only the masked field changes; the rest stays as it was.
    change = pb.Brand(name="brands/cafe-porto", voice="Warmer still.", display_name="ignored", etag=created.etag)
    updated = suite.stub.UpdateBrand(
        pb.UpdateBrandRequest(brand=change, update_mask=FieldMask(paths=["voice"])), metadata=SHOP
    ).brand
    assert updated.voice == "Warmer still." and updated.display_name == "Café Porto"
    assert updated.etag != created.etag and list(updated.banned_words) == ["zesty", "epic"]
    stale = error_of(
        lambda: suite.stub.UpdateBrand(
            pb.UpdateBrandRequest(brand=change, update_mask=FieldMask(paths=["voice"])), metadata=SHOP
        )
    )
    assert stale.code() == grpc.StatusCode.ABORTED and reason_of(stale) == "STALE_ETAG"

    # No mask: every field is replaced.
    whole = cafe_brand(name="brands/cafe-porto", banned_words=["loud"], display_name="Porto")
    replaced = suite.stub.UpdateBrand(pb.UpdateBrandRequest(brand=whole), metadata=SHOP).brand
    assert list(replaced.banned_words) == ["loud"] and replaced.display_name == "Porto"

    suite.stub.DeleteBrand(pb.DeleteBrandRequest(name="brands/cafe-porto", etag=replaced.etag), metadata=SHOP)
    gone = error_of(lambda: suite.stub.GetBrand(pb.GetBrandRequest(name="brands/cafe-porto"), metadata=SHOP))
    assert gone.code() == grpc.StatusCode.NOT_FOUND and reason_of(gone) == "BRAND_NOT_FOUND"
    assert names(suite, SHOP) == ["brands/nordkraft", "brands/sunny-days"]
    again = error_of(lambda: suite.stub.DeleteBrand(pb.DeleteBrandRequest(name="brands/cafe-porto"), metadata=SHOP))
    assert again.code() == grpc.StatusCode.NOT_FOUND


def test_a_tenants_brand_is_its_own(suite: Suite) -> None:
    create(suite)
    assert names(suite, GLOBEX) == ["brands/nordkraft", "brands/sunny-days"]
    for call in (
        lambda: suite.stub.GetBrand(pb.GetBrandRequest(name="brands/cafe-porto"), metadata=GLOBEX),
        lambda: suite.stub.UpdateBrand(
            pb.UpdateBrandRequest(brand=cafe_brand(name="brands/cafe-porto")), metadata=GLOBEX
        ),
        lambda: suite.stub.DeleteBrand(pb.DeleteBrandRequest(name="brands/cafe-porto"), metadata=GLOBEX),
        lambda: list(
            suite.stub.GenerateDescription(
                pb.GenerateDescriptionRequest(product=MUG, brand="brands/cafe-porto"), metadata=GLOBEX
            )
        ),
    ):
        error = error_of(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND and reason_of(error) == "BRAND_NOT_FOUND"
    # The same id is free in another tenant, and the two brands stay apart.
    theirs = create(suite, metadata=GLOBEX, display_name="Globex Porto")
    assert theirs.name == "brands/cafe-porto"
    mine = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/cafe-porto"), metadata=SHOP).brand
    assert mine.display_name == "Café Porto"
    taken = error_of(lambda: create(suite))
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS and reason_of(taken) == "BRAND_EXISTS"


def test_shipped_brands_are_read_only(suite: Suite) -> None:
    shipped = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/nordkraft"), metadata=SHOP).brand
    assert shipped.read_only and shipped.etag == "" and not shipped.HasField("create_time")
    assert len(shipped.examples) == shipped.example_count > 0
    for call in (
        lambda: suite.stub.UpdateBrand(pb.UpdateBrandRequest(brand=cafe_brand(name="brands/nordkraft")), metadata=SHOP),
        lambda: suite.stub.DeleteBrand(pb.DeleteBrandRequest(name="brands/nordkraft"), metadata=SHOP),
    ):
        error = error_of(call)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED and reason_of(error) == "BRAND_READ_ONLY"
    taken = error_of(lambda: create(suite, brand_id="nordkraft"))
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS and reason_of(taken) == "BRAND_EXISTS"
    after = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/nordkraft"), metadata=SHOP).brand
    assert after == shipped


@pytest.mark.parametrize(
    ("brand_id", "changes", "reason"),
    [
        ("", {}, "MISSING_FIELD"),
        ("Cafe_Porto", {}, "INVALID_BRAND_ID"),
        ("x", {}, "INVALID_BRAND_ID"),
        ("cafe-porto", {"display_name": ""}, "MISSING_FIELD"),
        ("cafe-porto", {"voice": "   "}, "MISSING_FIELD"),
        ("cafe-porto", {"voice": "v" * 2001}, "FIELD_TOO_LONG"),
        ("cafe-porto", {"banned_words": ["ok", " "]}, "EMPTY_ITEM"),
        ("cafe-porto", {"banned_words": [f"w{i}" for i in range(201)]}, "TOO_MANY_ITEMS"),
        ("cafe-porto", {"required_facts": ["material!"]}, "INVALID_FACT_KEY"),
        ("cafe-porto", {"target_words": 1000}, "INVALID_TARGET"),
        ("cafe-porto", {"min_exclamations": 3, "max_exclamations": 1}, "INVALID_STYLE"),
        ("cafe-porto", {"banned_words": ["slow"]}, "INVALID_EXAMPLE"),  # the example says "slow mornings"
        ("cafe-porto", {"examples": [pb.BrandExample(product=pb.Product(title="Cup"))]}, "INVALID_EXAMPLE"),
    ],
)
def test_invalid_brands_are_refused_with_a_reason(
    suite: Suite, brand_id: str, changes: dict[str, Any], reason: str
) -> None:
    error = error_of(lambda: create(suite, brand_id=brand_id, **changes))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and reason_of(error) == reason
    assert names(suite, SHOP) == ["brands/nordkraft", "brands/sunny-days"], "nothing was stored"


def test_an_update_is_validated_too(suite: Suite) -> None:
    create(suite)
    for mask, brand, reason in (
        (["voice", "colour"], pb.Brand(name="brands/cafe-porto", voice="x"), "INVALID_UPDATE_MASK"),
        (["voice"], pb.Brand(name="brands/cafe-porto"), "MISSING_FIELD"),
        (["banned_words"], pb.Brand(name="brands/cafe-porto", banned_words=["porto"]), "INVALID_EXAMPLE"),
        ([], pb.Brand(name="cafe-porto"), "INVALID_NAME"),
    ):
        request = pb.UpdateBrandRequest(brand=brand, update_mask=FieldMask(paths=mask))
        error = error_of(lambda: suite.stub.UpdateBrand(request, metadata=SHOP))  # noqa: B023
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and reason_of(error) == reason, mask


def test_a_description_for_the_new_brand_follows_its_rules(suite: Suite) -> None:
    create(suite)
    responses = list(
        suite.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/cafe-porto", request_id="d-1"), metadata=SHOP
        )
    )
    final = responses[-1].description
    assert final.name == "brands/cafe-porto/descriptions/d-1" and final.text == ZESTY

    # The model was asked in the brand's voice, with its rules, and its guard rejects the banned word.
    request = suite.backend.requests[-1]
    system = request.messages[0]["content"]
    assert "Warm and short." in system and "zesty" in system and "best coffee in town" in system
    assert request.lane == "interactive"
    assert any(ZESTY[start:end].lower() == "zesty" for start, end in request.guard(ZESTY))

    # The scorecard holds the text to the brand's banned words and required facts.
    kinds = {(v.kind, v.span) for v in final.scorecard.violations}
    assert (pb.VIOLATION_KIND_BANNED_WORD, "Zesty") in kinds
    assert (pb.VIOLATION_KIND_MISSING_FACT, "origin") in kinds
    assert not final.scorecard.passed

    # The shipped brand's rules are not the tenant's: the same text breaks neither there.
    shipped = list(
        suite.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/nordkraft"), metadata=SHOP
        )
    )[-1].description
    shipped_kinds = {v.kind for v in shipped.scorecard.violations}
    assert pb.VIOLATION_KIND_BANNED_WORD not in shipped_kinds

    # An update takes effect on the next description.
    change = pb.Brand(name="brands/cafe-porto", banned_words=["epic"], required_facts=["material"])
    suite.stub.UpdateBrand(
        pb.UpdateBrandRequest(brand=change, update_mask=FieldMask(paths=["banned_words", "required_facts"])),
        metadata=SHOP,
    )
    again = list(
        suite.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/cafe-porto"), metadata=SHOP
        )
    )[-1].description
    assert {v.kind for v in again.scorecard.violations}.isdisjoint(
        {pb.VIOLATION_KIND_BANNED_WORD, pb.VIOLATION_KIND_MISSING_FACT}
    )


def _train(suite: Suite, task: str, request_id: str, metadata: Any = SHOP) -> tpb.TuningJob:
    config = tpb.TuningJobConfig(auto_promote=True)
    job = suite.training.CreateTuningJob(
        tpb.CreateTuningJobRequest(task=task, request_id=request_id, config=config), metadata=metadata
    ).tuning_job
    for update in suite.training.WatchTuningJob(
        tpb.WatchTuningJobRequest(name=job.name), metadata=metadata, timeout=60
    ):
        job = update.tuning_job
    return job


def test_a_tenant_brand_trains_an_adapter_served_to_its_tenant_only(suite: Suite) -> None:
    # The tenant's brand copies nordkraft's rules and examples, so the catalogue's nordkraft texts
    # are what its sellers published.
    nordkraft = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/nordkraft"), metadata=SHOP).brand
    brand = pb.Brand()
    brand.CopyFrom(nordkraft)
    brand.display_name = "Fjord Gear"
    suite.stub.CreateBrand(pb.CreateBrandRequest(brand_id="fjord-gear", brand=brand), metadata=SHOP)
    for i, product in enumerate(suite.script.products):  # 12 published texts: 10 train, 2 held out
        suite.stub.SubmitFeedback(
            pb.SubmitFeedbackRequest(
                description=f"brands/fjord-gear/descriptions/d{i}",
                verdict=pb.FEEDBACK_VERDICT_ACCEPTED,
                request_id=f"f{i}",
                product=product_to_pb(product),
                generated_text=suite.script.text(product),
            ),
            metadata=SHOP,
        )
    suite.script.inventing = {None}  # the base model invents facts; the tuned adapter does not

    fake_train.tasks.clear()  # type: ignore[attr-defined]
    job = _train(suite, "brand-fjord-gear", "t1")

    assert job.state == tpb.TUNING_JOB_STATE_SUCCEEDED, job.error.message
    assert fake_train.tasks == ["brand-fjord-gear"]  # type: ignore[attr-defined]
    assert job.promoted and job.gate_summary.startswith("PROMOTE"), job.gate_summary
    assert job.metrics["dataset"]["train"] == 10 and job.metrics["dataset"]["heldout"] == 2
    assert suite.registry.aliases("brand-fjord-gear", "shop") == {"champion": "v0000"}
    assert suite.registry.aliases("brand-fjord-gear") == {}, "nothing shared"
    assert "brand-fjord-gear@shop" in suite.backend.adapters() and "brand-fjord-gear" not in suite.backend.adapters()
    served = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/fjord-gear"), metadata=SHOP).brand
    assert served.adapter == "brand-fjord-gear@shop"
    final = list(
        suite.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=product_to_pb(suite.script.products[0]), brand="brands/fjord-gear"),
            metadata=SHOP,
        )
    )[-1].description
    assert final.adapter == "brand-fjord-gear@shop" and final.scorecard.passed

    # Another tenant cannot train it (it does not see it), nor can the operator as a shared adapter.
    error = error_of(lambda: _train(suite, "brand-fjord-gear", "t2", metadata=GLOBEX))
    assert error.code() == grpc.StatusCode.NOT_FOUND and reason_of(error) == "BRAND_NOT_FOUND"
    create(suite, brand_id="fjord-gear", metadata=GLOBEX)  # globex's own brand of the same id
    theirs = suite.stub.GetBrand(pb.GetBrandRequest(name="brands/fjord-gear"), metadata=GLOBEX).brand
    assert theirs.adapter == "", "shop's adapter is never globex's"
    suite.stub.DeleteBrand(pb.DeleteBrandRequest(name="brands/fjord-gear"), metadata=GLOBEX)

    # Deleting the brand stops serving its adapter; its versions stay in the registry.
    suite.stub.DeleteBrand(pb.DeleteBrandRequest(name="brands/fjord-gear"), metadata=SHOP)
    assert "brand-fjord-gear@shop" not in suite.backend.adapters()
    assert suite.registry.aliases("brand-fjord-gear", "shop") == {}
    assert [v.version for v in suite.registry.versions("brand-fjord-gear", tenant="shop")] == ["v0000"]


def test_the_operator_cannot_train_a_tenants_brand_as_a_shared_adapter(suite: Suite) -> None:
    suite.service.tenant_brands.create("ops", BrandBook.load().get("nordkraft").model_copy(update={"id": "ops-brand"}))
    error = error_of(lambda: _train(suite, "brand-ops-brand", "o1", metadata=OPERATOR))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(error) == "TENANT_BRAND_NOT_SHARED"
