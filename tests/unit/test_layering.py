"""The arrows between the packages: serving never imports the offline tools, which plug in as an extension."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from docai.services import extensions
from docai.services.common.errors import FailedPreconditionError
from docai.services.tuning.jobs import JobOptions

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_nothing_in_services_imports_training() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if m.startswith("docai.training"))
        for path in (ROOT / "services").rglob("*.py")
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_schemas_import_neither_services_nor_training() -> None:
    for path in (ROOT / "schemas").rglob("*.py"):
        assert not [m for m in _imports(path) if m.startswith(("docai.services", "docai.training"))], path


def test_the_training_tools_plug_in_as_an_extension() -> None:
    assert callable(extensions._hooks("job_runner")[0])
    assert len(extensions.sample_invoices(2)) == 2


def test_without_the_training_tools_tuning_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extensions, "_loaded", list)
    runner = extensions.job_runner(
        extensions.JobContext(db=None, registry=None, backend=None, descriptions=None, settings=None)
    )
    assert runner.list(tenant_id="t") == []
    with pytest.raises(FailedPreconditionError) as raised:
        runner.create(tenant_id="t", options=JobOptions(), request_id="r")
    assert raised.value.reason == "TRAINING_UNAVAILABLE"
    assert extensions.sample_invoices(3) == []
