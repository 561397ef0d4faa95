"""What installed packages add to the suite: tuning jobs, offline commands and demo samples.

Serving never imports the offline tools (``docai.training``: datasets, trainer, gates,
evaluation, benchmarks). They plug in through the entry-point group ``docai.extensions``
(``pyproject.toml``), the packaging's own way of inverting a dependency, so a serving image
built without them runs everything but tuning, and the arrow between the two points one way.
"""

from __future__ import annotations

import argparse
import builtins
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from docai.services.common.errors import FailedPreconditionError
from docai.services.tuning.jobs import JobOptions, JobRunner, TuningJob

if TYPE_CHECKING:
    from docai.services.adapters.registry import AdapterRegistry
    from docai.services.common.settings import Settings
    from docai.services.generation.service import DescriptionService
    from docai.services.models.backend import TextGenerator
    from docai.services.storage.database import Database

__all__ = ["Extension", "JobContext", "add_commands", "job_runner", "sample_invoices"]

GROUP = "docai.extensions"
log = logging.getLogger("docai.extensions")


@dataclass(frozen=True)
class JobContext:
    """What a job runner is built from: the suite's parts it trains, gates and hot-swaps with."""

    db: Database
    registry: AdapterRegistry
    backend: TextGenerator
    descriptions: DescriptionService
    settings: Settings


class Extension(Protocol):
    """An extension module; each hook is optional."""

    def job_runner(self, context: JobContext) -> JobRunner: ...

    def add_commands(self, subparsers: Any, settings: Callable[[argparse.Namespace], Any]) -> None: ...

    def sample_invoices(self, count: int) -> list[bytes]: ...


@cache  # the installed extensions do not change while a process runs
def _loaded() -> list[Any]:
    found = []
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        try:
            found.append(point.load())
        except ImportError as exc:  # an extension whose own dependencies are missing: serve without it
            log.warning("extension %s not loaded: %s", point.name, exc)
    return found


def _hooks(name: str) -> list[Callable[..., Any]]:
    return [getattr(ext, name) for ext in _loaded() if callable(getattr(ext, name, None))]


def job_runner(context: JobContext) -> JobRunner:
    """The first extension's job runner, else one that says tuning is not installed."""
    hooks = _hooks("job_runner")
    return hooks[0](context) if hooks else NoTraining()


def add_commands(subparsers: Any, settings: Callable[[argparse.Namespace], Any]) -> None:
    """Every extension's commands added to the ``docai`` command."""
    for hook in _hooks("add_commands"):
        hook(subparsers, settings)


def sample_invoices(count: int) -> list[bytes]:
    """``count`` demo invoices (PDF bytes) from the first extension that makes them; none without one."""
    hooks = _hooks("sample_invoices")
    return list(hooks[0](count)) if hooks else []


class NoTraining:
    """The job runner of a suite installed without the training tools: no job exists or can start."""

    def _missing(self) -> FailedPreconditionError:
        return FailedPreconditionError(
            "this suite was installed without the training tools (docai.training)", reason="TRAINING_UNAVAILABLE"
        )

    def create(
        self, *, tenant_id: str, options: JobOptions, request_id: str, start: bool = True, shared: bool = False
    ) -> TuningJob:
        raise self._missing()

    def get(self, *, tenant_id: str, job_id: str) -> TuningJob:
        raise self._missing()

    def list(self, *, tenant_id: str) -> list[TuningJob]:
        return []

    def wait_change(self, *, tenant_id: str, job_id: str, after: int, timeout: float) -> TuningJob:
        raise self._missing()

    def cancel(self, *, tenant_id: str, job_id: str) -> TuningJob:
        raise self._missing()

    def recover(self) -> builtins.list[str]:
        return []
