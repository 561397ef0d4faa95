"""Scale-out, as compose runs it but with processes: one api, N workers, one web, one PostgreSQL.

`Cluster` starts `docai run --role api|worker|web` as separate processes on a fresh PostgreSQL
database (the fake model backend: every invoice is read from the page alone), and
tests/service/test_scale_out.py drives it. Run as a script it is the throughput benchmark:
the same invoices processed by 1 worker process and by 3, side by side in one run:

    .venv/bin/python -m docai.training.bench.scale_out [--invoices 200] [--workers 1,3] [--repeat 1]

Each configuration gets its own fresh database (127.0.0.1:5432, trust auth, dropped afterwards):
the invoices are uploaded through the api first and the queue is held (every item leased ahead)
while the workers start; the clock runs from the moment all of them answer their healthcheck and
the queue is freed, to the last document's decision. Worker start-up is printed beside it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

PG = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
FINAL_STATES = ("approved", "in_review", "failed", "rejected", "exported")
BENCH_SEED = 810_000  # synthetic invoices disjoint from training, calibration and the other benches


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG, connect_timeout=2):
            return True
    except Exception:  # noqa: BLE001
        return False


@contextlib.contextmanager
def fresh_database(prefix: str = "docai_scale") -> Iterator[str]:
    """A new, uniquely named PostgreSQL database, dropped (connections and all) afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def invoices(count: int, *, seed: int = BENCH_SEED) -> list[bytes]:
    """``count`` one-page synthetic invoices (2 line items: quick to read, still a real page)."""
    from docai.training.synthetic import generate_invoice

    return [generate_invoice(seed + index, n_items=2).pdf for index in range(count)]


@dataclass
class Cluster:
    """`docai run --role ...` processes sharing one database; the api and workers share one home, as in compose.

    Args:
        database_url: The shared PostgreSQL database.
        root: A scratch folder: homes, alive files, the service-token file and each process's log.
        lease_seconds: ``DOCAI_PIPELINE_LEASE_SECONDS`` of the workers (a killed worker's document
            is taken over when it runs out).
    """

    database_url: str
    root: Path
    lease_seconds: float = 30.0
    grpc_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self, role: str, name: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("DOCAI_")}
        env.update(
            PYTHONUNBUFFERED="1",
            DOCAI_ROLE=role,
            DOCAI_HOME=str(self.root / ("web" if role == "web" else "home")),
            DOCAI_DATABASE_URL=self.database_url,
            DOCAI_BACKEND="fake",
            DOCAI_GRPC_PORT=str(self.grpc_port),
            DOCAI_WEB_PORT=str(self.web_port),
            DOCAI_API_ADDRESS=self.address,
            DOCAI_WEB_SERVICE_TOKEN_FILE=str(self.root / "tokens" / "web_service_token"),
            DOCAI_WORKER_HEALTH_FILE=str(self.alive_file(name)),
            DOCAI_PIPELINE_LEASE_SECONDS=str(self.lease_seconds),
            DOCAI_SHUTDOWN_GRACE_SECONDS="5",
            DOCAI_METRICS_PORT="0",  # off: a fixed port would collide with other suites on this host
        )
        return env

    def alive_file(self, name: str) -> Path:
        return self.root / "alive" / f"{name}.alive"

    def start(self, role: str, name: str | None = None) -> str:
        """Starts one process of ``role`` (named ``name``, default the role); returns its name."""
        name = name or role
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        log = open(self.root / "logs" / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "docai.services.cli", "run", "--role", role, "--no-seed"],
            env=self.env(role, name),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return name

    def start_workers(self, count: int, *, first: int = 0) -> list[str]:
        return [self.start("worker", f"worker-{index}") for index in range(first, first + count)]

    def log(self, name: str) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def ready(self, name: str) -> bool:
        """The process answers its role's healthcheck (what compose's healthchecks run)."""
        from docai.services.common.settings import Settings
        from docai.services.roles import healthcheck

        process = self.processes[name]
        if process.poll() is not None:
            raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)[-4000:]}")
        env = self.env(_role(name), name)
        overrides: dict[str, Any] = {
            key.removeprefix("DOCAI_").lower(): value for key, value in env.items() if key.startswith("DOCAI_")
        }
        settings = Settings(**overrides)
        return healthcheck(settings, timeout=1.0)[0]

    def wait_ready(self, names: Sequence[str], *, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(names)
        while waiting:
            waiting = [name for name in waiting if not self.ready(name)]
            if waiting and time.monotonic() > deadline:
                raise AssertionError(
                    f"not ready after {timeout:.0f} s: {waiting}\n"
                    + "\n".join(self.log(name)[-3000:] for name in waiting)
                )
            if waiting:
                time.sleep(0.2)

    def signal(self, name: str, sig: int) -> None:
        os.kill(self.processes[name].pid, sig)

    def stop(self, timeout: float = 30.0) -> dict[str, int]:
        """SIGTERM to every process still running; SIGKILL to any that does not exit in ``timeout``."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGCONT)
                    process.terminate()
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _role(name: str) -> str:
    return name.split("-")[0]


def tenant_token(database_url: str, tenant: str = "acme") -> str:
    from docai.services.common.tenants import ensure_tenant, issue_token
    from docai.services.storage.database import open_database

    db = open_database(database_url)
    try:
        ensure_tenant(db, tenant_id=tenant)
        return issue_token(db, tenant_id=tenant, label="scale-out")
    finally:
        db.dispose()


def upload_all(address: str, token: str, pdfs: Sequence[bytes], *, threads: int = 4, prefix: str = "inv") -> list[str]:
    """Uploads every PDF through the api (``threads`` at a time); returns the document ids in order."""
    from docai.services.client import DocaiClient

    def send(batch: list[tuple[int, bytes]]) -> list[tuple[int, str]]:
        out = []
        with DocaiClient(address, token) as client:
            for index, pdf in batch:
                document = client.upload(pdf, filename=f"{prefix}-{index}.pdf", request_id=f"{prefix}-{index}")
                out.append((index, document.name.removeprefix("documents/")))
        return out

    batches = [[(i, pdf) for i, pdf in enumerate(pdfs) if i % threads == t] for t in range(threads)]
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        results = [pair for batch in pool.map(send, batches) for pair in batch]
    return [document_id for _, document_id in sorted(results)]


def counts(database_url: str) -> dict[str, int]:
    """Documents by state, plus ``work_items`` still queued."""
    import psycopg

    with psycopg.connect(_libpq(database_url)) as conn:
        found = dict(conn.execute("SELECT state, count(*) FROM documents GROUP BY state").fetchall())
        queued = conn.execute("SELECT count(*) FROM work_items").fetchone()
        found["work_items"] = queued[0] if queued else 0
    return found


def finished(database_url: str) -> int:
    found = counts(database_url)
    return sum(found.get(state, 0) for state in FINAL_STATES)


def wait_finished(database_url: str, total: int, *, timeout: float) -> float:
    """Waits until ``total`` documents are in a final state and the queue is empty; returns when (monotonic)."""
    deadline = time.monotonic() + timeout
    while True:
        found = counts(database_url)
        if sum(found.get(state, 0) for state in FINAL_STATES) >= total and found["work_items"] == 0:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"not finished after {timeout:.0f} s: {found}")
        time.sleep(0.2)


def _libpq(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def throughput(database_url: str) -> dict[str, float]:
    """Documents per minute between the first and the last final decision (their update times)."""
    import psycopg

    with psycopg.connect(_libpq(database_url)) as conn:
        row = conn.execute(
            "SELECT min(update_time), max(update_time), count(*) FROM documents WHERE state = ANY(%s)",
            (list(FINAL_STATES),),
        ).fetchone()
    assert row is not None  # an aggregate always returns one row
    first, last, n = row
    span = (last - first).total_seconds()
    return {"documents": n, "span_s": span, "per_min": (n - 1) / span * 60 if span > 0 else 0.0}


def _hold_queue(database_url: str, *, held: bool) -> None:
    """Leases every queued item far ahead (no worker takes one), or frees them all at once."""
    import psycopg

    with psycopg.connect(_libpq(database_url), autocommit=True) as conn:
        conn.execute("UPDATE work_items SET locked_until = " + ("now() + interval '1 hour'" if held else "NULL"))


def bench_one(pdfs: Sequence[bytes], *, workers: int, root: Path) -> dict[str, float]:
    """Uploads ``pdfs``, starts ``workers`` worker processes, and times them from the moment all are
    ready: the queue is held (every item leased far ahead) until then, so start-up is not counted."""
    with fresh_database("docai_bench") as url, Cluster(database_url=url, root=root) as cluster:
        cluster.start("api")
        cluster.wait_ready(["api"])
        token = tenant_token(url)
        upload_all(cluster.address, token, pdfs)
        _hold_queue(url, held=True)
        started = time.monotonic()
        names = cluster.start_workers(workers)
        cluster.wait_ready(names)
        ready = time.monotonic()
        _hold_queue(url, held=False)
        done = wait_finished(url, len(pdfs), timeout=1800)
        result = throughput(url)
        found = counts(url)
        load = os.getloadavg()[0]
    wall = done - ready
    return {
        "workers": workers,
        "documents": result["documents"],
        "wall_s": wall,
        "per_min": len(pdfs) / wall * 60,
        "span_s": result["span_s"],
        "startup_s": ready - started,
        "load_1min": load,
        "failed": found.get("failed", 0),
        "in_review": found.get("in_review", 0),
        "approved": found.get("approved", 0),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workers", default="1,3", help="worker process counts to compare, comma-separated")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds, each running every count once (interleaved); the summary keeps each count's best",
    )
    args = parser.parse_args(argv)
    if not postgres_reachable():
        print("PostgreSQL is not reachable on 127.0.0.1:5432", file=sys.stderr)
        return 2
    import tempfile

    pdfs = invoices(args.invoices)
    counts_ = [int(part) for part in args.workers.split(",") if part.strip()]
    rows = []
    for _ in range(max(1, args.repeat)):
        for count in counts_:
            with tempfile.TemporaryDirectory(prefix="docai-scale-") as folder:
                load = os.getloadavg()[0]
                row = {**bench_one(pdfs, workers=count, root=Path(folder)), "load_start": load}
            rows.append(row)
            print(json.dumps(row), flush=True)
    best = {count: max((r for r in rows if r["workers"] == count), key=lambda r: r["per_min"]) for count in counts_}
    base = best[counts_[0]]["per_min"] or 1.0
    machine = platform.processor() or platform.machine()
    print(
        f"\nscale-out, {args.invoices} invoices, {os.cpu_count()} CPU cores, {machine}, {dt.date.today().isoformat()}"
        f" (best of {max(1, args.repeat)} interleaved round(s)):"
    )
    print(
        f"| worker processes | invoices/min | speed-up | {args.invoices} invoices in | worker start-up "
        "| load (1 min) before → after |"
    )
    print("|---|---|---|---|---|---|")
    for count, row in best.items():
        print(
            f"| {count} | {row['per_min']:.0f} | {row['per_min'] / base:.2f}x | {row['wall_s']:.1f} s "
            f"| {row['startup_s']:.1f} s | {row['load_start']:.1f} → {row['load_1min']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
