"""Scale-out as compose runs it, with processes (issue 15): one api, three workers, one web, PostgreSQL.

200 invoices go in through the api while three worker processes take them; one worker is killed
(SIGKILL) midway while it holds a document. Every document is processed exactly once: each
reaches a final state, with one event per state, one system audit entry and at most one review
task; the killed worker's document is taken over when its lease runs out; nothing is lost. The
review page, a separate process that only talks gRPC to the api, shows the queue.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import re
import signal
import subprocess
import sys
import time

import httpx
import psycopg
import pytest

from docai.training.bench.scale_out import (
    Cluster,
    counts,
    finished,
    fresh_database,
    invoices,
    postgres_reachable,
    tenant_token,
    upload_all,
    wait_finished,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL is not reachable on 127.0.0.1:5432"),
]

INVOICES = 200
LEASE_S = 6.0  # renewed every 2 s: a frozen worker's lease is the one that stops moving


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _leased(url: str) -> dict[int, tuple[str, int, dt.datetime]]:
    """Work items under a live lease: id -> (document id, attempts, locked_until)."""
    with psycopg.connect(_libpq(url)) as conn:
        rows = conn.execute(
            "SELECT id, document_id, attempts, locked_until FROM work_items WHERE locked_until > now()"
        ).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _kill_while_holding(cluster: Cluster, name: str, url: str) -> dict[int, tuple[str, int, dt.datetime]]:
    """SIGKILLs worker ``name`` while it holds a document; returns its items as it held them.

    The worker is frozen (SIGSTOP) first: the live workers keep renewing their leases, so the
    leases that stop moving while it is frozen are its own. Were it between two documents, it
    is let go again and frozen a moment later.
    """
    for _ in range(20):
        cluster.signal(name, signal.SIGSTOP)
        time.sleep(0.2)
        before = _leased(url)
        time.sleep(LEASE_S / 2)  # longer than the renewal interval (a third of the lease)
        after = _leased(url)
        held = {item: lease for item, lease in before.items() if after.get(item) == lease}
        if held:
            cluster.signal(name, signal.SIGKILL)
            cluster.processes[name].wait(10)
            return held
        cluster.signal(name, signal.SIGCONT)
        time.sleep(0.3)
    raise AssertionError(f"{name} never held a document while frozen")


def _web_queue_total(cluster: Cluster) -> int:
    with httpx.Client(base_url=cluster.web_url, follow_redirects=True, timeout=30) as web:
        form = web.get("/login")
        assert form.status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        page = web.post(
            "/login",
            data={
                "username": "reviewer@acme",
                "password": "scale-out-pw",
                "next": "/",
                **({"csrf_token": csrf.group(1)} if csrf else {}),
            },
        )
        assert page.status_code == 200, page.text[:500]
        found = re.search(r'data-testid="total">(\d+)<', page.text)
        assert found, page.text[:2000]
        return int(found.group(1))


def test_three_workers_process_every_document_exactly_once_while_one_is_killed(tmp_path):
    from docai.services.web.users import create_user

    pdfs = invoices(INVOICES)
    with fresh_database() as url:
        with Cluster(database_url=url, root=tmp_path, lease_seconds=LEASE_S) as cluster:
            (tmp_path / "web").mkdir()
            create_user(
                tmp_path / "web", username="reviewer@acme", password="scale-out-pw", tenant="acme", role="approver"
            )
            # Every role at once on a fresh database: one process migrates it, the others wait for it.
            names = [cluster.start("api"), *cluster.start_workers(3), cluster.start("web")]
            cluster.wait_ready(names)
            token = tenant_token(url)

            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                uploading = pool.submit(upload_all, cluster.address, token, pdfs)
                deadline = time.monotonic() + 120
                while finished(url) < INVOICES // 3:
                    assert time.monotonic() < deadline, counts(url)
                    assert not uploading.done() or uploading.exception() is None, uploading.exception()
                    time.sleep(0.2)
                held = _kill_while_holding(cluster, "worker-0", url)
                killed_at = dt.datetime.now(dt.UTC)
                uploaded = uploading.result(timeout=180)
            wait_finished(url, INVOICES, timeout=180)

            # The two live workers answer their healthcheck (what compose runs), through the CLI.
            check = subprocess.run(
                [sys.executable, "-m", "docai.services.cli", "healthcheck"],
                env=cluster.env("worker", "worker-1"),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert check.returncode == 0, check.stderr
            in_review_on_page = _web_queue_total(cluster)
            codes = cluster.stop()

        assert cluster.processes["worker-0"].returncode == -signal.SIGKILL
        assert {name: code for name, code in codes.items() if name != "worker-0"} == {
            "api": 0,
            "worker-1": 0,
            "worker-2": 0,
            "web": 0,
        }, {name: cluster.log(name)[-2000:] for name, code in codes.items() if code}

        with psycopg.connect(_libpq(url)) as conn:
            states = dict(conn.execute("SELECT id, state FROM documents").fetchall())
            duplicate_events = conn.execute(
                "SELECT document_id, state, count(*) FROM events GROUP BY document_id, state HAVING count(*) > 1"
            ).fetchall()
            events = conn.execute("SELECT state, count(DISTINCT document_id) FROM events GROUP BY state").fetchall()
            audit = dict(
                conn.execute(
                    "SELECT document_id, count(*) FROM audit_entries WHERE actor = 'system' GROUP BY document_id"
                ).fetchall()
            )
            tasks = dict(conn.execute("SELECT document_id, count(*) FROM review_tasks GROUP BY document_id").fetchall())
            queued = conn.execute("SELECT count(*) FROM work_items").fetchone()[0]
            finals = dict(conn.execute("SELECT id, update_time FROM documents").fetchall())

    # Nothing lost: every acknowledged upload is a document, and the queue is empty.
    assert len(uploaded) == len(set(uploaded)) == INVOICES
    assert set(states) == set(uploaded)
    assert queued == 0
    # Every document reached a final state (the fake model reads nothing: the page decides).
    assert set(states.values()) <= {"approved", "in_review"}, sorted(set(states.values()))
    # Exactly once: one event per state per document, every step taken by every document.
    assert duplicate_events == []
    per_state = dict(events)
    for state in ("received", "parsed", "extracted", "routed"):
        assert per_state.get(state) == INVOICES, (state, per_state)
    assert per_state.get("approved", 0) + per_state.get("in_review", 0) == INVOICES
    assert audit == {document_id: 1 for document_id in uploaded}
    assert tasks == {document_id: 1 for document_id, state in states.items() if state == "in_review"}
    # The killed worker's document was taken over when its lease ran out, and finished once.
    for document_id, _attempts, locked_until in held.values():
        assert states[document_id] in ("approved", "in_review")
        assert finals[document_id] >= locked_until >= killed_at - dt.timedelta(seconds=LEASE_S)
    # The review page (its own process, a gRPC client of the api) shows the tenant's queue.
    assert in_review_on_page == sum(1 for state in states.values() if state == "in_review")
