"""What tuning tasks there are and what differs between them: one registration per kind of task.

A task name resolves to a :class:`TrainingTask` (:func:`resolve`): ``extraction`` is one task,
``brand-<brand>`` a family with one task per brand. Jobs (:class:`~docai.training.jobs.JobManager`)
and ``docai train-synthetic`` only call the resolved task, so a new kind of task is a class
with these methods and one :func:`register` (or :func:`register_family`) call, here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from docai.schemas.parsed import ParsedDocument
from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.errors import FailedPreconditionError, InvalidArgumentError
from docai.services.storage import tables
from docai.services.tuning.jobs import JobOptions
from docai.training.brand_data import brand_dataset
from docai.training.catalogue import heldout_catalogue
from docai.training.dataset import DatasetBuild, build_dataset, correction_examples, synthetic_examples
from docai.training.description_gate import GateProduct, heldout_products
from docai.training.gate import GateReport, dev_documents, heldout_documents

__all__ = [
    "DEV_PRODUCTS",
    "BrandTask",
    "ExtractionTask",
    "GateFn",
    "JobResources",
    "TrainingTask",
    "register",
    "register_family",
    "resolve",
]

GateFn = Callable[..., GateReport]
# Records for the trainer and a dataset summary (what docai_adapter.json records).
Records = tuple[list[dict[str, Any]], dict[str, Any]]
# Products of the benchmark's held-out catalogue a brand gate adds when dev_documents is 0 ("all").
DEV_PRODUCTS = 40


class JobResources(Protocol):
    """What tasks use of the job runner (a :class:`~docai.training.jobs.JobManager`)."""

    @property
    def db(self) -> Any: ...
    @property
    def descriptions(self) -> Any: ...
    @property
    def registry(self) -> AdapterRegistry: ...
    @property
    def backend(self) -> Any: ...
    @property
    def gate_fn(self) -> GateFn: ...
    @property
    def description_gate_fn(self) -> GateFn: ...
    @property
    def dev_set(self) -> Path: ...


class TrainingTask(Protocol):
    """One trainable task: what a job of it needs that a job of another task does not."""

    @property
    def name(self) -> str: ...

    @property
    def spec_defaults(self) -> Mapping[str, Any]:
        """TuningSpec fields this task sets over the server's defaults (a job's options still win)."""
        ...

    def check(self, jobs: JobResources, tenant_id: str, *, shared: bool = False) -> None:
        """Raises unless ``tenant_id`` may train this task (``shared``: as the operator, for every tenant)."""
        ...

    def dataset(self, jobs: JobResources, *, tenant_id: str, options: JobOptions, seed: int) -> DatasetBuild:
        """The tenant's data plus any synthetic examples asked for, split so held-out items never train."""
        ...

    def gate(
        self, jobs: JobResources, *, challenger: str, build: DatasetBuild, options: JobOptions, owner: str
    ) -> GateReport:
        """Champion serving ``owner`` ("" shared; or the base model) vs the loaded ``challenger``."""
        ...

    def synthetic_records(self, count: int, *, seed: int, workers: int, work: Path, layouts: Sequence[int]) -> Records:
        """Synthetic training records only (``docai train-synthetic``, the way shipped adapters are made)."""
        ...


def _champion(jobs: JobResources, task: str, owner: str) -> str | None:
    """The champion serving ``owner``, loaded under its versioned name only: what serves is left as it is."""
    found = jobs.registry.champion(task, tenant=owner or None)
    if found is None:
        return None
    return jobs.registry.load_into(
        jobs.backend, found.version, task=task, served_as=found.loaded_name, tenant=owner or None
    )


@dataclass(frozen=True)
class ExtractionTask:
    """Invoice extraction: reviewers' corrections and synthetic invoices, gated on field F1."""

    name: str = "extraction"

    @property
    def spec_defaults(self) -> Mapping[str, Any]:
        return {}

    def check(self, jobs: JobResources, tenant_id: str, *, shared: bool = False) -> None:
        """Every tenant may train extraction."""

    def dataset(self, jobs: JobResources, *, tenant_id: str, options: JobOptions, seed: int) -> DatasetBuild:
        with jobs.db.transaction() as session:
            rows = session.execute(
                select(tables.ApprovedExample, tables.Document.parsed)
                .join(tables.Document, tables.Document.id == tables.ApprovedExample.document_id)
                .where(tables.ApprovedExample.tenant_id == tenant_id)
            ).all()
        parsed = {row.document_id: ParsedDocument.model_validate(p) for row, p in rows if p is not None}
        examples, aside = correction_examples([row for row, _ in rows], parsed)
        if options.synthetic_examples > 0:
            examples += synthetic_examples(options.synthetic_examples, seed=10_000 + seed)
        return build_dataset(examples, set_aside=aside, max_reviewer_share=options.max_reviewer_share or 0.5, seed=seed)

    def gate(
        self, jobs: JobResources, *, challenger: str, build: DatasetBuild, options: JobOptions, owner: str
    ) -> GateReport:
        champion = _champion(jobs, self.name, owner)
        documents = {"heldout": heldout_documents(build.heldout)}
        if options.dev_documents >= 0:
            documents["dev"] = dev_documents(jobs.dev_set, limit=options.dev_documents)
        return jobs.gate_fn(jobs.backend, champion=champion, challenger=challenger, documents=documents)

    def synthetic_records(self, count: int, *, seed: int, workers: int, work: Path, layouts: Sequence[int]) -> Records:
        # The extraction model chooses among the reader's candidates: its records are the reader's questions.
        from docai.training.choice_dataset import synthetic_choice_records

        records = synthetic_choice_records(range(seed, seed + count), workers=workers, layouts=layouts, progress=True)
        digest = hashlib.sha256("\n".join(json.dumps(r, sort_keys=True) for r in records).encode()).hexdigest()
        return [{"prompt": r["prompt"], "completion": r["completion"]} for r in records], {
            "sha256": digest,
            "synthetic_seeds": f"{seed}..{seed + count - 1}",
            "train": len(records),
            "format": "choice",
        }


@dataclass(frozen=True)
class BrandTask:
    """A brand's voice (``brand-<brand>``): sellers' accepted descriptions and the synthetic catalogue,
    gated on the description scorecard. Needs the description service; a tenant's own brand
    (not a shipped one) is trained by and for that tenant only."""

    brand: str

    @property
    def name(self) -> str:
        return f"brand-{self.brand}"

    @property
    def spec_defaults(self) -> Mapping[str, Any]:
        return {}

    def _brand_id(self, jobs: JobResources, tenant_id: str) -> str:
        """The brand as ``tenant_id`` sees it (a shipped brand or its own).

        Raises:
            FailedPreconditionError: ``BRAND_TASKS_UNAVAILABLE`` without a description service.
            NotFoundError: ``BRAND_NOT_FOUND`` (also another tenant's own brand).
        """
        if jobs.descriptions is None:
            raise FailedPreconditionError(
                "this server has no description service to train brands with",
                reason="BRAND_TASKS_UNAVAILABLE",
                task=self.name,
            )
        return str(jobs.descriptions.get_brand(self.brand, tenant_id).id)

    def _own(self, jobs: JobResources, tenant_id: str) -> bool:
        """Whether the brand is ``tenant_id``'s own (not a shipped one)."""
        find = getattr(jobs.descriptions, "find_brand", None)
        return bool(tenant_id) and find is not None and not find(self.brand, tenant_id).read_only

    def check(self, jobs: JobResources, tenant_id: str, *, shared: bool = False) -> None:
        """Raises as :meth:`_brand_id`, and ``TENANT_BRAND_NOT_SHARED`` for a shared job of a tenant's own brand."""
        if shared and jobs.descriptions is not None and self._own(jobs, tenant_id):
            raise FailedPreconditionError(
                f"brand {self.brand!r} belongs to a tenant: its admin trains it, for that tenant only",
                reason="TENANT_BRAND_NOT_SHARED",
                task=self.name,
            )
        self._brand_id(jobs, tenant_id)

    def dataset(self, jobs: JobResources, *, tenant_id: str, options: JobOptions, seed: int) -> DatasetBuild:
        return brand_dataset(
            jobs.descriptions,
            self._brand_id(jobs, tenant_id),
            tenant_id=tenant_id,
            synthetic=options.synthetic_examples,
            seed=seed,
            max_reviewer_share=options.max_reviewer_share or 0.5,
        )

    def gate(
        self, jobs: JobResources, *, challenger: str, build: DatasetBuild, options: JobOptions, owner: str
    ) -> GateReport:
        """On the held-out products; ``dev_documents`` adds items of the benchmark's held-out catalogue
        (0: ``DEV_PRODUCTS``), as the shared dev set does for extraction."""
        brand = self._brand_id(jobs, owner)
        champion = _champion(jobs, self.name, owner)
        products = heldout_products(build.heldout)
        if options.dev_documents >= 0:
            items = heldout_catalogue(options.dev_documents or DEV_PRODUCTS)
            products += [GateProduct(key=f"catalogue/{item.id}", product=item.product) for item in items]
        # A tenant's own brand is looked up as its owner sees it (the descriptions are still the gate's own).
        own = {"brand_tenant": owner} if self._own(jobs, owner) else {}
        return jobs.description_gate_fn(
            jobs.descriptions, brand_id=brand, champion=champion, challenger=challenger, products=products, **own
        )

    def synthetic_records(self, count: int, *, seed: int, workers: int, work: Path, layouts: Sequence[int]) -> Records:
        from docai.training.catalogue import write_brand_dataset
        from docai.training.trainer import read_examples

        manifest = write_brand_dataset(work / "dataset", self.brand, n=count, seed=seed)
        splits = manifest["splits"]
        summary = {
            "sha256": splits["train"]["sha256"],
            "catalogue_seed": seed,
            "train": splits["train"]["examples"],
            "heldout": splits["heldout"]["examples"],
        }
        return read_examples(work / "dataset" / "train.jsonl"), summary


_TASKS: dict[str, TrainingTask] = {}
_FAMILIES: dict[str, Callable[[str], TrainingTask]] = {}  # name prefix -> the task of the rest of the name


def register(task: TrainingTask) -> None:
    """Makes ``task`` trainable under its name."""
    _TASKS[task.name] = task


def register_family(prefix: str, make: Callable[[str], TrainingTask]) -> None:
    """Makes every ``<prefix><key>`` trainable (a non-empty key): ``make(key)`` is its task."""
    _FAMILIES[prefix] = make


def resolve(name: str) -> TrainingTask:
    """The task called ``name``.

    Raises:
        InvalidArgumentError: ``UNKNOWN_TASK`` for a name no registration covers.
    """
    if name in _TASKS:
        return _TASKS[name]
    for prefix, make in _FAMILIES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return make(name[len(prefix) :])
    known = [f"'{task}'" for task in _TASKS] + [f"'{prefix}<{prefix.strip('-')}>'" for prefix in _FAMILIES]
    raise InvalidArgumentError(f"task must be {' or '.join(known)}, not {name!r}", reason="UNKNOWN_TASK", field="task")


register(ExtractionTask())
register_family("brand-", BrandTask)
