"""Wires the embedded suite: one process, one gRPC port for every service, SQLite and local blobs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import grpc

from docai.services.adapters.choice import AdapterChoice
from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.observability import start_observability, stop_observability
from docai.services.common.server import start_server, stop_server
from docai.services.common.settings import Settings
from docai.services.common.tenants import Caller, authenticate
from docai.services.extensions import JobContext, job_runner
from docai.services.extraction import grpc_api as extraction_api
from docai.services.extraction.einvoice_reader import EInvoiceReader
from docai.services.extraction.readers import reader_from_settings
from docai.services.extraction.service import ExtractionService
from docai.services.extraction.tenant_reader import TenantReader
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.ingest import grpc_api as ingest_api
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.ingest.pdf_parse import parse_upload, shutdown_pdf_worker
from docai.services.models.backend import TextGenerator
from docai.services.models.engines import backend_from_settings
from docai.services.pipeline.progress import ProgressReader
from docai.services.pipeline.worker import Pipeline, PipelineThread
from docai.services.review import grpc_api as review_api
from docai.services.review.pages import PageRenderer
from docai.services.review.queue import ReviewQueue
from docai.services.routing import grpc_api as routing_api
from docai.services.routing.policy import RoutingPolicy
from docai.services.routing.service import RoutingService
from docai.services.storage.blobs import LocalBlobStore
from docai.services.storage.database import Database, open_database
from docai.services.tuning import grpc_api as tuning_api
from docai.services.vendors import grpc_api as vendor_api

log = logging.getLogger("docai.app")


def _generation(
    settings: Settings, backend: TextGenerator, registry: AdapterRegistry, db: Database
) -> tuple[tuple[Any, Any, str], Any]:
    """The generation servicer's registration and its DescriptionService (brand tuning jobs train and gate through it).

    The shipped brands are each served by their champion adapter when they have one, and each
    tenant's own brands by that tenant's champion.
    """
    from docai.services.generation import grpc_api as generation_api
    from docai.services.generation.brands import BrandBook, TenantBrands
    from docai.services.generation.feedback import FeedbackStore
    from docai.services.generation.service import DescriptionService, activate_brand_adapters

    brands = BrandBook.load()
    tenant_brands = TenantBrands(db)
    activate_brand_adapters(backend, registry, brands, tenant_brands)
    service = DescriptionService(
        backend=backend,
        brands=brands,
        feedback=FeedbackStore(settings.home / "feedback"),
        tenant_brands=tenant_brands,
        registry=registry,
    )
    return generation_api.registration(generation_api.GenerationServicer(service=service)), service


@dataclass
class Core:
    """What every role that reads documents shares: the database, the model and the extraction path."""

    db: Database
    backend: TextGenerator
    registry: AdapterRegistry
    extract: Any  # extract(parsed, *, tenant_id, adapter=None) -> ExtractionOutcome
    policy: RoutingPolicy
    memory: VendorMemoryStore

    def pipeline(self, settings: Settings) -> Pipeline:
        return Pipeline(
            db=self.db,
            extract=self.extract,
            policy=self.policy,
            memory=self.memory,
            lease=dt.timedelta(seconds=settings.pipeline_lease_seconds),
        )


async def open_core(settings: Settings, *, backend: TextGenerator | None = None, reader: Any = None) -> Core:
    """Opens (and migrates) the database, loads the model and its champion adapters, builds the reader."""
    db = await asyncio.to_thread(open_database, settings.db_url, busy_timeout=settings.database_busy_timeout_seconds)
    if backend is None:
        backend = await asyncio.to_thread(backend_from_settings, settings)
    registry = AdapterRegistry.from_settings(settings)
    # The shared champion, loaded as "champion", and each tenant's own as "champion@<tenant>".
    await asyncio.to_thread(registry.activate_all, backend, "extraction")
    extractor = EInvoiceReader(reader) if reader is not None else reader_from_settings(settings, backend)
    choose = AdapterChoice(backend, configured=settings.adapter, registry=registry)
    memory = VendorMemoryStore(db)
    extract = TenantReader(extractor, choose=choose, memory=memory)
    policy = RoutingPolicy.load(settings.policy_path) if settings.policy_path else RoutingPolicy.default()
    return Core(db=db, backend=backend, registry=registry, extract=extract, policy=policy, memory=memory)


@dataclass
class Suite:
    settings: Settings
    db: Database
    backend: TextGenerator
    server: grpc.aio.Server
    port: int
    pipeline: PipelineThread | None  # None in the api role: worker processes take the documents

    async def stop(self, grace: float = 5.0) -> None:
        """Drains: new calls get UNAVAILABLE, calls in progress get ``grace`` seconds, then the
        pipeline finishes the document it is on (an unfinished one keeps its work item)."""
        await stop_server(self.server, grace)
        if self.pipeline is not None:
            await asyncio.to_thread(self.pipeline.stop)
        shutdown_pdf_worker()
        stop_observability(self.db)
        self.db.dispose()


async def start_suite(
    settings: Settings,
    *,
    backend: TextGenerator | None = None,
    port: int | None = None,
    reader: Any = None,
    pipeline: bool = True,
) -> Suite:
    """Starts every service on one gRPC port plus the pipeline worker.

    Args:
        settings: The process settings.
        backend: An inference backend to use instead of loading the one in the settings
            (tests pass a fake or a tiny model).
        port: Port to listen on instead of ``settings.grpc_port`` (0 picks a free one).
        reader: A page reader to use instead of the one the settings describe (tests pass a
            ``docai.services.testing.ScriptedReader`` to misread on purpose); e-invoices' XML is
            read around it as always.
        pipeline: False for the api role: uploads are queued for worker processes
            (:func:`docai.services.pipeline.process.start_workers`) sharing the database.
    """
    core = await open_core(settings, backend=backend, reader=reader)
    db, backend, registry, extract, policy = core.db, core.backend, core.registry, core.extract, core.policy
    start_observability(settings, db)  # /metrics and tracing; before the gRPC server, which tracing wraps
    worker = PipelineThread(core.pipeline(settings)) if pipeline else None
    if worker is not None:
        await asyncio.to_thread(worker.pipeline.recover)  # what a crashed previous run held: free at once (SQLite)
    # Queue positions and estimates for the ingest API and the review page (one estimator for both).
    progress = ProgressReader(db, workers=settings.pipeline_workers)
    limits = ParseLimits(
        max_bytes=settings.max_upload_bytes, max_pages=settings.max_pages, wall_seconds=settings.parse_wall_seconds
    )
    blobs = LocalBlobStore(settings.blob_dir)
    store = DocumentStore(db=db, blobs=blobs)
    registrations = [
        ingest_api.registration(
            ingest_api.IngestServicer(
                store=store,
                parse=partial(parse_upload, limits=limits),
                max_bytes=settings.max_upload_bytes,
                on_upload=worker.notify if worker is not None else _queued,
                upload_dir=settings.upload_dir,
                idle_seconds=settings.upload_idle_seconds,
                max_uploads=settings.max_concurrent_uploads,
                max_uploads_per_tenant=settings.max_concurrent_uploads_per_tenant,
                limits=limits,
                progress=progress,
            )
        ),
        extraction_api.registration(
            extraction_api.ExtractionServicer(service=ExtractionService(db=db, extract=extract))
        ),
        routing_api.registration(routing_api.RoutingServicer(service=RoutingService(db=db, policy=policy))),
        vendor_api.registration(vendor_api.VendorServicer(db=db)),
        review_api.registration(
            review_api.ReviewServicer(
                queue=ReviewQueue(db=db, lease_seconds=settings.review_lease_seconds),
                pages=PageRenderer(db=db, blobs=blobs),
                progress=progress,
                policy=policy,
            )
        ),
    ]

    generation, descriptions = await asyncio.to_thread(_generation, settings, backend, registry, db)
    registrations.append(generation)
    jobs = job_runner(
        JobContext(db=db, registry=registry, backend=backend, descriptions=descriptions, settings=settings)
    )
    await asyncio.to_thread(jobs.recover)  # jobs a stopped server left running can never finish: FAILED INTERRUPTED
    registrations.append(
        tuning_api.registration(tuning_api.TrainingServicer(jobs=jobs, registry=registry, backend=backend))
    )

    async def auth(token: str | None, tenant: str | None) -> Caller:
        return await asyncio.to_thread(authenticate, db, token=token, as_tenant=tenant)

    listen = port if port is not None else settings.grpc_port
    server, bound = await start_server(registrations, authenticate=auth, address=f"{settings.grpc_host}:{listen}")
    if worker is not None:
        worker.start()
        worker.notify()
    log.info(
        "gRPC listening on %s:%d%s", settings.grpc_host, bound, "" if worker is not None else " (no pipeline: api role)"
    )
    return Suite(settings=settings, db=db, backend=backend, server=server, port=bound, pipeline=worker)


def _queued() -> None:
    """The api role's upload hook: the work item is in the database, where the workers poll for it."""
