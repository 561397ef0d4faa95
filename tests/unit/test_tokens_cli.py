"""`docai tokens create|list|revoke|rotate`: credentials that carry who the caller is (issue 13)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from docai.services.cli import main
from docai.services.common.errors import UnauthenticatedError
from docai.services.common.tenants import Caller, authenticate
from docai.services.storage.database import open_database


@pytest.fixture
def docai(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Runs ``docai ARGS`` against a fresh database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DOCAI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCAI_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("tenants", "create", "acme")[0] == 0
    db = open_database(database_url)
    yield run, db
    db.dispose()


def test_a_person_token_is_its_person_and_role(docai) -> None:
    run, db = docai
    code, out, err = run(
        "tokens",
        "create",
        "acme",
        "--scope",
        "person",
        "--actor",
        "alice@acme",
        "--role",
        "approver",
        "--label",
        "alice's laptop",
    )
    assert code == 0 and out.startswith("docai_") and len(out.splitlines()) == 1
    token = out.strip()
    assert "person alice@acme (approver)" in err and token not in err
    assert authenticate(db, token=token) == Caller(
        tenant_id="acme", scope="person", actor="alice@acme", role="approver"
    )
    # A person token cannot act for another tenant, even when it names one.
    assert authenticate(db, token=token, as_tenant="globex").tenant_id == "acme"

    code, out, _ = run("tokens", "list", "acme")
    assert code == 0 and token not in out
    row = next(line for line in out.splitlines() if "alice@acme" in line)
    assert "person" in row and "approver" in row and "alice's laptop" in row
    listed = json.loads(run("tokens", "list", "acme", "--json")[1])
    alice = next(t for t in listed if t["actor"] == "alice@acme")
    assert (alice["scope"], alice["role"], alice["label"], alice["revoked"]) == (
        "person",
        "approver",
        "alice's laptop",
        False,
    )
    assert all("token" not in key for t in listed for key in t)

    assert run("tokens", "revoke", str(alice["id"]))[0] == 0
    with pytest.raises(UnauthenticatedError):
        authenticate(db, token=token)
    revoked = next(t for t in json.loads(run("tokens", "list", "acme", "--json")[1]) if t["id"] == alice["id"])
    assert revoked["revoked"] and revoked["revoked_at"]


def test_rotate_issues_a_new_token_of_the_same_identity_and_revokes_the_old(docai, tmp_path: Path) -> None:
    run, db = docai
    out_file = tmp_path / "secrets" / "bob"
    code, out, err = run(
        "tokens",
        "create",
        "acme",
        "--scope",
        "person",
        "--actor",
        "bob@acme",
        "--role",
        "admin",
        "--out",
        str(out_file),
    )
    assert code == 0 and out == "" and str(out_file) in err
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    old = out_file.read_text().strip()
    token_id = next(t["id"] for t in json.loads(run("tokens", "list", "acme", "--json")[1]) if t["actor"] == "bob@acme")

    code, out, err = run("tokens", "rotate", str(token_id))
    new = out.strip()
    assert code == 0 and new.startswith("docai_") and new != old and f"replaces token {token_id}" in err
    with pytest.raises(UnauthenticatedError):
        authenticate(db, token=old)
    assert authenticate(db, token=new) == Caller(tenant_id="acme", scope="person", actor="bob@acme", role="admin")
    code, _, err = run("tokens", "rotate", str(token_id))
    assert code == 2 and "TOKEN_REVOKED" in err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["tokens", "create", "acme", "--scope", "person", "--actor", "carol@acme"], "PERSON_REQUIRED"),
        (
            ["tokens", "create", "acme", "--scope", "person", "--actor", "system", "--role", "approver"],
            "ACTOR_RESERVED",
        ),
        (["tokens", "create", "acme", "--scope", "erp", "--actor", "dave@acme"], "INVALID_ACTOR"),
        (["tokens", "create", "acme", "--scope", "service", "--role", "admin"], "INVALID_ROLE"),
        (["tokens", "create", "nope", "--scope", "erp"], "TENANT_NOT_FOUND"),
        (["tokens", "list", "nope"], "TENANT_NOT_FOUND"),
        (["tokens", "revoke", "99999"], "TOKEN_NOT_FOUND"),
        (["tokens", "rotate", "99999"], "TOKEN_NOT_FOUND"),
    ],
)
def test_a_refused_call_prints_one_line_with_the_reason(docai, args: list[str], reason: str) -> None:
    run, _ = docai
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and reason in err and "Traceback" not in err


def test_every_tokens_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from docai.services.cli import build_parser

    parser = build_parser()
    tokens = next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == "tokens")[1]  # type: ignore[union-attr]
    for name, sub in tokens._subparsers._group_actions[0].choices.items():  # type: ignore[union-attr]
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"docai tokens {name} {action.dest} has no help"
