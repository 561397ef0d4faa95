"""Logs, metrics and traces of a docai process: one structured line per RPC and per pipeline step,
a Prometheus endpoint, and OpenTelemetry spans from an upload through the pipeline.

Logs. :func:`configure_logging` (called by ``docai run``) sends every record to stderr as text or,
with ``DOCAI_LOG_FORMAT=json``, as one JSON object per line (``python-json-logger``). The RPC line
is written by the interceptor (:mod:`docai.services.common.server`) with :class:`RpcLog`; the
pipeline's lines by :func:`step`. Every record written while an RPC or a document is handled
carries its ``request_id`` (the client's ``x-request-id``, else a fresh one), ``tenant`` and
``document`` when known.

Metrics. Counters and histograms are process-wide objects (one process is one scrape target);
:func:`start_observability` serves them with the database gauges (queue depth and age, review
backlog, training jobs and documents by state), which :class:`DatabaseCollector` reads at scrape
time so they are true whichever process changed the database. Each suite has its own
``CollectorRegistry``, so several suites can run in one test process.

Traces. Off by default; ``DOCAI_TRACING=console`` (stderr) or ``file`` (``home/traces.jsonl``, one
span per line) turns on the OpenTelemetry SDK and the gRPC aio server instrumentation. The
upload's span context is stored with its work item (``work_items.traceparent``), so the
pipeline's spans of that document, in this process or a worker process, are children of the
upload's span.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import re
import sys
import threading
import time
import uuid
import warnings
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("docai.observability")
rpc_log = logging.getLogger("docai.rpc")
step_log = logging.getLogger("docai.pipeline.steps")

REQUEST_ID_HEADER = "x-request-id"
DEFAULT_METRICS_PORT = 9464  # what `docai run` serves /metrics on when DOCAI_METRICS_PORT is unset

# ---------------------------------------------------------------------------------------------
# Context: who and what the current RPC or pipeline step is about.
# ---------------------------------------------------------------------------------------------

# A dict per RPC or document, shared (not copied) by the threads it hands work to, so a field
# learnt in a worker thread (the upload's document id) reaches the RPC's line.
_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("docai_log_fields", default=None)
CONTEXT_FIELDS = ("request_id", "tenant", "document")
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")


def request_id_from(candidate: Any) -> str:
    """The client's request id when it is sane (1-128 printable, no spaces), else a fresh one."""
    if isinstance(candidate, bytes):
        candidate = candidate.decode("ascii", "replace")
    if isinstance(candidate, str) and _SAFE_REQUEST_ID.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def current_fields() -> dict[str, Any]:
    """The request id, tenant and document of what is being handled now (empty outside of it)."""
    return dict(_fields.get() or {})


def annotate(**fields: Any) -> None:
    """Adds what became known (``document=...``, ``tenant=...``) to the current RPC's or step's line."""
    current = _fields.get()
    if current is not None:
        current.update({key: value for key, value in fields.items() if value})
    span = trace.get_current_span()
    if span.is_recording():
        for key, value in fields.items():
            if value:
                span.set_attribute(f"docai.{key}", str(value))


@contextmanager
def bound(**fields: Any) -> Iterator[dict[str, Any]]:
    """Every record logged inside carries these fields (request_id, tenant, document)."""
    token = _fields.set({key: value for key, value in fields.items() if value})
    try:
        yield _fields.get()  # type: ignore[misc]
    finally:
        _fields.reset(token)


# ---------------------------------------------------------------------------------------------
# Logging.
# ---------------------------------------------------------------------------------------------

# Structured fields a line may carry, in the order the text format prints them.
LINE_FIELDS = (
    "method",
    "step",
    "code",
    "reason",
    "decision",
    "duration_ms",
    "request_id",
    "tenant",
    "document",
    "detail",
)


class ContextFilter(logging.Filter):
    """Adds the current request id, tenant and document to each record that does not name its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_fields.get() or {}).items():
            if key in CONTEXT_FIELDS and not hasattr(record, key):
                setattr(record, key, value)
        return True


class TextFormatter(logging.Formatter):
    """The classic one-line format with the structured fields appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        pairs = [f"{key}={getattr(record, key)}" for key in LINE_FIELDS if getattr(record, key, "") not in ("", None)]
        if not pairs:
            return text
        head, _, tail = text.partition("\n")  # a traceback stays below the line
        return f"{head} " + " ".join(pairs) + (f"\n{tail}" if tail else "")


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


_HANDLER_MARK = "_docai_handler"


def configure_logging(
    settings: Any = None, *, log_format: str | None = None, stream: TextIO | None = None, level: int = logging.INFO
) -> logging.Handler:
    """Sends every record to ``stream`` (stderr) as text or JSON lines; replaces a handler this set before.

    Also silences the model libraries' progress bars and warnings (:func:`silence_model_libraries`).
    """
    chosen = (log_format or getattr(settings, "log_format", None) or "text").lower()
    if chosen not in ("text", "json"):
        raise ValueError(f"DOCAI_LOG_FORMAT must be text or json, not {chosen!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if chosen == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    silence_model_libraries()
    return handler


def remove_logging(handler: logging.Handler) -> None:
    """Takes back a handler :func:`configure_logging` installed (tests)."""
    logging.getLogger().removeHandler(handler)


_LIBRARIES = ("transformers", "huggingface_hub", "peft", "accelerate", "torch", "optimum", "onnxruntime", "xgrammar")


def silence_model_libraries() -> None:
    """No download or loading progress bars and no library warnings in the server log.

    The environment variables reach libraries imported later; the ones already imported are
    told directly. Errors still come through.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(" + "|".join(_LIBRARIES) + r")(\.|$)")
    if "transformers" in sys.modules:
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except Exception:  # noqa: BLE001 - an older or partial install: the variables still apply
            pass
    if "huggingface_hub" in sys.modules:
        try:
            from huggingface_hub.utils import disable_progress_bars

            disable_progress_bars()
        except Exception:  # noqa: BLE001
            pass


# ---------------------------------------------------------------------------------------------
# Metrics: process-wide; each suite's registry serves them with its own database gauges.
# ---------------------------------------------------------------------------------------------

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

RPC_REQUESTS = Counter(
    "docai_rpc_requests", "RPCs answered, by method and status code", ["method", "code"], registry=None
)
RPC_SECONDS = Histogram(
    "docai_rpc_duration_seconds",
    "RPC latency, by method and status code",
    ["method", "code"],
    buckets=_SECONDS,
    registry=None,
)
STAGE_SECONDS = Histogram(
    "docai_stage_duration_seconds",
    "Time of one pipeline stage of one document (parse, extract, route)",
    ["stage"],
    buckets=_SECONDS,
    registry=None,
)
GENERATED_TOKENS = Counter("docai_generated_tokens", "Tokens the in-process model generated", ["model"], registry=None)
GENERATION_SECONDS = Counter(
    "docai_generation_seconds",
    "Seconds the in-process model spent decoding (tokens/s = rate(tokens) / rate(seconds))",
    ["model"],
    registry=None,
)
GENERATIONS = Counter("docai_generation_requests", "Requests the in-process model decoded", ["model"], registry=None)
DECISIONS = Counter(
    "docai_decisions",
    "Pipeline decisions: auto_approve or review (auto-approval rate = auto_approve / all)",
    ["outcome"],
    registry=None,
)
PROCESS_METRICS = (
    RPC_REQUESTS,
    RPC_SECONDS,
    STAGE_SECONDS,
    GENERATED_TOKENS,
    GENERATION_SECONDS,
    GENERATIONS,
    DECISIONS,
)


def record_generation(model: str, *, tokens: int, seconds: float) -> None:
    """One decoded request: its generated tokens and decode seconds (called once per request)."""
    GENERATIONS.labels(model).inc()
    GENERATED_TOKENS.labels(model).inc(max(0, tokens))
    GENERATION_SECONDS.labels(model).inc(max(0.0, seconds))


def record_decision(outcome: str) -> None:
    DECISIONS.labels("auto_approve" if outcome == "auto_approve" else "review").inc()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class DatabaseCollector(Collector):
    """Gauges read from the database at each scrape: true across processes sharing it."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def describe(self) -> Iterable[Any]:
        return list(self._families())

    def _families(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("docai_queue_depth", "Documents waiting for or in the pipeline (work items)")
        yield GaugeMetricFamily("docai_queue_oldest_age_seconds", "Age of the oldest queued document (0 when none)")
        yield GaugeMetricFamily("docai_review_backlog", "Review tasks not yet decided, by state", labels=["state"])
        yield GaugeMetricFamily("docai_training_jobs", "Tuning jobs by state", labels=["state"])
        yield GaugeMetricFamily("docai_documents", "Documents by state", labels=["state"])
        yield GaugeMetricFamily("docai_metrics_database_up", "1 when the last scrape could read the database")

    def collect(self) -> Iterable[Any]:
        from sqlalchemy import func, select

        from docai.schemas.review import ACTIVE_TASK_STATES
        from docai.schemas.tuning import JobState
        from docai.services.storage import tables

        depth, oldest, review, jobs, documents = 0, None, {}, {}, {}
        up = 1
        try:
            with self.db.transaction() as session:
                depth, oldest = session.execute(
                    select(func.count(tables.WorkItem.id), func.min(tables.WorkItem.create_time))
                ).one()
                review = dict(
                    session.execute(
                        select(tables.ReviewTask.state, func.count())
                        .where(tables.ReviewTask.state.in_(ACTIVE_TASK_STATES))
                        .group_by(tables.ReviewTask.state)
                    ).all()
                )
                jobs = dict(
                    session.execute(select(tables.TuningJob.state, func.count()).group_by(tables.TuningJob.state)).all()
                )
                documents = dict(
                    session.execute(select(tables.Document.state, func.count()).group_by(tables.Document.state)).all()
                )
        except Exception:  # noqa: BLE001 - a scrape must answer even when the database does not
            log.warning("metrics: the database could not be read", exc_info=True)
            up = 0
        families = {family.name: family for family in self._families()}
        families["docai_queue_depth"].add_metric([], float(depth or 0))
        age = (dt.datetime.now(dt.UTC) - _aware(oldest)).total_seconds() if oldest is not None else 0.0
        families["docai_queue_oldest_age_seconds"].add_metric([], max(0.0, age))
        for state in ACTIVE_TASK_STATES:
            families["docai_review_backlog"].add_metric([state.value], float(review.get(state, 0)))
        for job_state in sorted(set(jobs) | {state.value for state in JobState}):
            families["docai_training_jobs"].add_metric([job_state], float(jobs.get(job_state, 0)))
        for document_state, count in sorted(documents.items()):
            families["docai_documents"].add_metric([document_state], float(count))
        families["docai_metrics_database_up"].add_metric([], float(up))
        return list(families.values())


def metrics_registry(db: Any) -> CollectorRegistry:
    """A registry with the process-wide metrics and ``db``'s gauges."""
    registry = CollectorRegistry(auto_describe=True)
    for metric in PROCESS_METRICS:
        registry.register(metric)
    registry.register(DatabaseCollector(db))
    return registry


# ---------------------------------------------------------------------------------------------
# RPC lines and metrics (the interceptor in docai.services.common.server writes them).
# ---------------------------------------------------------------------------------------------

_SERVER_SIDE = {"INTERNAL", "UNKNOWN", "DATA_LOSS", "UNAVAILABLE"}


class RpcLog:
    """One RPC: its request id and fields while it runs, its line and metrics when it ends."""

    def __init__(self, method: str, metadata: Mapping[str, Any]) -> None:
        self.method = method
        self.request_id = request_id_from(metadata.get(REQUEST_ID_HEADER))
        self.code = "OK"
        self.reason = ""
        self.detail = ""
        self.level = logging.INFO
        self.exc_info: BaseException | None = None
        self.started = time.perf_counter()
        self.fields: dict[str, Any] = {"request_id": self.request_id}
        self._token = _fields.set(self.fields)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("docai.request_id", self.request_id)

    def note(self, message: Any) -> None:
        """Learns the document from a request or response that names one (``name``/``document``)."""
        if "document" not in self.fields and (document := document_of(message)):
            annotate(document=document)

    def failed(self, code: str, reason: str, *, detail: str = "", exc: BaseException | None = None) -> None:
        """The status the call ends with: an unexpected ``exc`` is logged at ERROR with its traceback, a
        server-side failure (or one with a ``detail`` for the operator) at WARNING, a caller's at INFO."""
        self.code, self.reason, self.detail = code, reason, detail
        server_side = code in _SERVER_SIDE or bool(detail)
        self.level = logging.ERROR if exc is not None else logging.WARNING if server_side else logging.INFO
        self.exc_info = exc

    def ended_by(self, exc: BaseException, context: Any) -> None:
        """The servicer aborted the call itself (its code is the context's), or the client went away."""
        if type(exc).__name__ != "AbortError":  # CancelledError, GeneratorExit
            self.code = "CANCELLED"
            return
        code: Any = None
        try:
            code = context.code()
        except Exception:  # noqa: BLE001 - older grpcio: no code() on the aio context
            pass
        if isinstance(code, int):
            import grpc

            code = next((c for c in grpc.StatusCode if c.value[0] == code), None)
        self.code = getattr(code, "name", None) or "UNKNOWN"
        if self.code in _SERVER_SIDE:
            self.level = logging.WARNING

    def finish(self) -> None:
        seconds = time.perf_counter() - self.started
        RPC_REQUESTS.labels(self.method, self.code).inc()
        RPC_SECONDS.labels(self.method, self.code).observe(seconds)
        extra = {
            "event": "rpc",
            "method": self.method,
            "code": self.code,
            "reason": self.reason,
            "duration_ms": round(seconds * 1000, 1),
            **{k: v for k, v in self.fields.items() if k in CONTEXT_FIELDS},
        }
        for key in ("tenant", "document"):
            extra.setdefault(key, "")
        if self.detail:
            extra["detail"] = self.detail
        rpc_log.log(
            self.level,
            "rpc",
            extra=extra,
            exc_info=(type(self.exc_info), self.exc_info, self.exc_info.__traceback__) if self.exc_info else None,
        )
        try:
            _fields.reset(self._token)
        except ValueError:  # finished in another context (a generator closed elsewhere): nothing to undo
            pass


def document_of(message: Any) -> str:
    """The document id a request or response names: ``name``/``document`` = ``documents/{id}``, or a
    ``document`` message with such a name."""
    descriptor = getattr(message, "DESCRIPTOR", None)
    fields = getattr(descriptor, "fields_by_name", None)
    if not fields:
        return ""
    for field in ("name", "document"):
        if field not in fields:
            continue
        value = getattr(message, field, None)
        if not isinstance(value, str):
            value = getattr(value, "name", "") if value is not None and message.HasField(field) else ""
        if isinstance(value, str) and value.startswith("documents/"):
            return value.split("/", 2)[1]
    return ""


# ---------------------------------------------------------------------------------------------
# Pipeline steps: a line, a histogram and a span each.
# ---------------------------------------------------------------------------------------------


@contextmanager
def step(name: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Times one pipeline step (parse, extract, route): one line, one histogram sample, one span.

    The dict it yields takes ``code``/``reason`` for an outcome that is not an exception (a model
    answer that could not be used) and any other field for the line (``decision``).
    """
    outcome: dict[str, Any] = {"code": "OK", "reason": ""}
    known = {**current_fields(), **{k: v for k, v in fields.items() if v}}
    attributes = {f"docai.{k}": str(v) for k, v in known.items() if v}
    started = time.perf_counter()
    with trace.get_tracer("docai.pipeline").start_as_current_span(f"docai.{name}", attributes=attributes) as span:
        try:
            yield outcome
        except BaseException as exc:
            outcome["code"], outcome["reason"] = "ERROR", getattr(exc, "reason", "") or type(exc).__name__
            raise
        finally:
            seconds = time.perf_counter() - started
            STAGE_SECONDS.labels(name).observe(seconds)
            extra = {
                "event": "step",
                "step": name,
                "duration_ms": round(seconds * 1000, 1),
                **{key: known.get(key, "") for key in CONTEXT_FIELDS},
                **outcome,
            }
            if span.is_recording():
                for key, value in outcome.items():
                    if value:
                        span.set_attribute(f"docai.{key}", str(value))
            step_log.info("step", extra=extra)


_PROPAGATOR = TraceContextTextMapPropagator()


def current_traceparent() -> str:
    """The W3C ``traceparent`` of the current span ("" when tracing is off)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent", "")


def work_item_context() -> dict[str, str]:
    """What a new work item keeps of the upload: its request id and span context."""
    return {"request_id": str(current_fields().get("request_id", ""))[:128], "traceparent": current_traceparent()}


@contextmanager
def document_span(document_id: str, *, request_id: str = "", traceparent: str = "", attempt: int = 0) -> Iterator[Any]:
    """The pipeline's span of one document (a child of its upload's span when that was traced) with
    the document's request id bound for every line logged inside."""
    parent = _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else otel_context.Context()
    attributes: dict[str, str | int] = {"docai.document": document_id, "docai.attempt": attempt}
    if request_id:
        attributes["docai.request_id"] = request_id
    with (
        bound(request_id=request_id, document=document_id),
        trace.get_tracer("docai.pipeline").start_as_current_span(
            "docai.pipeline.process", context=parent, attributes=attributes
        ) as span,
    ):
        yield span


# ---------------------------------------------------------------------------------------------
# Tracing: off unless asked; one process-wide SDK provider whose exporters can be added.
# ---------------------------------------------------------------------------------------------

_tracing_lock = threading.Lock()
_fanout: Any = None
_exporters: dict[str, Any] = {}  # mode key -> span processor added for it
_files: list[TextIO] = []  # the trace files being written (closed by disable_tracing)


def _ensure_provider() -> Any:
    """The SDK tracer provider with our fan-out processor (set as the global one when none is)."""
    global _fanout
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    if _fanout is not None:
        return _fanout

    class Fanout(SpanProcessor):
        """Forwards to a list of processors that can change (the SDK cannot remove one)."""

        def __init__(self) -> None:
            self.processors: list[Any] = []

        def on_start(self, span: Any, parent_context: Any = None) -> None:
            for processor in list(self.processors):
                processor.on_start(span, parent_context=parent_context)

        def on_end(self, span: Any) -> None:
            for processor in list(self.processors):
                processor.on_end(span)

        def shutdown(self) -> None:
            for processor in list(self.processors):
                processor.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return all(processor.force_flush(timeout_millis) for processor in list(self.processors))

    provider = trace.get_tracer_provider()
    if not hasattr(provider, "add_span_processor"):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
        provider = trace.get_tracer_provider()
    _fanout = Fanout()
    provider.add_span_processor(_fanout)  # type: ignore[attr-defined]
    return _fanout


def _instrument_grpc() -> None:
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorServer

    instrumentor = GrpcAioInstrumentorServer()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def enable_tracing(mode: str, *, home: Path | None = None) -> None:
    """Turns tracing on in this process: ``console`` (stderr), ``file`` (``home/traces.jsonl``) or
    ``on`` (spans go only to exporters added with :func:`add_span_exporter`). Idempotent."""
    if mode in ("", "off"):
        return
    if mode not in ("on", "console", "file"):
        raise ValueError(f"DOCAI_TRACING must be off, console or file, not {mode!r}")
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    with _tracing_lock:
        fanout = _ensure_provider()
        _instrument_grpc()
        key = mode if mode != "file" else f"file:{(home or Path('.')).resolve() / 'traces.jsonl'}"
        if mode == "on" or key in _exporters:
            return
        if mode == "console":
            exporter = ConsoleSpanExporter(out=sys.stderr, formatter=lambda span: span.to_json(indent=None) + "\n")
        else:
            path = Path(key.removeprefix("file:"))
            path.parent.mkdir(parents=True, exist_ok=True)
            out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open while the process traces
            _files.append(out)
            exporter = ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")
        processor = BatchSpanProcessor(exporter)
        _exporters[key] = processor
        fanout.processors.append(processor)
    log.info("tracing on: %s", key)


def add_span_exporter(exporter: Any) -> Any:
    """Sends spans also to ``exporter`` (synchronously; tests pass an in-memory one). Returns its processor."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    with _tracing_lock:
        fanout = _ensure_provider()
        processor = SimpleSpanProcessor(exporter)
        fanout.processors.append(processor)
        return processor


def flush_traces() -> None:
    if _fanout is not None:
        _fanout.force_flush()


def disable_tracing() -> None:
    """Stops tracing in this process: exporters flushed and dropped, the gRPC instrumentation removed."""
    global _exporters
    with _tracing_lock:
        if _fanout is not None:
            processors, _fanout.processors = list(_fanout.processors), []
            for processor in processors:
                try:
                    processor.shutdown()
                except Exception:  # noqa: BLE001
                    pass
        _exporters = {}
        while _files:
            _files.pop().close()
        try:
            from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorServer

            instrumentor = GrpcAioInstrumentorServer()
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
        except Exception:  # noqa: BLE001
            pass


# ---------------------------------------------------------------------------------------------
# Start and stop, once per suite.
# ---------------------------------------------------------------------------------------------


class Observability:
    """What :func:`start_observability` started: the metrics registry and its HTTP endpoint."""

    def __init__(self, registry: CollectorRegistry, server: Any = None, thread: Any = None, port: int = 0) -> None:
        self.registry = registry
        self.metrics_port = port
        self._server = server
        self._thread = thread

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        flush_traces()


_started: weakref.WeakKeyDictionary[Any, Observability] = weakref.WeakKeyDictionary()


def start_observability(settings: Any, db: Any) -> Observability:
    """Starts the metrics endpoint (``metrics_port``; unset or 0 = off) on ``grpc_host`` and, when
    ``tracing`` is not off, tracing. Call once per suite, before its gRPC server starts (the
    tracing instrumentation wraps servers created after it). :func:`stop_observability` undoes it."""
    enable_tracing(getattr(settings, "tracing", "off") or "off", home=getattr(settings, "home", None))
    registry = metrics_registry(db)
    port = getattr(settings, "metrics_port", None) or 0
    result = Observability(registry)
    if port > 0:
        from prometheus_client import start_http_server

        host = getattr(settings, "grpc_host", "127.0.0.1") or "127.0.0.1"
        try:
            server, thread = start_http_server(port, addr=host, registry=registry)
        except OSError as exc:
            raise OSError(
                exc.errno, f"the metrics port {host}:{port} is in use; set DOCAI_METRICS_PORT to a free port (0 = off)"
            ) from exc
        result = Observability(registry, server, thread, port=server.server_address[1])
        log.info("metrics on http://%s:%d/metrics", host, result.metrics_port)
    _started[db] = result
    return result


def stop_observability(db: Any) -> None:
    """Closes what :func:`start_observability` started for ``db`` (nothing when it started nothing)."""
    started = _started.pop(db, None)
    if started is not None:
        started.close()


def observability_of(db: Any) -> Observability | None:
    return _started.get(db)


def serving_defaults(settings: Any) -> Any:
    """The settings of a long-running server (``docai run``): metrics on 9464 unless DOCAI_METRICS_PORT says."""
    if getattr(settings, "metrics_port", 0) is None:
        return settings.model_copy(update={"metrics_port": DEFAULT_METRICS_PORT})
    return settings
