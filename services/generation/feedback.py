"""Seller feedback, stored durably as JSON lines: ``<home>/feedback/<brand>.jsonl``.

One line per record, appended and fsynced before the call returns, so acknowledged
feedback survives a crash; a torn last line (a crash mid-write) is skipped on reading.
Request ids (AIP-155) are indexed in memory from the files on first use: a retry with the
same id returns the first record, a reuse with a different request fails.

A table in the shared Alembic migration would serve several processes better; JSON lines
keep this service self-contained for now (one process writes them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docai.schemas.product import BrandGuide, FeedbackRecord, Product, Scorecard, Verdict
from docai.services.common.errors import AlreadyExistsError
from docai.services.generation.prompt import ADAPTER_FEW_SHOT, build_generation_messages

log = logging.getLogger(__name__)


def fingerprint(*, description: str, verdict: str, edited_text: str, comment: str) -> str:
    """What makes two feedback requests the same request (for request id reuse)."""
    payload = json.dumps([description, verdict, edited_text, comment], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class FeedbackStore:
    """Append-only feedback files with request-id idempotency. Thread-safe.

    Args:
        directory: Where the ``<brand>.jsonl`` files live (created on first write).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._by_request: dict[tuple[str, str], FeedbackRecord] | None = None

    def _index(self) -> dict[tuple[str, str], FeedbackRecord]:
        if self._by_request is None:
            index: dict[tuple[str, str], FeedbackRecord] = {}
            for path in sorted(self.directory.glob("*.jsonl")):
                for record in _read(path):
                    index.setdefault((record.tenant_id, record.request_id), record)
            self._by_request = index
        return self._by_request

    def submit(
        self,
        *,
        tenant_id: str,
        brand: str,
        description_id: str,
        verdict: Verdict,
        request_id: str,
        edited_text: str = "",
        comment: str = "",
        product: Product | None = None,
        generated_text: str = "",
        edited_scorecard: Scorecard | None = None,
    ) -> FeedbackRecord:
        """Store one feedback record, or return the one stored under ``request_id`` before.

        Raises:
            AlreadyExistsError: ``request_id`` was used for a different request (``REQUEST_ID_REUSED``).
        """
        print_ = fingerprint(
            description=f"brands/{brand}/descriptions/{description_id}",
            verdict=verdict,
            edited_text=edited_text,
            comment=comment,
        )
        with self._lock:
            index = self._index()
            known = index.get((tenant_id, request_id))
            if known is not None:
                if known.fingerprint != print_:
                    raise AlreadyExistsError(
                        "request_id was already used with a different request", reason="REQUEST_ID_REUSED"
                    )
                return known
            record = FeedbackRecord(
                id=uuid.uuid4().hex[:16],
                tenant_id=tenant_id,
                brand=brand,
                description_id=description_id,
                verdict=verdict,
                edited_text=edited_text,
                comment=comment,
                request_id=request_id,
                fingerprint=print_,
                product=product,
                generated_text=generated_text,
                edited_scorecard=edited_scorecard,
                create_time=datetime.now(UTC),
            )
            self._append(brand, record)
            index[(tenant_id, request_id)] = record
            return record

    def _append(self, brand: str, record: FeedbackRecord) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{brand}.jsonl"
        created = not path.exists()
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(record.model_dump_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if created:
            # The new directory entry must be durable too, or the file can vanish in a crash.
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def records(self, brand: str, *, tenant_id: str | None = None) -> list[FeedbackRecord]:
        """Every stored record of ``brand`` (of one tenant when given), oldest first."""
        path = self.directory / f"{brand}.jsonl"
        with self._lock:
            rows = _read(path) if path.exists() else []
        return [r for r in rows if tenant_id is None or r.tenant_id == tenant_id]

    def training_examples(
        self, brand: BrandGuide, *, score: Callable[[str, Product], Scorecard], tenant_id: str | None = None
    ) -> list[dict[str, Any]]:
        """SFT records from what sellers published: accepted texts and edits, if they pass the scorecard.

        The latest feedback per description wins; rejected descriptions and records without
        the product teach nothing.

        Args:
            brand: The brand.
            score: Scores a text against a product (the service's scorecard).
            tenant_id: Only this tenant's feedback.

        Returns:
            ``{"prompt": [...], "completion": [{"role": "assistant", ...}]}`` records, with the
            feedback's ``id``, ``brand``, ``tenant``, ``description`` and ``product`` (JSON) beside
            them, so a dataset can split by product and a gate can describe the product again.
        """
        latest: dict[str, FeedbackRecord] = {}
        for record in self.records(brand.id, tenant_id=tenant_id):
            latest[f"{record.tenant_id}/{record.description_id}"] = record
        examples: list[dict[str, Any]] = []
        for record in latest.values():
            text = record.edited_text if record.verdict == "edited" else record.generated_text
            if record.verdict == "rejected" or record.product is None or not text.strip():
                continue
            if not score(text, record.product).passed:
                continue
            examples.append(
                {
                    "prompt": build_generation_messages(record.product, brand, few_shot=ADAPTER_FEW_SHOT),
                    "completion": [{"role": "assistant", "content": text.strip()}],
                    "id": record.name,
                    "brand": brand.id,
                    "tenant": record.tenant_id,
                    "description": record.description_name,
                    "product": record.product.model_dump(mode="json"),
                }
            )
        return examples


def _read(path: Path) -> list[FeedbackRecord]:
    records: list[FeedbackRecord] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                records.append(FeedbackRecord.model_validate_json(line))
            except ValueError:
                log.warning("skipping unreadable line %d of %s (torn write?)", number, path)
    return records
