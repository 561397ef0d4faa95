"""A suite that starts on a database with a job left RUNNING reports it FAILED INTERRUPTED over gRPC."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest

from docai.services.common.settings import Settings
from docai.services.pb.training.v1 import training_service_pb2 as pb
from docai.services.pb.training.v1 import training_service_pb2_grpc as pb_grpc
from docai.services.storage import tables
from docai.services.storage.database import open_database
from docai.services.testing import SuiteThread, scripted_backend

from .conftest import metadata, reason_of


def test_a_job_left_running_reads_as_interrupted_after_a_restart(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)  # what the stopped server left behind
    with db.transaction() as session:
        session.add(
            tables.TuningJob(
                id="0123456789abcdef",
                tenant_id="acme",
                task="extraction",
                state="RUNNING",
                stage="training",
                step=3,
                total_steps=10,
                request_id="r1",
                request_fingerprint="f" * 64,
                revision=4,
                start_time=dt.datetime.now(dt.UTC),
            )
        )
    db.dispose()

    settings = Settings(home=tmp_path / "home", database_url=database_url, backend="fake")
    with SuiteThread(settings, backend=scripted_backend(lambda request: "{}")) as running:
        owner, stranger = running.tenant("acme"), running.tenant("globex")
        stub = pb_grpc.TrainingServiceStub(grpc.insecure_channel(running.address))
        name = "tuningJobs/0123456789abcdef"
        job = stub.GetTuningJob(pb.GetTuningJobRequest(name=name), metadata=metadata(owner)).tuning_job
        assert job.state == pb.TUNING_JOB_STATE_FAILED and job.error.reason == "INTERRUPTED"
        assert "champion is unchanged" in job.error.message and job.error.code == grpc.StatusCode.ABORTED.value[0]
        assert job.progress.step == 3 and job.end_time.seconds > 0
        listed = stub.ListTuningJobs(pb.ListTuningJobsRequest(), metadata=metadata(owner)).tuning_jobs
        assert [j.name for j in listed] == [name]
        with pytest.raises(grpc.RpcError) as raised:
            stub.GetTuningJob(pb.GetTuningJobRequest(name=name), metadata=metadata(stranger))
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(raised.value) == "TUNING_JOB_NOT_FOUND"
        assert list(stub.ListTuningJobs(pb.ListTuningJobsRequest(), metadata=metadata(stranger)).tuning_jobs) == []
