"""The operator's `docai` commands (issue 15): review-page users, tenants, --version, one-line errors,
and a suite home that does not depend on the working directory."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from docai.services.cli import build_parser, main
from docai.services.common.settings import Settings, default_home
from docai.services.web.users import DB_NAME, UserStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def docai(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Runs ``docai ARGS`` (stdin: ``stdin``) on a suite home with SQLite; returns (exit code, stdout, stderr)."""
    home = tmp_path / "home"
    monkeypatch.setenv("DOCAI_HOME", str(home))
    monkeypatch.delenv("DOCAI_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOCAI_DEBUG", raising=False)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("tenants", "create", "acme")[0] == 0
    return run, home


def _one_error_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err.strip()


def test_users_add_list_passwd_disable_round_trip(docai) -> None:
    run, home = docai
    code, out, err = run(
        "users",
        "add",
        "alice@acme",
        "--tenant",
        "acme",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin="first-password\n",
    )
    assert (code, err) == (0, "") and "alice@acme" in out and "reviewer" in out
    store = UserStore(home / DB_NAME)
    assert store.verify("alice@acme", "first-password").role == "reviewer"
    assert store.verify("alice@acme", "wrong-password") is None

    rows = json.loads(run("users", "list", "--json")[1])
    assert [(r["username"], r["tenant"], r["role"], r["disabled"]) for r in rows] == [
        ("alice@acme", "acme", "reviewer", False)
    ]
    table = run("users", "list", "--tenant", "acme")[1]
    assert "alice@acme" in table and "active" in table and "first-password" not in table
    assert "alice@acme" not in run("users", "list", "--tenant", "globex")[1]

    session = store.start_session("alice@acme")
    code, out, _ = run("users", "passwd", "alice@acme", "--password-stdin", stdin="second-password\n")
    assert code == 0 and "changed" in out
    assert store.verify("alice@acme", "first-password") is None
    assert store.verify("alice@acme", "second-password") is not None
    assert store.session_user(session) is None  # a new password ends the sessions

    session = store.start_session("alice@acme")
    code, out, _ = run("users", "disable", "alice@acme")
    assert code == 0 and "disabled" in out
    assert store.verify("alice@acme", "second-password") is None  # a disabled user cannot sign in
    assert store.session_user(session) is None
    assert json.loads(run("users", "list", "--json")[1])[0]["disabled"] is True
    assert "disabled" in run("users", "list")[1]

    assert run("users", "enable", "alice@acme")[0] == 0
    assert store.verify("alice@acme", "second-password") is not None


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (
            ("users", "passwd", "bob", "--password-stdin"),
            "long-enough\n",
            'error: NOT_FOUND USER_NOT_FOUND: no user "bob" (see docai users list)',
        ),
        (("users", "disable", "bob"), "", 'error: NOT_FOUND USER_NOT_FOUND: no user "bob" (see docai users list)'),
        (
            ("users", "add", "bob@x", "--tenant", "nope", "--role", "admin", "--password-stdin"),
            "long-enough\n",
            "error: NOT_FOUND TENANT_NOT_FOUND: ",
        ),
        (
            ("users", "add", "bob@acme", "--tenant", "acme", "--role", "admin", "--password-stdin"),
            "short\n",
            "error: INVALID_ARGUMENT PASSWORD_TOO_SHORT: ",
        ),
        (
            ("users", "add", "bob@acme", "--tenant", "acme", "--role", "admin"),
            "",  # stdin is no terminal
            "error: INVALID_ARGUMENT PASSWORD_REQUIRED: ",
        ),
        (
            ("users", "add", "b", "--tenant", "acme", "--role", "admin", "--password-stdin"),
            "long-enough\n",
            "error: INVALID_ARGUMENT: username must be",
        ),
        (("tokens", "revoke", "999"), "", "error: NOT_FOUND TOKEN_NOT_FOUND: no token 999"),
        (("tokens", "list", "globex"), "", "error: NOT_FOUND TENANT_NOT_FOUND: no tenant globex"),
        (("tenants", "create", "acme"), "", "error: ALREADY_EXISTS TENANT_EXISTS: tenant acme exists"),
        (("tenants", "thresholds", "acme", "--set", "field_confidence=[1"), "", "error: INVALID_ARGUMENT: "),
        (
            ("eval-compare", "missing-a.json", "missing-b.json", "--data", "."),
            "",
            "error: No such file or directory: missing-a.json",
        ),
    ],
)
def test_a_failed_command_prints_one_line_and_exits_non_zero(docai, args, stdin, expected) -> None:
    run, _ = docai
    code, _out, err = run(*args, stdin=stdin)
    assert code != 0
    assert _one_error_line(err).startswith(expected)


def test_a_user_that_exists_is_not_overwritten(docai) -> None:
    run, home = docai
    run(
        "users",
        "add",
        "carol@acme",
        "--tenant",
        "acme",
        "--role",
        "approver",
        "--password-stdin",
        stdin="carol-pass-1\n",
    )
    code, _, err = run(
        "users", "add", "carol@acme", "--tenant", "acme", "--role", "admin", "--password-stdin", stdin="carol-pass-2\n"
    )
    assert code == 2 and _one_error_line(err).startswith('error: ALREADY_EXISTS USER_EXISTS: user "carol@acme" exists')
    assert UserStore(home / DB_NAME).verify("carol@acme", "carol-pass-1").role == "approver"


def test_tenants_list_shows_every_tenant_and_its_active_tokens(docai) -> None:
    run, _ = docai
    assert run("tenants", "create", "globex", "--name", "Globex Corp")[0] == 0
    assert run("tokens", "create", "globex", "--label", "second")[0] == 0
    code, out, _ = run("tenants", "list")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(rows) == {"acme", "globex"} and "Globex Corp" in rows["globex"]
    listed = {t["id"]: t for t in json.loads(run("tenants", "list", "--json")[1])}
    assert (listed["acme"]["active_tokens"], listed["globex"]["active_tokens"]) == (1, 2)
    token_id = json.loads(run("tokens", "list", "globex", "--json")[1])[0]["id"]
    run("tokens", "revoke", str(token_id))
    assert {t["id"]: t["active_tokens"] for t in json.loads(run("tenants", "list", "--json")[1])}["globex"] == 1


def test_version_is_the_installed_distribution(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"docai {version('docai')}"


def test_every_command_and_option_has_help_text() -> None:
    import argparse

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions}
                for name, child in action.choices.items():
                    if name not in helped:
                        missing.append(f"{path} {name}")
                    walk(child, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "docai")
    assert missing == []


def test_a_usage_error_is_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["users", "add", "dave@acme", "--role", "boss"])
    assert done.value.code == 2
    assert "argument --role: invalid choice" in _one_error_line(capsys.readouterr().err)


def test_eval_on_a_missing_or_empty_folder_fails_in_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DOCAI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCAI_BACKEND", "fake")
    (tmp_path / "empty").mkdir()
    for folder, reason in (("empty", "NO_DOCUMENTS"), ("missing", "EVAL_DATA_MISSING")):
        code = main(["eval", "--data", str(tmp_path / folder), "--out", str(tmp_path / "report.json")])
        err = capsys.readouterr().err
        assert code != 0 and _one_error_line(err).startswith(f"error: INVALID_ARGUMENT {reason}: ")
        assert "documents=0" not in err
    assert not (tmp_path / "report.json").exists()


def test_a_failed_subprocess_call_prints_no_traceback(tmp_path: Path) -> None:
    """The real entry point, in a process of its own: an error is one line on stderr, exit non-zero."""
    (tmp_path / "empty").mkdir()
    env = {**os.environ, "DOCAI_HOME": str(tmp_path / "home"), "DOCAI_BACKEND": "fake"}
    env.pop("DOCAI_DATABASE_URL", None)
    for args, expected in (
        (["users", "passwd", "bob", "--password-stdin"], "error: FAILED_PRECONDITION NO_SUITE_HOME: "),
        (
            ["eval", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "r.json")],
            "error: INVALID_ARGUMENT NO_DOCUMENTS: ",
        ),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "docai.services.cli", *args],
            env=env,
            input="long-enough\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode != 0 and done.stdout == ""
        assert _one_error_line(done.stderr).startswith(expected)


def test_a_grpc_error_is_one_line_with_its_status(tmp_path: Path, capsys) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = main(["adapters", "list", "--address", f"127.0.0.1:{port}", "--token", "docai_x"])
    assert code != 0 and _one_error_line(capsys.readouterr().err).startswith("error: UNAVAILABLE")


def test_the_home_is_the_same_from_any_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DOCAI_HOME", raising=False)
    homes = set()
    for where in (tmp_path, REPO, Path("/")):
        monkeypatch.chdir(where)
        homes.add(Settings().home)
    assert homes == {default_home()}
    home = homes.pop()
    assert home.is_absolute() and not home.is_relative_to(tmp_path)
    assert home == REPO / "var"  # a source checkout: the var/ the Makefile exports as DOCAI_HOME


def test_an_admin_command_in_a_home_without_a_suite_refuses_and_names_it(tmp_path: Path, monkeypatch, capsys) -> None:
    """A token or user must not go to a database no suite reads: the command says where it looked."""
    elsewhere = tmp_path / "not-a-suite"
    monkeypatch.setenv("DOCAI_HOME", str(elsewhere))
    monkeypatch.delenv("DOCAI_DATABASE_URL", raising=False)
    for args in (["tokens", "create", "acme"], ["tenants", "list"], ["users", "list"], ["tokens", "revoke", "1"]):
        assert main(args) == 2
        line = _one_error_line(capsys.readouterr().err)
        assert line.startswith("error: FAILED_PRECONDITION NO_SUITE_HOME: ") and str(elsewhere) in line
    assert not (elsewhere / "docai.db").exists() and not (elsewhere / DB_NAME).exists()
