"""A suite whose Python cannot import the offline tools (docai.training) still serves, and says why
tuning is missing: serving depends on training only through the docai.extensions entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Runs in a fresh interpreter in which any import of docai.training fails, as in an image without it.
SCRIPT = r"""
import importlib.abc, json, sys

class NoTraining(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "docai.training" or name.startswith("docai.training."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoTraining())

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from docai.services.common.settings import Settings
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb, ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.training.v1 import training_service_pb2 as pb, training_service_pb2_grpc as pb_grpc
from docai.services.testing import SuiteThread, scripted_backend

settings = Settings(home=sys.argv[1], backend="fake")
out = {}
with SuiteThread(settings, backend=scripted_backend(lambda request: "{}")) as suite:
    auth = (("authorization", "Bearer " + suite.person("acme", "ada", role="admin")),)
    with grpc.insecure_channel(suite.address) as channel:
        stub = pb_grpc.TrainingServiceStub(channel)
        out["listed"] = len(stub.ListTuningJobs(pb.ListTuningJobsRequest(), metadata=auth).tuning_jobs)
        try:
            stub.CreateTuningJob(pb.CreateTuningJobRequest(task="extraction", request_id="r1"), metadata=auth)
        except grpc.RpcError as exc:
            status = rpc_status.from_call(exc)
            info = error_details_pb2.ErrorInfo()
            status.details[0].Unpack(info)
            out["create"] = [exc.code().name, info.reason]
        out["ingest"] = ingest_grpc.IngestServiceStub(channel).ListDocuments(
            ingest_pb.ListDocumentsRequest(), metadata=auth).__class__.__name__
out["training_imported"] = sorted(m for m in sys.modules if m.startswith("docai.training"))
print(json.dumps(out))
"""


def test_a_suite_without_the_training_tools_serves_and_says_tuning_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "home")], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {
        "listed": 0,
        "create": ["FAILED_PRECONDITION", "TRAINING_UNAVAILABLE"],
        "ingest": "ListDocumentsResponse",
        "training_imported": [],
    }
