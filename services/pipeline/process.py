"""The worker role (`docai run --role worker`): pipeline threads and nothing else, no gRPC port.

Any number of worker processes, on any number of machines, share one PostgreSQL database with
the api role: each claims work items with ``SELECT ... FOR UPDATE SKIP LOCKED`` and a renewed
lease (:mod:`docai.services.pipeline.worker`), so every document is processed once and a killed
worker's document is taken up again when its lease runs out.

A worker tells its orchestrator it is alive by touching a file (``DOCAI_WORKER_HEALTH_FILE``)
every few seconds while its pipeline threads run and the database answers; `docai healthcheck
--role worker` checks the file's age, which a compose healthcheck can run without a port.

Promotions made by the api role (training, rollback) move the adapter aliases on the shared
``home/adapters`` volume; :class:`AdapterWatch` loads the new champions into this process's model.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from docai.services.app import Core, open_core
from docai.services.common.observability import start_observability, stop_observability
from docai.services.common.settings import Settings
from docai.services.ingest.pdf_parse import shutdown_pdf_worker
from docai.services.models.backend import TextGenerator
from docai.services.pipeline.worker import PipelineThread

log = logging.getLogger("docai.worker")
BEAT_SECONDS = 5.0
STALE_SECONDS = 30.0  # a heartbeat file older than this means the worker is not healthy
ADAPTER_POLL_SECONDS = 30.0


class Liveness:
    """Touches ``path`` every ``interval`` seconds while every pipeline thread runs and the database answers."""

    def __init__(
        self, path: Path, *, threads: list[PipelineThread], core: Core, interval: float = BEAT_SECONDS
    ) -> None:
        self.path = path
        self.threads = threads
        self.core = core
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="docai-liveness", daemon=True)

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.path.unlink(missing_ok=True)

    def healthy(self) -> bool:
        if not all(thread.alive for thread in self.threads):
            return False
        try:
            with self.core.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure means: not healthy now
            log.warning("liveness: the database does not answer", exc_info=True)
            return False
        return True

    def beat(self) -> None:
        self.path.touch()
        os.utime(self.path)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.healthy():
                self.beat()


class AdapterWatch:
    """Loads the champions the api role promoted (or rolled back) into this process's model."""

    def __init__(self, core: Core, *, task: str = "extraction", interval: float = ADAPTER_POLL_SECONDS) -> None:
        self.core = core
        self.task = task
        self.interval = interval
        self._seen = self.snapshot()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="docai-adapter-watch", daemon=True)

    def snapshot(self) -> dict[str | None, str]:
        registry = self.core.registry
        try:
            return {
                tenant: registry.aliases(self.task, tenant).get("champion", "")
                for tenant in [None, *registry.tenants(self.task)]
            }
        except Exception:  # noqa: BLE001 - a half-written registry: look again at the next poll
            log.warning("reading the adapter registry failed", exc_info=True)
            return self._seen

    def check(self) -> list[str | None]:
        """Activates every champion that changed since the last check; returns whose (None: the shared one)."""
        now = self.snapshot()
        changed = [tenant for tenant, version in now.items() if version and self._seen.get(tenant) != version]
        for tenant in changed:
            try:
                self.core.registry.activate(self.core.backend, self.task, tenant=tenant)
                log.info("champion of %s now %s", tenant or "every tenant", now[tenant])
            except Exception:  # noqa: BLE001 - a broken version is not served; the previous one stays
                log.warning("activating the new champion of %s failed", tenant or "every tenant", exc_info=True)
                now[tenant] = self._seen.get(tenant, "")
        self._seen = now
        return changed

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()


@dataclass
class Workers:
    """A running worker role: ``threads`` pipeline threads on one model, its liveness file and adapter watch."""

    settings: Settings
    core: Core
    threads: list[PipelineThread]
    liveness: Liveness
    watch: AdapterWatch
    stopped: bool = field(default=False)

    async def stop(self) -> None:
        """Each thread finishes the document it is on; an unfinished one keeps its work item (and lease)."""
        if self.stopped:
            return
        self.stopped = True
        self.watch.stop()
        self.liveness.stop()
        await asyncio.gather(*(asyncio.to_thread(thread.stop) for thread in self.threads))
        shutdown_pdf_worker()
        stop_observability(self.core.db)
        self.core.db.dispose()


async def start_workers(
    settings: Settings, *, backend: TextGenerator | None = None, reader: Any = None, count: int | None = None
) -> Workers:
    """Starts ``count`` (default ``settings.pipeline_workers``) pipeline threads sharing one loaded model.

    Unlike the embedded suite, a worker frees no lease at start: other workers' leases may be live.
    A crashed worker's document waits for its lease (``pipeline_lease_seconds``) to run out.
    """
    core = await open_core(settings, backend=backend, reader=reader)
    # /metrics of this process (the pipeline's stage times and decisions) and tracing: the
    # pipeline's spans join the trace of each document's upload, stored with its work item.
    start_observability(settings, core.db)
    threads = [
        PipelineThread(core.pipeline(settings), name=f"docai-pipeline-{index}")
        for index in range(max(1, count if count is not None else settings.pipeline_workers))
    ]
    for thread in threads:
        thread.start()
    liveness = Liveness(settings.health_file, threads=threads, core=core)
    liveness.start()
    watch = AdapterWatch(core)
    watch.start()
    log.info(
        "worker: %d pipeline thread(s) on %s; alive file %s", len(threads), _safe(settings.db_url), settings.health_file
    )
    return Workers(settings=settings, core=core, threads=threads, liveness=liveness, watch=watch)


def _safe(url: str) -> str:
    """The database URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    return f"{scheme}://{credentials.partition(':')[0]}@{tail}"


def file_is_fresh(path: Path, *, max_age: float = STALE_SECONDS) -> bool:
    """True when ``path`` exists and was touched within ``max_age`` seconds (the worker's healthcheck)."""
    try:
        return time.time() - path.stat().st_mtime <= max_age
    except OSError:
        return False
