"""TrainingService over gRPC: thin translation to the job runner and the adapter registry.

Models are per tenant. A tenant's admin trains, promotes and rolls back that tenant's adapters
(its own champion, served to its invoices only); the deployment's operator changes the shared
ones every tenant without a champion of its own is served with. Anyone of the tenant may read
its jobs and the adapters it can see (shared ones and its own, never another tenant's).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import grpc

from docai.services.adapters.registry import AdapterRegistry
from docai.services.common import paging
from docai.services.common.access import require_admin_or_operator
from docai.services.common.errors import InvalidArgumentError
from docai.services.common.names import parse_name, require
from docai.services.common.server import caller
from docai.services.common.tenants import Caller
from docai.services.pb.training.v1 import training_service_pb2 as pb
from docai.services.pb.training.v1 import training_service_pb2_grpc as pb_grpc
from docai.services.tuning.convert import adapter_to_pb, job_to_pb, options_from_pb
from docai.services.tuning.jobs import TERMINAL_STATES, JobRunner

_WATCH_POLL_S = 1.0


def _adapter_name(name: str) -> tuple[str, str]:
    match = re.fullmatch(r"adapters/([a-z][a-z0-9_-]{0,62})/versions/([A-Za-z0-9_-]{1,64})", name or "")
    if not match:
        raise InvalidArgumentError(
            "name must look like adapters/{task}/versions/{version}", reason="INVALID_NAME", field="name"
        )
    return match.group(1), match.group(2)


def _task(parent: str) -> str:
    match = re.fullmatch(r"adapters/([a-z][a-z0-9_-]{0,62})", parent or "")
    if not match:
        raise InvalidArgumentError("parent must look like adapters/{task}", reason="INVALID_NAME", field="parent")
    return match.group(1)


def _view(found: Caller) -> str | None:
    """Whose models a caller sees and changes: its tenant's, or for the operator the shared ones (None)."""
    return None if found.scope == "operator" else found.tenant_id


class TrainingServicer(pb_grpc.TrainingServiceServicer):
    """Tuning jobs and adapter versions.

    Args:
        jobs: Runs the jobs.
        registry: Adapter versions and aliases.
        backend: The serving backend, hot-swapped on promotion and rollback.
    """

    def __init__(self, *, jobs: JobRunner, registry: AdapterRegistry, backend: Any) -> None:
        self.jobs = jobs
        self.registry = registry
        self.backend = backend
        self._done: dict[tuple[str, str, str, str], str] = {}  # AIP-155 for alias moves

    async def CreateTuningJob(
        self, request: pb.CreateTuningJobRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTuningJobResponse:
        me = require_admin_or_operator(action="train the tenant's models")
        require(request.task, field="task")
        require(request.request_id, field="request_id")
        job = await asyncio.to_thread(
            self.jobs.create,
            tenant_id=me.tenant_id,
            options=options_from_pb(request),
            request_id=request.request_id,
            shared=_view(me) is None,
        )
        return pb.CreateTuningJobResponse(tuning_job=job_to_pb(job))

    async def GetTuningJob(
        self, request: pb.GetTuningJobRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTuningJobResponse:
        job_id = parse_name(request.name, collection="tuningJobs")
        job = await asyncio.to_thread(self.jobs.get, tenant_id=caller().tenant_id, job_id=job_id)
        return pb.GetTuningJobResponse(tuning_job=job_to_pb(job))

    async def ListTuningJobs(
        self, request: pb.ListTuningJobsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTuningJobsResponse:
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        jobs = await asyncio.to_thread(self.jobs.list, tenant_id=caller().tenant_id)
        more = offset + size < len(jobs)
        return pb.ListTuningJobsResponse(
            tuning_jobs=[job_to_pb(j) for j in jobs[offset : offset + size]],
            next_page_token=paging.encode_token(offset + size) if more else "",
        )

    async def CancelTuningJob(
        self, request: pb.CancelTuningJobRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelTuningJobResponse:
        me = require_admin_or_operator(action="cancel a tuning job")
        job_id = parse_name(request.name, collection="tuningJobs")
        job = await asyncio.to_thread(self.jobs.cancel, tenant_id=me.tenant_id, job_id=job_id)
        return pb.CancelTuningJobResponse(tuning_job=job_to_pb(job))

    async def WatchTuningJob(
        self, request: pb.WatchTuningJobRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchTuningJobResponse]:
        tenant_id = caller().tenant_id
        job_id = parse_name(request.name, collection="tuningJobs")
        job = await asyncio.to_thread(self.jobs.get, tenant_id=tenant_id, job_id=job_id)
        yield pb.WatchTuningJobResponse(tuning_job=job_to_pb(job))
        while job.state not in TERMINAL_STATES:
            seen = job.revision
            job = await asyncio.to_thread(
                self.jobs.wait_change, tenant_id=tenant_id, job_id=job_id, after=seen, timeout=_WATCH_POLL_S
            )
            if job.revision != seen:
                yield pb.WatchTuningJobResponse(tuning_job=job_to_pb(job))

    async def ListAdapters(
        self, request: pb.ListAdaptersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAdaptersResponse:
        versions = await asyncio.to_thread(
            partial(self.registry.versions, _task(request.parent), tenant=_view(caller()))
        )
        return pb.ListAdaptersResponse(adapters=[adapter_to_pb(v) for v in versions])

    async def GetAdapter(
        self, request: pb.GetAdapterRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAdapterResponse:
        task, version = _adapter_name(request.name)
        found = await asyncio.to_thread(partial(self.registry.get, task, version, tenant=_view(caller())))
        return pb.GetAdapterResponse(adapter=adapter_to_pb(found))

    async def PromoteAdapter(
        self, request: pb.PromoteAdapterRequest, context: grpc.aio.ServicerContext
    ) -> pb.PromoteAdapterResponse:
        me = require_admin_or_operator(action="promote an adapter")
        view = _view(me)
        task, version = _adapter_name(request.name)
        require(request.request_id, field="request_id")
        key = (me.tenant_id, me.scope, "PromoteAdapter", request.request_id)
        if key in self._done:
            return pb.PromoteAdapterResponse(
                adapter=adapter_to_pb(self.registry.get(task, self._done[key], tenant=view))
            )
        promoted = await asyncio.to_thread(self._promote, task, version, view)
        self._done[key] = promoted.version
        return pb.PromoteAdapterResponse(adapter=adapter_to_pb(promoted))

    async def RollbackAdapter(
        self, request: pb.RollbackAdapterRequest, context: grpc.aio.ServicerContext
    ) -> pb.RollbackAdapterResponse:
        me = require_admin_or_operator(action="roll back an adapter")
        view = _view(me)
        task = _task(request.parent)
        require(request.request_id, field="request_id")
        key = (me.tenant_id, me.scope, "RollbackAdapter", request.request_id)
        if key in self._done:
            return pb.RollbackAdapterResponse(
                adapter=adapter_to_pb(self.registry.get(task, self._done[key], tenant=view))
            )
        champion = await asyncio.to_thread(self._rollback, task, view)
        self._done[key] = champion.version
        return pb.RollbackAdapterResponse(adapter=adapter_to_pb(champion))

    def _promote(self, task: str, version: str, tenant: str | None) -> Any:
        promoted = self.registry.promote(task, version, tenant=tenant)
        self.registry.activate(self.backend, task, tenant=tenant)
        return self.registry.get(task, promoted.version, tenant=tenant)

    def _rollback(self, task: str, tenant: str | None) -> Any:
        champion = self.registry.rollback(task, tenant=tenant)
        self.registry.activate(self.backend, task, tenant=tenant)
        return self.registry.get(task, champion.version, tenant=tenant)


def registration(servicer: TrainingServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_TrainingServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["TrainingService"].full_name,
    )
