"""Wires the embedded suite: one process, one gRPC port for every service, SQLite and local blobs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

import grpc

from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import DocAIError, FailedPreconditionError, NotFoundError
from docai.services.common.observability import start_observability, stop_observability
from docai.services.common.server import start_server, stop_server
from docai.services.common.settings import Settings
from docai.services.common.tenants import Caller, authenticate
from docai.services.extraction import servicer as extraction_servicer
from docai.services.extraction.chooser import Chooser
from docai.services.extraction.einvoice_reader import EInvoiceReader
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.reader import InvoiceReader
from docai.services.extraction.service import ExtractionService
from docai.services.extraction.vendor_memory import VendorMemoryStore, memory_candidates
from docai.services.ingest import servicer as ingest_servicer
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.ingest.pdf_parse import parse_upload, shutdown_pdf_worker
from docai.services.models.backend import TextGenerator
from docai.services.models.base_model import ensure_base_model
from docai.services.pipeline.progress import ProgressReader
from docai.services.pipeline.worker import Pipeline, PipelineThread
from docai.services.review import servicer as review_servicer
from docai.services.review.pages import PageRenderer
from docai.services.review.queue import ReviewQueue
from docai.services.routing import servicer as routing_servicer
from docai.services.routing.policy import RoutingPolicy
from docai.services.routing.service import RoutingService
from docai.services.storage.blobs import LocalBlobStore
from docai.services.storage.database import Database, open_database
from docai.services.training import servicer as training_servicer
from docai.services.vendors import servicer as vendor_servicer
from docai.training.calibration import load_calibrator
from docai.training.jobs import JobManager, default_work_dir
from docai.training.registry import AdapterRegistry, served_name

log = logging.getLogger("docai.app")


def load_backend(settings: Settings) -> TextGenerator:
    """The inference backend named in the settings, with the base model converted once into the cache."""
    from docai.services.models.registry import create_backend

    if settings.backend == "fake":  # answers nothing: every invoice goes to review (demos without a model)
        from docai.services.models.fake_backend import FakeTextGenerator

        return FakeTextGenerator(lambda request: "{}")
    if settings.backend == "vllm":  # the model lives in the vLLM server; nothing is loaded here
        if not settings.vllm_url:
            raise FailedPreconditionError("DOCAI_BACKEND=vllm needs DOCAI_VLLM_URL", reason="MODEL_UNAVAILABLE")
        return create_backend("vllm", base_url=settings.vllm_url, model_name=settings.vllm_model)
    model_dir = ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
    if settings.backend == "onnx":
        return create_backend(
            "onnx", model_dir=model_dir, cache_dir=settings.model_cache,
            precision=settings.onnx_precision, provider=settings.onnx_provider,
        )
    return create_backend(settings.backend, model_dir=model_dir)


def build_reader(settings: Settings, backend: TextGenerator, *, calibrate: Any = None) -> EInvoiceReader:
    """The reader as the settings want it: an e-invoice's XML exactly, else the page with calibrated
    confidences and the model's choice when enabled."""
    page_reader = InvoiceReader(
        chooser=Chooser(backend) if settings.chooser else None,
        calibrate=calibrate if calibrate is not None else load_calibrator(settings).apply,
    )
    return EInvoiceReader(page_reader)


class AdapterChoice:
    """Which extraction adapter serves a tenant: its own champion when it has one, else the configured alias.

    With the default ``champion`` a tenant that promoted a champion of its own is served with it
    (``champion@<tenant>``), any other with the shared champion. A name asked for explicitly must be
    one the tenant may use: a shared one, its own champion, or a version it can see in the
    registry; another tenant's reads like a missing one.
    """

    def __init__(self, backend: TextGenerator, *, configured: str, registry: AdapterRegistry | None = None) -> None:
        self.backend = backend
        self.configured = configured
        self.registry = registry

    def __call__(self, tenant_id: str, requested: str | None = None) -> str | None:
        wanted = requested or self.configured
        if not wanted or wanted == "none":
            return None
        loaded = self.backend.adapters()
        if tenant_id and wanted == served_name("extraction"):
            own = served_name("extraction", tenant_id)
            if own in loaded:
                return own
        if wanted in loaded and self._allowed(tenant_id, wanted):
            return wanted
        if requested:  # asked for by name: say so rather than quietly using the base model
            raise NotFoundError(f"adapter {requested!r} is not loaded", reason="ADAPTER_NOT_FOUND")
        return None  # no champion yet: the base model serves

    def _allowed(self, tenant_id: str, name: str) -> bool:
        """Shared names (no ``@``), the tenant's own (``...@<tenant>``) and versions it can see (``task@vNNNN``)."""
        task, at, suffix = name.partition("@")
        if not at or not tenant_id:
            return True
        if suffix == tenant_id:
            return True
        if self.registry is None or not re.fullmatch(r"v\d{4,}", suffix):
            return False
        try:
            self.registry.get(task, suffix, tenant=tenant_id)
        except DocAIError:
            return False
        return True


def _generation(
    settings: Settings, backend: TextGenerator, registry: AdapterRegistry, db: Database
) -> tuple[tuple[Any, Any, str], Any]:
    """The generation servicer's registration and its DescriptionService (brand tuning jobs train and gate through it).

    The shipped brands are each served by their champion adapter when they have one, and each
    tenant's own brands by that tenant's champion.
    """
    from docai.services.generation import servicer as generation_servicer
    from docai.services.generation.brands import BrandBook, TenantBrands
    from docai.services.generation.feedback import FeedbackStore
    from docai.services.generation.service import DescriptionService, activate_brand_adapters

    brands = BrandBook.load()
    tenant_brands = TenantBrands(db)
    activate_brand_adapters(backend, registry, brands, tenant_brands)
    service = DescriptionService(backend=backend, brands=brands, feedback=FeedbackStore(settings.home / "feedback"),
                                 tenant_brands=tenant_brands, registry=registry)
    return generation_servicer.registration(generation_servicer.GenerationServicer(service=service)), service


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
            db=self.db, extract=self.extract, policy=self.policy, memory=self.memory,
            lease=dt.timedelta(seconds=settings.pipeline_lease_seconds),
        )


async def open_core(settings: Settings, *, backend: TextGenerator | None = None, reader: Any = None) -> Core:
    """Opens (and migrates) the database, loads the model and its champion adapters, builds the reader."""
    db = await asyncio.to_thread(open_database, settings.db_url, busy_timeout=settings.database_busy_timeout_seconds)
    if backend is None:
        backend = await asyncio.to_thread(load_backend, settings)
    registry = AdapterRegistry(settings.adapter_dir)
    # The shared champion, loaded as "champion", and each tenant's own as "champion@<tenant>".
    await asyncio.to_thread(registry.activate_all, backend, "extraction")
    extractor = EInvoiceReader(reader) if reader is not None else build_reader(settings, backend)
    choose = AdapterChoice(backend, configured=settings.adapter, registry=registry)
    memory = VendorMemoryStore(db)

    def extract(parsed: ParsedDocument, *, tenant_id: str, adapter: str | None = None) -> ExtractionOutcome:
        # Where this tenant's approved invoices of the same vendor printed each field is read
        # first: a new layout is learned from its first approval, long before any retraining.
        def recall(document: ParsedDocument, layout: Any) -> list[Any]:
            return memory_candidates(memory.recall(tenant_id=tenant_id, parsed=document, layout=layout))

        return extractor.extract(
            parsed, adapter=choose(tenant_id, adapter), recall=recall, own_names=memory.own_names(tenant_id=tenant_id)
        )

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
    settings: Settings, *, backend: TextGenerator | None = None, port: int | None = None, reader: Any = None,
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
        ingest_servicer.registration(
            ingest_servicer.IngestServicer(
                store=store, parse=partial(parse_upload, limits=limits), max_bytes=settings.max_upload_bytes,
                on_upload=worker.notify if worker is not None else _queued, upload_dir=settings.upload_dir,
                idle_seconds=settings.upload_idle_seconds,
                max_uploads=settings.max_concurrent_uploads,
                max_uploads_per_tenant=settings.max_concurrent_uploads_per_tenant, limits=limits,
                progress=progress,
            )
        ),
        extraction_servicer.registration(
            extraction_servicer.ExtractionServicer(service=ExtractionService(db=db, extract=extract))
        ),
        routing_servicer.registration(
            routing_servicer.RoutingServicer(service=RoutingService(db=db, policy=policy))
        ),
        vendor_servicer.registration(vendor_servicer.VendorServicer(db=db)),
        review_servicer.registration(
            review_servicer.ReviewServicer(
                queue=ReviewQueue(db=db, lease_seconds=settings.review_lease_seconds),
                pages=PageRenderer(db=db, blobs=blobs),
                progress=progress,
                policy=policy,
            )
        ),
    ]

    generation, descriptions = await asyncio.to_thread(_generation, settings, backend, registry, db)
    registrations.append(generation)
    jobs = JobManager(
        db=db,
        registry=registry,
        backend=backend,
        work_dir=default_work_dir(settings.home),
        model_dir=lambda: ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None),
        descriptions=descriptions,
    )
    await asyncio.to_thread(jobs.recover)  # jobs a stopped server left running can never finish: FAILED INTERRUPTED
    registrations.append(
        training_servicer.registration(training_servicer.TrainingServicer(jobs=jobs, registry=registry, backend=backend))
    )

    async def auth(token: str | None, tenant: str | None) -> Caller:
        return await asyncio.to_thread(authenticate, db, token=token, as_tenant=tenant)

    listen = port if port is not None else settings.grpc_port
    server, bound = await start_server(registrations, authenticate=auth, address=f"{settings.grpc_host}:{listen}")
    if worker is not None:
        worker.start()
        worker.notify()
    log.info("gRPC listening on %s:%d%s", settings.grpc_host, bound, "" if worker is not None else " (no pipeline: api role)")
    return Suite(settings=settings, db=db, backend=backend, server=server, port=bound, pipeline=worker)


def _queued() -> None:
    """The api role's upload hook: the work item is in the database, where the workers poll for it."""
