"""docai's offline tools as an extension of the suite (entry point ``docai.extensions``, see
:mod:`docai.services.extensions`): the tuning jobs, the offline commands and the demo invoices."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from docai.services.extensions import JobContext
from docai.services.tuning.jobs import JobRunner

__all__ = ["add_commands", "job_runner", "sample_invoices"]


def job_runner(context: JobContext) -> JobRunner:
    """Jobs that train in a subprocess, gate against the champion and hot-swap the suite's backend."""
    from docai.services.models.base_model import ensure_base_model
    from docai.training.jobs import JobManager, default_work_dir

    settings = context.settings
    return JobManager(
        db=context.db,
        registry=context.registry,
        backend=context.backend,
        work_dir=default_work_dir(settings.home),
        model_dir=lambda: ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None),
        descriptions=context.descriptions,
        dev_set=settings.dev_set,
    )


def add_commands(subparsers: Any, settings: Callable[[argparse.Namespace], Any]) -> None:
    """``eval``, ``calibrate``, ``eval-compare``, ``bench``, ``train``, ``adapters`` and ``train-synthetic``."""
    from docai.training.cli import register

    register(subparsers, settings)


def sample_invoices(count: int) -> list[bytes]:
    """Synthetic invoices from seeds no training run, calibration or benchmark uses (1000..)."""
    from docai.training.synthetic import generate_invoice

    return [generate_invoice(1000 + seed).pdf for seed in range(count)]
