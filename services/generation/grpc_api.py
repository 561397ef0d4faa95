"""GenerationService over gRPC: translation only, the work is in :mod:`.service`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import grpc

from docai.schemas.product import Description
from docai.services.common import paging
from docai.services.common.names import parse_name
from docai.services.common.server import caller
from docai.services.generation.brands import StoredBrand
from docai.services.generation.convert import (
    batch_item_to_pb,
    brand_fields_from_pb,
    brand_to_pb,
    description_to_pb,
    feedback_to_pb,
    product_from_pb,
    verdict_from_pb,
)
from docai.services.generation.service import DescriptionService
from docai.services.pb.generation.v1 import generation_service_pb2 as pb
from docai.services.pb.generation.v1 import generation_service_pb2_grpc as pb_grpc

_DONE = object()
T = TypeVar("T")


async def _in_thread(make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Run a blocking generator in its own thread and hand its items to the event loop.

    A thread per stream, not the shared executor: the model backend may hold its lock
    between pieces, and streams waiting for that lock must not starve the executor thread
    the lock holder needs for its next piece. When the consumer stops (client hung up), the
    generator is closed after its next piece, so the model is released.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[object, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def put(item: object, error: BaseException | None = None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (item, error))
        except RuntimeError:  # the loop is gone: nobody is listening any more
            stop.set()

    def produce() -> None:
        try:
            iterator = make()
            try:
                for item in iterator:
                    put(item)
                    if stop.is_set():
                        break
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer, mapped by the interceptor
            put(_DONE, exc)

    threading.Thread(target=produce, name="generation-stream", daemon=True).start()
    try:
        while True:
            item, error = await queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()


class GenerationServicer(pb_grpc.GenerationServiceServicer):
    def __init__(self, *, service: DescriptionService) -> None:
        self.service = service

    async def GenerateDescription(
        self, request: pb.GenerateDescriptionRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.GenerateDescriptionResponse]:
        tenant = caller().tenant_id
        brand_id = parse_name(request.brand, collection="brands")
        prepared = await asyncio.to_thread(
            self.service.prepare,
            product_from_pb(request.product),
            brand_id=brand_id,
            request_id=request.request_id,
            tenant_id=tenant,
        )
        async for item in _in_thread(lambda: self.service.run(prepared, tenant_id=tenant)):
            if isinstance(item, Description):
                yield pb.GenerateDescriptionResponse(description=description_to_pb(item))
            else:
                yield pb.GenerateDescriptionResponse(text_delta=item)

    async def BatchGenerateDescriptions(
        self, request: pb.BatchGenerateDescriptionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchGenerateDescriptionsResponse:
        brand_id = parse_name(request.brand, collection="brands")
        products = [product_from_pb(p) for p in request.products]
        items = await asyncio.to_thread(
            self.service.batch, products, brand_id=brand_id, tenant_id=caller().tenant_id, request_id=request.request_id
        )
        return pb.BatchGenerateDescriptionsResponse(results=[batch_item_to_pb(i) for i in items])

    async def SubmitFeedback(
        self, request: pb.SubmitFeedbackRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitFeedbackResponse:
        record = await asyncio.to_thread(
            self.service.submit_feedback,
            tenant_id=caller().tenant_id,
            description=request.description,
            verdict=verdict_from_pb(request.verdict),
            request_id=request.request_id,
            edited_text=request.edited_text,
            comment=request.comment,
            product=product_from_pb(request.product) if request.HasField("product") else None,
            generated_text=request.generated_text,
        )
        return pb.SubmitFeedbackResponse(feedback=feedback_to_pb(record))

    async def ListBrands(
        self, request: pb.ListBrandsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBrandsResponse:
        tenant = caller().tenant_id
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        brands = await asyncio.to_thread(self.service.list_brands, tenant)
        page = brands[offset : offset + size]
        more = offset + size < len(brands)
        return pb.ListBrandsResponse(
            brands=[self._brand(b, tenant) for b in page],
            next_page_token=paging.encode_token(offset + size) if more else "",
        )

    async def GetBrand(self, request: pb.GetBrandRequest, context: grpc.aio.ServicerContext) -> pb.GetBrandResponse:
        tenant = caller().tenant_id
        brand = await asyncio.to_thread(self.service.find_brand, parse_name(request.name, collection="brands"), tenant)
        return pb.GetBrandResponse(brand=self._brand(brand, tenant))

    async def CreateBrand(
        self, request: pb.CreateBrandRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateBrandResponse:
        tenant = caller().tenant_id
        fields = brand_fields_from_pb(request.brand)
        brand = await asyncio.to_thread(self.service.create_brand, tenant, request.brand_id, fields)
        return pb.CreateBrandResponse(brand=self._brand(brand, tenant))

    async def UpdateBrand(
        self, request: pb.UpdateBrandRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateBrandResponse:
        tenant = caller().tenant_id
        brand_id = parse_name(request.brand.name, collection="brands")
        fields = brand_fields_from_pb(request.brand)
        brand = await asyncio.to_thread(
            partial(
                self.service.update_brand,
                tenant,
                brand_id,
                fields,
                paths=list(request.update_mask.paths),
                etag=request.brand.etag,
            )
        )
        return pb.UpdateBrandResponse(brand=self._brand(brand, tenant))

    async def DeleteBrand(
        self, request: pb.DeleteBrandRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteBrandResponse:
        tenant = caller().tenant_id
        brand_id = parse_name(request.name, collection="brands")
        await asyncio.to_thread(partial(self.service.delete_brand, tenant, brand_id, etag=request.etag))
        return pb.DeleteBrandResponse()

    def _brand(self, brand: StoredBrand, tenant: str) -> pb.Brand:
        return brand_to_pb(brand, adapter=self.service.adapter_for(brand.guide.id, tenant))


def registration(servicer: GenerationServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_GenerationServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["GenerationService"].full_name,
    )
