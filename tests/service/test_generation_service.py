"""GenerationService against a real in-process gRPC server with a scripted model."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import grpc
import pytest

from docai.services.common.server import start_server
from docai.services.common.tenants import Caller, authenticate, create_tenant, issue_token
from docai.services.generation import grpc_api as generation_api
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.service import DescriptionService
from docai.services.models.backend import GenerationRequest
from docai.services.models.fake_backend import FakeTextGenerator
from docai.services.pb.generation.v1 import generation_service_pb2 as pb
from docai.services.pb.generation.v1 import generation_service_pb2_grpc as pb_grpc
from docai.services.storage.database import open_database

from .conftest import metadata, reason_of

GOOD = "Krus Mug. Stoneware, 350 ml. White. Dishwasher safe."
MUG = pb.Product(
    title="Krus Mug",
    category="mugs",
    attributes=[
        pb.ProductAttribute(key="material", value="stoneware"),
        pb.ProductAttribute(key="capacity", value="350 ml"),
        pb.ProductAttribute(key="colour", value="white"),
        pb.ProductAttribute(key="care", value="dishwasher safe"),
    ],
)


def answer(request: GenerationRequest) -> str:
    return "Krus Mug. Porcelain, 500 ml." if "Invented" in request.messages[-1]["content"] else GOOD


class Server:
    """The generation servicer on its own event loop in a thread, with a real tenant token."""

    def __init__(self, home: Path) -> None:
        self.db = open_database(f"sqlite:///{home / 'docai.db'}")
        create_tenant(self.db, tenant_id="shop")
        self.token = issue_token(self.db, tenant_id="shop")
        self.backend = FakeTextGenerator(answer)
        self.service = DescriptionService(
            backend=self.backend, brands=BrandBook.load(), feedback=FeedbackStore(home / "feedback")
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()

        async def auth(token: str | None, tenant: str | None) -> Caller:
            return await asyncio.to_thread(authenticate, self.db, token=token, as_tenant=tenant)

        registration = generation_api.registration(generation_api.GenerationServicer(service=self.service))
        self.server, port = self._call(start_server([registration], authenticate=auth, address="127.0.0.1:0"))
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = pb_grpc.GenerationServiceStub(self.channel)
        return self

    def __exit__(self, *exc: object) -> None:
        self.channel.close()
        self._call(self.server.stop(0.5))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.db.dispose()

    def _call(self, coroutine):  # noqa: ANN001, ANN202
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Server]:
    with Server(tmp_path) as server:
        yield server


def test_stream_sends_pieces_then_the_scorecard(running):
    responses = list(
        running.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/nordkraft", request_id="d-1"),
            metadata=metadata(running.token),
        )
    )
    kinds = [r.WhichOneof("content") for r in responses]
    assert kinds[-1] == "description" and set(kinds[:-1]) == {"text_delta"} and len(kinds) > 3
    final = responses[-1].description
    assert "".join(r.text_delta for r in responses[:-1]).strip() == final.text == GOOD
    assert final.name == "brands/nordkraft/descriptions/d-1"
    assert final.scorecard.passed and final.scorecard.grounded and final.adapter == ""


def test_ungrounded_text_is_flagged_in_the_final_message(running):
    product = pb.Product(title="Invented Mug", attributes=MUG.attributes)
    final = list(
        running.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=product, brand="brands/nordkraft"), metadata=metadata(running.token)
        )
    )[-1].description
    assert not final.scorecard.passed and not final.scorecard.grounded
    flagged = {(v.kind, v.span) for v in final.scorecard.violations}
    assert (pb.VIOLATION_KIND_UNGROUNDED_NUMBER, "500 ml") in flagged
    assert (pb.VIOLATION_KIND_UNGROUNDED_MATERIAL, "Porcelain") in flagged


def test_adapter_is_named_when_loaded(running, tmp_path):
    running.backend.load_adapter("brand-sunny-days", tmp_path)
    brand = running.stub.GetBrand(pb.GetBrandRequest(name="brands/sunny-days"), metadata=metadata(running.token)).brand
    assert brand.adapter == "brand-sunny-days" and brand.example_count >= 8
    final = list(
        running.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/sunny-days"), metadata=metadata(running.token)
        )
    )[-1].description
    assert final.adapter == "brand-sunny-days"


def test_unknown_brand_is_not_found(running):
    with pytest.raises(grpc.RpcError) as error:
        list(
            running.stub.GenerateDescription(
                pb.GenerateDescriptionRequest(product=MUG, brand="brands/nope"), metadata=metadata(running.token)
            )
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert reason_of(error.value) == "BRAND_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as get:
        running.stub.GetBrand(pb.GetBrandRequest(name="brands/nope"), metadata=metadata(running.token))
    assert get.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(get.value) == "BRAND_NOT_FOUND"


def test_empty_product_is_invalid(running):
    with pytest.raises(grpc.RpcError) as error:
        list(
            running.stub.GenerateDescription(
                pb.GenerateDescriptionRequest(product=pb.Product(), brand="brands/nordkraft"),
                metadata=metadata(running.token),
            )
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(error.value) == "EMPTY_PRODUCT"
    assert running.backend.requests == []


def test_unauthenticated_calls_are_refused(running):
    with pytest.raises(grpc.RpcError) as error:
        running.stub.ListBrands(pb.ListBrandsRequest())
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_huge_raw_text_is_truncated_not_an_error(running):
    product = pb.Product(title="Krus Mug", attributes=MUG.attributes, raw_text="buy now " + "x" * 2_000_000)
    final = list(
        running.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=product, brand="brands/nordkraft"), metadata=metadata(running.token)
        )
    )[-1].description
    assert final.scorecard.input_truncated and final.raw_text_chars_received > 2_000_000
    assert 0 < final.raw_text_chars_used <= 2000


def test_batch_reports_each_item(running):
    response = running.stub.BatchGenerateDescriptions(
        pb.BatchGenerateDescriptionsRequest(
            brand="brands/nordkraft", products=[MUG, pb.Product(), pb.Product(title="Invented Mug")], request_id="b"
        ),
        metadata=metadata(running.token),
    )
    states = [r.state for r in response.results]
    assert states == [pb.BATCH_ITEM_STATE_SUCCEEDED, pb.BATCH_ITEM_STATE_FAILED, pb.BATCH_ITEM_STATE_FLAGGED]
    assert response.results[1].error_reason == "EMPTY_PRODUCT"
    with pytest.raises(grpc.RpcError) as error:
        running.stub.BatchGenerateDescriptions(
            pb.BatchGenerateDescriptionsRequest(brand="brands/nordkraft", products=[MUG] * 101),
            metadata=metadata(running.token),
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and reason_of(error.value) == "INVALID_BATCH_SIZE"


def test_feedback_is_idempotent_and_stored(running, tmp_path):
    final = list(
        running.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/nordkraft", request_id="d-9"),
            metadata=metadata(running.token),
        )
    )[-1].description
    request = pb.SubmitFeedbackRequest(
        description=final.name,
        verdict=pb.FEEDBACK_VERDICT_EDITED,
        edited_text="Krus Mug. Stoneware, 350 ml, white.",
        request_id="fb-1",
    )
    first = running.stub.SubmitFeedback(request, metadata=metadata(running.token)).feedback
    again = running.stub.SubmitFeedback(request, metadata=metadata(running.token)).feedback
    assert first == again and first.name.startswith("brands/nordkraft/feedback/")
    assert first.edited_scorecard.passed
    lines = (tmp_path / "feedback" / "nordkraft.jsonl").read_text().splitlines()
    assert len(lines) == 1 and '"request_id":"fb-1"' in lines[0]

    request.verdict = pb.FEEDBACK_VERDICT_REJECTED
    with pytest.raises(grpc.RpcError) as reused:
        running.stub.SubmitFeedback(request, metadata=metadata(running.token))
    assert reused.value.code() == grpc.StatusCode.ALREADY_EXISTS and reason_of(reused.value) == "REQUEST_ID_REUSED"
    with pytest.raises(grpc.RpcError) as unknown:
        running.stub.SubmitFeedback(
            pb.SubmitFeedbackRequest(
                description="brands/nope/descriptions/x", verdict=pb.FEEDBACK_VERDICT_ACCEPTED, request_id="fb-2"
            ),
            metadata=metadata(running.token),
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(unknown.value) == "BRAND_NOT_FOUND"


def test_list_brands_pages(running):
    first = running.stub.ListBrands(pb.ListBrandsRequest(page_size=1), metadata=metadata(running.token))
    second = running.stub.ListBrands(
        pb.ListBrandsRequest(page_size=1, page_token=first.next_page_token), metadata=metadata(running.token)
    )
    assert [b.name for b in [*first.brands, *second.brands]] == ["brands/nordkraft", "brands/sunny-days"]
    assert second.next_page_token == ""


def test_a_client_that_leaves_mid_stream_is_no_server_error(running, caplog):
    stream = running.stub.GenerateDescription(
        pb.GenerateDescriptionRequest(product=MUG, brand="brands/nordkraft"), metadata=metadata(running.token)
    )
    next(stream)  # the first piece, then the client goes away
    stream.cancel()
    again = list(
        running.stub.GenerateDescription(
            pb.GenerateDescriptionRequest(product=MUG, brand="brands/nordkraft"), metadata=metadata(running.token)
        )
    )
    assert again[-1].description.scorecard.passed
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
