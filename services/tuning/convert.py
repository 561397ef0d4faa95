"""Domain ↔ protobuf conversions of the training service (the domain never imports *_pb2)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from docai.services.adapters.registry import AdapterVersion
from docai.services.pb.training.v1 import training_service_pb2 as pb
from docai.services.tuning.jobs import JobOptions, JobState, TuningJob

# Every state has its API value (the enum names match: TUNING_JOB_STATE_<state>).
_STATES = {state: pb.TuningJobState.Value(f"TUNING_JOB_STATE_{state.name}") for state in JobState}


def _struct(data: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    # Struct holds JSON values only: round-trip through JSON drops tuples, datetimes and NaN surprises.
    out.update(json.loads(json.dumps(data, default=str)))
    return out


def _timestamp(value: dt.datetime | str | None) -> timestamp_pb2.Timestamp | None:
    if not value:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value.astimezone(dt.UTC).replace(tzinfo=None))
    return stamp


def options_from_pb(request: pb.CreateTuningJobRequest) -> JobOptions:
    config = request.config
    return JobOptions(
        task=request.task,
        max_steps=config.max_steps,
        learning_rate=config.learning_rate,
        lora_rank=config.lora_rank,
        synthetic_examples=config.synthetic_examples,
        auto_promote=config.auto_promote,
        max_reviewer_share=config.max_reviewer_share,
        # JobOptions counts 0 as all and -1 as none; the API's zero value must mean none (cheap).
        dev_documents={0: -1, -1: 0}.get(config.dev_documents, config.dev_documents),
    )


def job_to_pb(job: TuningJob) -> pb.TuningJob:
    message = pb.TuningJob(
        name=job.name,
        task=job.task,
        state=_STATES[job.state],
        progress=pb.TuningProgress(
            stage=job.stage, step=job.step, total_steps=job.total_steps, loss=job.loss, eta_seconds=job.eta_s
        ),
        metrics=_struct(job.metrics),
        adapter=job.adapter,
        promoted=job.promoted,
        gate_summary=job.gate_summary,
        dataset_sha256=job.dataset_sha256,
    )
    if job.error_reason:
        message.error.CopyFrom(
            pb.TuningJobError(code=job.error_code, reason=job.error_reason, message=job.error_message)
        )
    for field, value in (("create_time", job.create_time), ("start_time", job.start_time), ("end_time", job.end_time)):
        stamp = _timestamp(value)
        if stamp is not None:
            getattr(message, field).CopyFrom(stamp)
    return message


def adapter_to_pb(version: AdapterVersion) -> pb.Adapter:
    message = pb.Adapter(
        name=version.name,
        task=version.task,
        version=version.version,
        base_model=version.base_model,
        dataset_sha256=version.dataset_sha256,
        metrics=_struct(version.metrics),
        gate_report=_struct(version.gate),
        aliases=list(version.aliases),
    )
    stamp = _timestamp(version.create_time)
    if stamp is not None:
        message.create_time.CopyFrom(stamp)
    return message
