"""Benchmark: one page of ListReviewTasks with many open tasks in a tenant (issue 13, defect 8).

Fills a fresh database with N invoices in review for one tenant (each with a real parsed page and
extraction, as the pipeline stores them; one in 500 with a rare reason code, one vendor in
100 named "Rare"), then times ``ReviewQueue.list`` for several queries, median of a few runs:

    .venv/bin/python -m docai.training.bench.review_listing [--tasks 10000] [--runs 5] [--postgres]

``--postgres`` uses a new database on 127.0.0.1:5432 (trust auth, dropped afterwards), else a
SQLite file in a temporary folder. Prints milliseconds per query; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert

from docai.schemas.invoice import ExtractedField, Extraction
from docai.services.common.tenants import create_tenant
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.review.queue import ReviewQueue
from docai.services.storage import tables
from docai.services.storage.database import open_database
from docai.training.synthetic import generate_invoice

PG = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@contextmanager
def database_url(postgres: bool) -> Iterator[str]:
    if not postgres:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'docai.db'}"
        return
    import psycopg

    name = f"docai_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(url: str, count: int) -> None:
    db = open_database(url)
    create_tenant(db, tenant_id="acme")
    create_tenant(db, tenant_id="other")
    invoice = generate_invoice(21)
    parsed = parse_pdf(invoice.pdf).model_dump()
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for first in range(0, count, 1000):
        docs, tasks = [], []
        for i in range(first, min(first + 1000, count)):
            vendor = f"Rare Vendor {i}" if i % 100 == 7 else f"Vendor {i % 37} GmbH"
            fields = {
                "vendor_name": ExtractedField(value=vendor, confidence=0.9),
                "total_gross": ExtractedField(value=f"{(i * 7919) % 100000 / 100:.2f}", confidence=0.9),
                "currency": ExtractedField(value="EUR", confidence=0.9),
            }
            code = "CREDIT_NOTE" if i % 500 == 3 else "CHECK_FAILED"
            doc_id = f"d{i:06d}"
            created = start + dt.timedelta(seconds=i)
            docs.append(
                {
                    "id": doc_id,
                    "tenant_id": "acme",
                    "filename": f"{i}.pdf",
                    "sha256": "0" * 64,
                    "size_bytes": 1,
                    "page_count": 1,
                    "state": "in_review",
                    "parsed": parsed,
                    "review_reasons": [code],
                    "extraction": Extraction(fields=fields).model_dump(),
                    "checks": [],
                    "create_time": created,
                    "update_time": created,
                }
            )
            tasks.append(
                {
                    "id": f"t{i:06d}",
                    "tenant_id": "acme",
                    "document_id": doc_id,
                    "state": "open",
                    "reasons": [{"code": code, "field": "", "detail": "", "check": ""}],
                    "version": 1,
                    "claimed_by": "",
                    "create_time": created,
                    "update_time": created,
                }
            )
        with db.transaction() as session:
            session.execute(insert(tables.Document), docs)
            session.execute(insert(tables.ReviewTask), tasks)
    db.dispose()


def timed(call: Callable[[], object], runs: int) -> float:
    call()  # warm the caches
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with database_url(args.postgres) as url:
        began = time.perf_counter()
        fill(url, args.tasks)
        print(
            f"{'postgresql' if args.postgres else 'sqlite'}: {args.tasks} open tasks "
            f"(filled in {time.perf_counter() - began:.1f} s)"
        )
        db = open_database(url)
        queue = ReviewQueue(db=db)
        queries: dict[str, dict[str, object]] = {
            "first page (50, oldest first)": {},
            "first page, newest first": {"order_by": "-create_time"},
            "first page by total, largest first": {"order_by": "-total_gross"},
            "page at offset 9000": {"offset": 9000},
            "reason code, 20 of 10000": {"reason_code": "CREDIT_NOTE"},
            "vendor contains 'rare', 100": {"vendor_contains": "rare"},
            "bank details unconfirmed, none": {"bank_details_unconfirmed": True},
            "another tenant, none": {"tenant_id": "other"},
        }
        for label, query in queries.items():
            kwargs = {"tenant_id": "acme", "page_size": 50} | query
            views, total = queue.list(**kwargs)  # type: ignore[arg-type]
            ms = timed(lambda: queue.list(**kwargs), args.runs)  # type: ignore[arg-type]  # noqa: B023
            print(f"  {label:<40} {ms:9.1f} ms   ({len(views)} shown of {total})")
        db.dispose()


if __name__ == "__main__":
    main()
