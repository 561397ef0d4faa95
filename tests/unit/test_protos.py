"""The protos pass buf lint (STANDARD) and the committed stubs match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO

BUF = REPO / "node_modules" / ".bin" / "buf"


def test_buf_lint_passes():
    if not BUF.exists():
        pytest.skip("buf is not installed (make test installs it with npm)")
    result = subprocess.run(
        [str(BUF), "lint"], cwd=REPO / "protos", capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_stubs_match_the_protos(tmp_path: Path):
    out = tmp_path / "pb"
    out.mkdir()
    protos = sorted(str(p.relative_to(REPO / "protos")) for p in (REPO / "protos").rglob("*.proto"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            "protos",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            *protos,
        ],
        cwd=REPO,
        check=True,
        timeout=120,
    )
    for generated in (out / "docai").rglob("*_pb2*.py"):
        committed = REPO / "services" / "pb" / generated.relative_to(out / "docai")
        assert committed.exists(), f"{committed} missing: run `make protos`"
        text = generated.read_text().replace("from docai.", "from docai.services.pb.")
        assert text == committed.read_text(), f"{committed} is stale: run `make protos`"
