"""The `docai` command: run the suite, manage tenants, tokens and review-page users, evaluate and benchmark."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from docai.services.common.settings import Settings


def _version() -> str:
    """The installed ``docai`` distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("docai")
    except PackageNotFoundError:
        return "unknown (the docai distribution is not installed)"


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line too (its subcommands' parsers are of this class)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: INVALID_ARGUMENT: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


def _suite_db(settings: Settings, *, must_exist: bool = True) -> Any:
    """The suite's database. With SQLite in ``home`` (the embedded default) a home without a
    database is refused, naming the home, instead of quietly starting an empty suite there.

    Raises:
        FailedPreconditionError: ``NO_SUITE_HOME``.
    """
    from docai.services.common.errors import FailedPreconditionError
    from docai.services.storage.database import open_database

    if must_exist and not settings.database_url and not (settings.home / "docai.db").exists():
        raise FailedPreconditionError(
            f"no docai suite in {settings.home} (no docai.db there): set DOCAI_HOME to the suite's home, "
            "or start it there first ('docai run')",
            reason="NO_SUITE_HOME",
        )
    return open_database(settings.db_url)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings of a command: the environment's, with the command's own options over them."""
    overrides = {}
    if getattr(args, "adapter", None):
        overrides["adapter"] = args.adapter
    if getattr(args, "demo", False):
        overrides["demo"] = True
    if getattr(args, "role", None) and args.command in ("run", "healthcheck"):
        overrides["role"] = args.role
    return Settings(**overrides)


def cmd_setup_model(args: argparse.Namespace) -> int:
    from docai.services.models.base_model import ensure_base_model

    settings = settings_from(args)
    path = ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
    print(f"base model ready: {path}")
    if settings.backend == "onnx":  # the engine's export, once, so the first start does not wait for it
        from docai.services.models.onnx_export import ensure_onnx_model

        exported = ensure_onnx_model(
            path, cache_dir=settings.model_cache, precision=settings.onnx_precision, provider=settings.onnx_provider
        )
        print(f"ONNX export ready: {exported}")
    return 0


def cmd_tenants_create(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import create_tenant, issue_token

    db = _suite_db(settings_from(args), must_exist=False)  # a new suite's first tenant may come before its first run
    create_tenant(db, tenant_id=args.tenant, name=args.name or args.tenant)
    token = issue_token(db, tenant_id=args.tenant, label="created by docai tenants create", scope=args.scope)
    print(f"tenant {args.tenant} created. Its API token (shown once, stored only as a hash):\n{token}")
    return 0


def _hand_out(token: str, out: str, what: str) -> None:
    """The token on stdout (alone, for scripts) or in ``out`` (mode 600); what it is on stderr."""
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(token + "\n")
        print(f"{what}; written to {path} (mode 600), shown nowhere else", file=sys.stderr)
    else:
        print(token)
        print(f"{what}; shown once, stored only as a hash", file=sys.stderr)


def _describe(scope: str, actor: str, role: str) -> str:
    return f"person {actor} ({role})" if scope == "person" else f"{scope} token" + (f" ({actor})" if actor else "")


def cmd_tokens_create(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import create_token

    db = _suite_db(settings_from(args))
    token_id, token = create_token(
        db, tenant_id=args.tenant, label=args.label, scope=args.scope, actor=args.actor or "", role=args.role or ""
    )
    _hand_out(
        token,
        args.out,
        f"token {token_id} of tenant {args.tenant}: {_describe(args.scope, args.actor or '', args.role or '')}",
    )
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import list_tokens

    tokens = list_tokens(_suite_db(settings_from(args)), tenant_id=args.tenant)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": t.id,
                        "label": t.label,
                        "scope": t.scope,
                        "actor": t.actor,
                        "role": t.role,
                        "created": t.create_time.isoformat(timespec="seconds"),
                        "revoked": t.revoked,
                        "revoked_at": t.revoke_time.isoformat(timespec="seconds") if t.revoke_time else None,
                    }
                    for t in tokens
                ],
                indent=2,
            )
        )
        return 0
    print(f"{'ID':>5}  {'SCOPE':<8}  {'ACTOR':<24}  {'ROLE':<8}  {'CREATED':<19}  {'REVOKED':<19}  LABEL")
    for t in tokens:
        revoked = (t.revoke_time.strftime("%Y-%m-%d %H:%M:%S") if t.revoke_time else "yes") if t.revoked else "-"
        print(
            f"{t.id:>5}  {t.scope:<8}  {t.actor or '-':<24}  {t.role or '-':<8}  "
            f"{t.create_time.strftime('%Y-%m-%d %H:%M:%S'):<19}  {revoked:<19}  {t.label}"
        )
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import revoke_token

    info = revoke_token(_suite_db(settings_from(args)), token_id=args.id)
    print(f"token {info.id} of tenant {info.tenant_id} ({_describe(info.scope, info.actor, info.role)}) is revoked")
    return 0


def cmd_tokens_rotate(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import rotate_token

    info, token = rotate_token(_suite_db(settings_from(args)), token_id=args.id)
    _hand_out(
        token,
        args.out,
        f"token {info.id} replaces token {args.id} (now revoked): "
        f"{_describe(info.scope, info.actor, info.role)} of tenant {info.tenant_id}",
    )
    return 0


def cmd_tenants_thresholds(args: argparse.Namespace) -> int:
    import json

    from docai.services.common.tenants import set_thresholds

    changes: dict[str, object] = {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        changes[key] = json.loads(value) if value[:1] in "[{0123456789.tf" else value
    db = _suite_db(settings_from(args))
    print(json.dumps(set_thresholds(db, tenant_id=args.tenant, changes=changes), indent=2))
    return 0


def _when(value: dt.datetime | float) -> str:
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def cmd_tenants_list(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import list_tenants

    tenants = list_tenants(_suite_db(settings_from(args)))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": t.id,
                        "name": t.name,
                        "created": t.create_time.isoformat(timespec="seconds"),
                        "active_tokens": t.active_tokens,
                    }
                    for t in tenants
                ],
                indent=2,
            )
        )
        return 0
    print(f"{'ID':<24}  {'CREATED':<19}  {'TOKENS':>6}  NAME")
    for t in tenants:
        print(f"{t.id:<24}  {_when(t.create_time):<19}  {t.active_tokens:>6}  {t.name}")
    return 0


# -- review-page users (home/web_users.db) -------------------------------------------------------


def _has_suite_db(settings: Settings) -> bool:
    return bool(settings.database_url) or (settings.home / "docai.db").exists()


def _user_store(settings: Settings) -> Any:
    """The review page's accounts in ``home``: where a review page has run, or a suite's home (else
    refused, naming the home: an account nobody's review page reads helps nobody)."""
    from docai.services.web.users import DB_NAME, UserStore

    if not (settings.home / DB_NAME).exists():
        _suite_db(settings).dispose()
    return UserStore(settings.home / DB_NAME)


def _read_password(args: argparse.Namespace) -> str:
    """The new password: one line from stdin with --password-stdin, else asked twice on the terminal."""
    from docai.services.common.errors import InvalidArgumentError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        import getpass

        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            raise InvalidArgumentError("the two passwords differ", reason="PASSWORD_MISMATCH")
    else:
        raise InvalidArgumentError(
            "no terminal to ask for the password: pipe it in with --password-stdin", reason="PASSWORD_REQUIRED"
        )
    if len(password) < 8:
        raise InvalidArgumentError("the password must have at least 8 characters", reason="PASSWORD_TOO_SHORT")
    return password


def _user_not_found(username: str) -> Exception:
    from docai.services.common.errors import NotFoundError

    return NotFoundError(f'no user "{username}" (see docai users list)', reason="USER_NOT_FOUND")


def cmd_vendors_import(args: argparse.Namespace) -> int:
    from docai.services.vendors.master import import_vendors, parse_csv

    path = Path(args.file)
    vendors = parse_csv(path.read_text(encoding="utf-8-sig"))  # errors name the line: "line 7: vendor V-7: ..."
    result = import_vendors(_suite_db(settings_from(args)), tenant_id=args.tenant, vendors=vendors, sync=args.sync)
    print(
        f"{len(vendors)} vendor(s) in {path.name} for tenant {args.tenant}: {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged"
        + (f", {result.deactivated} deactivated (not in the file)" if args.sync else "")
    )
    return 0


def cmd_vendors_list(args: argparse.Namespace) -> int:
    from docai.services.common.errors import NotFoundError
    from docai.services.storage import tables
    from docai.services.vendors.master import list_vendors
    from docai.services.vendors.resolve import mask_iban

    db = _suite_db(settings_from(args))
    with db.transaction() as session:
        if session.get(tables.Tenant, args.tenant) is None:
            raise NotFoundError(f"no tenant {args.tenant}", reason="TENANT_NOT_FOUND")
    vendors, total = list_vendors(
        db,
        tenant_id=args.tenant,
        name_contains=args.name,
        tax_id=args.tax_id,
        active_only=args.active_only,
        limit=args.limit or 1_000_000,
    )
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "vendor_id": v.vendor_id,
                        "name": v.name,
                        "aliases": list(v.aliases),
                        "tax_id": v.tax_id,
                        "iban": v.iban,
                        "bic": v.bic,
                        "department": v.department,
                        "cost_centre": v.cost_centre,
                        "approver": v.approver,
                        "active": v.active,
                        "updated": v.update_time.isoformat(timespec="seconds") if v.update_time else None,
                    }
                    for v in vendors
                ],
                indent=2,
            )
        )
        return 0
    print(f"{'VENDOR':<14}  {'NAME':<32}  {'TAX ID':<16}  {'IBAN':<12}  {'ROUTE':<24}  ACTIVE")
    for v in vendors:
        route = "/".join(part for part in (v.department, v.cost_centre) if part) or "-"
        iban = mask_iban(v.iban).split()[-1] if v.iban else "-"
        print(
            f"{v.vendor_id:<14}  {v.name[:32]:<32}  {v.tax_id or '-':<16}  {'...' + iban if v.iban else iban:<12}  "
            f"{route[:24]:<24}  {'yes' if v.active else 'no'}"
        )
    if total > len(vendors):
        print(f"({len(vendors)} of {total}; --limit shows more)", file=sys.stderr)
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    from docai.services.common.errors import AlreadyExistsError, NotFoundError
    from docai.services.common.tenants import list_tenants

    settings = settings_from(args)
    store = _user_store(settings)
    # A review page's home without the suite's database (a web-only host) cannot check the tenant.
    if _has_suite_db(settings) and args.tenant not in {t.id for t in list_tenants(_suite_db(settings))}:
        raise NotFoundError(
            f'no tenant "{args.tenant}" (docai tenants create {args.tenant})', reason="TENANT_NOT_FOUND"
        )
    if store.get(args.username) is not None:
        raise AlreadyExistsError(
            f'user "{args.username}" exists (a new password: docai users passwd {args.username})', reason="USER_EXISTS"
        )
    user = store.create(username=args.username, password=_read_password(args), tenant=args.tenant, role=args.role)
    print(f"user {user.username} added: {user.role} of tenant {user.tenant}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    accounts = _user_store(settings_from(args)).accounts(tenant=args.tenant)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "username": a.username,
                        "tenant": a.tenant,
                        "role": a.role,
                        "disabled": a.disabled,
                        "created": dt.datetime.fromtimestamp(a.created_at, tz=dt.UTC).isoformat(timespec="seconds"),
                    }
                    for a in accounts
                ],
                indent=2,
            )
        )
        return 0
    print(f"{'USERNAME':<32}  {'TENANT':<24}  {'ROLE':<8}  {'STATUS':<8}  CREATED")
    for a in accounts:
        print(
            f"{a.username:<32}  {a.tenant:<24}  {a.role:<8}  {'disabled' if a.disabled else 'active':<8}  "
            f"{_when(a.created_at)}"
        )
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    store = _user_store(settings_from(args))
    if store.get(args.username) is None:  # before asking for a password
        raise _user_not_found(args.username)
    try:
        store.set_password(args.username, _read_password(args))
    except KeyError:
        raise _user_not_found(args.username) from None
    print(f"password of {args.username} changed; its sessions have ended")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    enable = args.action == "enable"
    try:
        _user_store(settings_from(args)).set_disabled(args.username, not enable)
    except KeyError:
        raise _user_not_found(args.username) from None
    print(f"user {args.username} " + ("enabled" if enable else "disabled; its sessions have ended"))
    return 0


def _check_ports(settings: Settings, *, web: bool) -> None:
    """Before the model loads: the ports this process will listen on are free (one suite per port)."""
    from docai.services.common.ports import ensure_port_free

    role = getattr(settings, "role", "all")
    if role in ("all", "api"):
        ensure_port_free(settings.grpc_host, settings.grpc_port)
    if (web and role == "all") or role == "web":
        ensure_port_free(getattr(settings, "web_host", "127.0.0.1"), settings.web_port, "docai review page")


def cmd_run(args: argparse.Namespace) -> int:
    from docai.services.common.observability import configure_logging, serving_defaults
    from docai.services.roles import run_role

    settings = serving_defaults(settings_from(args))  # /metrics on 9464 unless DOCAI_METRICS_PORT says otherwise
    _check_ports(settings, web=not args.no_web)
    configure_logging(settings)  # text or JSON lines (DOCAI_LOG_FORMAT); no model-loading bars or library warnings
    return asyncio.run(run_role(settings, seed=not args.no_seed, web=not args.no_web))


def cmd_healthcheck(args: argparse.Namespace) -> int:
    from docai.services.roles import healthcheck

    healthy, why = healthcheck(settings_from(args))
    if not healthy:
        print(f"unhealthy: {why}", file=sys.stderr)
    return 0 if healthy else 1


def _day(text: str) -> dt.date:
    """An argparse type: a day as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day as YYYY-MM-DD") from None


def cmd_export(args: argparse.Namespace) -> int:
    """The approved invoices of a date range as CSV (layout: docai.services.ingest.csv_export)."""
    from docai.services.common.errors import NotFoundError
    from docai.services.common.tenants import list_tenants
    from docai.services.ingest.archive import all_approved, check_range
    from docai.services.ingest.csv_export import write_invoices

    check_range(args.date_from, args.date_to)
    db = _suite_db(settings_from(args))
    if args.tenant and args.tenant not in {t.id for t in list_tenants(db)}:
        raise NotFoundError(f'no tenant "{args.tenant}" (see docai tenants list)', reason="TENANT_NOT_FOUND")
    invoices = all_approved(
        db, tenant_id=args.tenant or None, date_field=args.by, date_from=args.date_from, date_to=args.date_to
    )
    out = Path(args.out)
    lines_path = Path(args.lines) if args.lines else None
    for path in (out, lines_path):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end: a failed export leaves no half file.
    partial = out.with_name(out.name + ".part")
    lines_partial = lines_path.with_name(lines_path.name + ".part") if lines_path else None
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            if lines_partial is not None:
                with lines_partial.open("w", newline="", encoding="utf-8") as lines_handle:
                    count = write_invoices(invoices, handle, lines=lines_handle)
            else:
                count = write_invoices(invoices, handle)
    except BaseException:
        for leftover in (partial, lines_partial):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
        raise
    partial.replace(out)
    if lines_partial is not None and lines_path is not None:
        lines_partial.replace(lines_path)
    which = "invoice date" if args.by == "invoice" else "upload day (UTC)"
    print(
        f"{count} approved invoice{'' if count == 1 else 's'} of {args.tenant or 'every tenant'} with an {which} "
        f"from {args.date_from} to {args.date_to} -> {out}" + (f" (lines: {lines_path})" if lines_path else ""),
        file=sys.stderr,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="docai",
        description=__doc__,
        epilog="The suite's state (database, blobs, review-page accounts) is in DOCAI_HOME; unset, the checkout's "
        "var/ (what make run uses) or ~/.local/share/docai, from whatever directory docai is called.",
    )
    parser.add_argument(
        "--version", action="version", version=f"docai {_version()}", help="print the installed docai version and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="start the whole suite on localhost (embedded defaults)")
    p.add_argument(
        "--demo",
        action="store_true",
        help="demo mode (make run): a demo tenant with its token in DOCAI_HOME/demo_token, a few sample "
        "invoices and the review page's demo account; never in a deployment (also DOCAI_DEMO=1)",
    )
    p.add_argument("--no-seed", action="store_true", help="demo mode: do not upload the sample invoices")
    p.add_argument("--no-web", action="store_true", help="do not start the review page")
    p.add_argument("--adapter", help="extraction adapter (alias, name or 'none')")
    p.add_argument(
        "--role",
        choices=["all", "api", "worker", "web"],
        help="what this process runs (default DOCAI_ROLE, else all): all = the whole suite in one process; "
        "api = the gRPC services without the pipeline; worker = the pipeline only (scale these); "
        "web = the review page only, a client of DOCAI_API_ADDRESS",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("healthcheck", help="exit 0 when this host's docai process of the role is healthy (compose)")
    p.add_argument("--role", choices=["all", "api", "worker", "web"], help="default DOCAI_ROLE, else all")
    p.set_defaults(func=cmd_healthcheck)

    p = sub.add_parser(
        "setup-model",
        help="convert the bundled base model into the local cache once "
        "(and export it to ONNX when the backend is onnx, the default)",
    )
    p.set_defaults(func=cmd_setup_model)

    tenants = sub.add_parser("tenants", help="manage tenants").add_subparsers(dest="action", required=True)
    p = tenants.add_parser("create", help="create a tenant and print its first API token")
    p.add_argument("tenant", help="the tenant's id: lowercase letters, digits and dashes")
    p.add_argument("--name", default="", help="a display name (default: the id)")
    p.add_argument(
        "--scope",
        default="erp",
        choices=["erp", "service", "operator"],
        help="scope of the first token: erp (an ERP system, the default), service (a review page) "
        "or operator (changes the shared adapters); person tokens: docai tokens create",
    )
    p.set_defaults(func=cmd_tenants_create)

    p = tenants.add_parser("list", help="every tenant: id, created, active tokens, name")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_tenants_list)

    p = tenants.add_parser("thresholds", help="show or change a tenant's auto-approval thresholds")
    p.add_argument("tenant", help="the tenant whose thresholds to show or change")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="e.g. field_confidence=0.9")
    p.set_defaults(func=cmd_tenants_thresholds)

    tokens = sub.add_parser(
        "tokens", help="create, list, revoke and rotate API tokens (who a caller is comes from its token)"
    ).add_subparsers(dest="action", required=True)
    p = tokens.add_parser("create", help="issue a token for a tenant; it is printed once and stored only as a hash")
    p.add_argument("tenant", help="the tenant the token acts for")
    p.add_argument(
        "--scope",
        default="erp",
        choices=["erp", "person", "service", "operator"],
        help="erp: an ERP system (upload, read, extract, route, export; no review actions); "
        "person: one named person with a role (--actor, --role); service: the review page, which names "
        "the tenant, person and role per call; operator: changes the shared adapters (default: erp)",
    )
    p.add_argument(
        "--actor",
        default="",
        help="person tokens: the person's name, recorded in leases and the audit trail "
        "(3-120 letters, digits, . _ @ + -; names such as 'system' are reserved)",
    )
    p.add_argument(
        "--role",
        default="",
        choices=["", "reviewer", "approver", "admin"],
        help="person tokens: reviewer (claim, release, correct), approver (also approve, reject, confirm "
        "bank details) or admin (also train, promote and roll back the tenant's models)",
    )
    p.add_argument("--label", default="", help="a note to tell tokens apart in 'docai tokens list'")
    p.add_argument(
        "--out", default="", metavar="FILE", help="write the token to FILE (mode 600) instead of printing it"
    )
    p.set_defaults(func=cmd_tokens_create)

    p = tokens.add_parser("list", help="a tenant's tokens: id, scope, person, role, created, revoked (never the token)")
    p.add_argument("tenant", help="the tenant whose tokens to list")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_tokens_list)

    p = tokens.add_parser("revoke", help="revoke a token: it authenticates nothing from now on")
    p.add_argument("id", type=int, help="the token's id (see 'docai tokens list')")
    p.set_defaults(func=cmd_tokens_revoke)

    p = tokens.add_parser(
        "rotate", help="replace a token with a new one of the same scope, person and role; the old one is revoked"
    )
    p.add_argument("id", type=int, help="the token's id (see 'docai tokens list')")
    p.add_argument(
        "--out", default="", metavar="FILE", help="write the new token to FILE (mode 600) instead of printing it"
    )
    p.set_defaults(func=cmd_tokens_rotate)

    users = sub.add_parser(
        "users", help="add, list and disable the review page's accounts, and set their passwords"
    ).add_subparsers(dest="action", required=True)
    p = users.add_parser(
        "add",
        help="add an account; the password is asked twice on the terminal "
        "(or read from stdin with --password-stdin) and stored only as an argon2 hash",
    )
    p.add_argument(
        "username",
        help="the sign-in name, recorded as the actor in the audit trail "
        "(3-120 letters, digits, . _ @ + -), e.g. alice@acme",
    )
    p.add_argument("--tenant", required=True, help="the tenant whose invoices the account reviews (docai tenants list)")
    p.add_argument(
        "--role",
        required=True,
        choices=["reviewer", "approver", "admin"],
        help="reviewer (claim, release, correct), approver (also approve, reject, confirm bank details) "
        "or admin (also train, promote and roll back the tenant's models)",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (8 characters or more) from the first line of stdin, for scripts",
    )
    p.set_defaults(func=cmd_users_add)

    p = users.add_parser("list", help="the accounts: username, tenant, role, active or disabled, created")
    p.add_argument("--tenant", default="", help="only this tenant's accounts")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_users_list)

    p = users.add_parser("passwd", help="set an account's password; its sessions end")
    p.add_argument("username", help="the account (see 'docai users list')")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new password from the first line of stdin instead of asking on the terminal",
    )
    p.set_defaults(func=cmd_users_passwd)

    p = users.add_parser("disable", help="disable an account: it cannot sign in and its sessions end")
    p.add_argument("username", help="the account (see 'docai users list')")
    p.set_defaults(func=cmd_users_disable)

    p = users.add_parser("enable", help="enable a disabled account again")
    p.add_argument("username", help="the account (see 'docai users list')")
    p.set_defaults(func=cmd_users_disable)

    p = sub.add_parser(
        "export",
        help="write the approved invoices of a date range as CSV for an ERP to import (reads the "
        "suite's database in DOCAI_HOME; marks nothing exported)",
        description="One row per approved (or exported) invoice: header fields, VAT breakdown, route, who approved "
        "it, when, and over which failed checks. The columns are documented in docai.services.ingest.csv_export "
        "and the README.",
    )
    p.add_argument(
        "--from",
        dest="date_from",
        required=True,
        type=_day,
        metavar="YYYY-MM-DD",
        help="first day of the range (included)",
    )
    p.add_argument(
        "--to", dest="date_to", required=True, type=_day, metavar="YYYY-MM-DD", help="last day of the range (included)"
    )
    p.add_argument(
        "--by",
        choices=["invoice", "upload"],
        default="invoice",
        help="which date the range compares: the invoice date printed on the invoice (the default; "
        "invoices without one are left out) or the day it was uploaded (UTC)",
    )
    p.add_argument(
        "--tenant",
        default="",
        help="only this tenant's invoices (default: every tenant's; the tenant column tells them apart)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write (replaced)")
    p.add_argument(
        "--lines", default="", metavar="FILE.csv", help="also write the line items, one row per line, to this CSV file"
    )
    p.set_defaults(func=cmd_export)

    vendors = sub.add_parser(
        "vendors", help="a tenant's vendor master: import it from the ERP's CSV export, list it"
    ).add_subparsers(dest="action", required=True)
    p = vendors.add_parser(
        "import",
        help="insert or update vendors from a CSV file, all or none (a bad line imports nothing)",
        description="Columns (header row; comma, semicolon or tab separated): vendor_id and name (required), "
        "aliases (separated by |), tax_id (VAT id with country prefix), iban, bic, department, cost_centre, "
        "approver (the default route) and active (true/false, empty: true). Tax ids, IBANs and BICs are checked.",
    )
    p.add_argument("file", help="the CSV file (UTF-8); its columns are listed above")
    p.add_argument("--tenant", required=True, help="the tenant whose vendor master to update (docai tenants list)")
    p.add_argument(
        "--sync",
        action="store_true",
        help="the file is the whole master: deactivate the tenant's vendors that are not in it",
    )
    p.set_defaults(func=cmd_vendors_import)

    p = vendors.add_parser("list", help="a tenant's vendors: key, name, tax id, IBAN (last 4), default route, active")
    p.add_argument("--tenant", required=True, help="the tenant whose vendor master to list")
    p.add_argument(
        "--name",
        default="",
        help="only vendors whose name or an alias contains this text (case, accents and legal forms like GmbH ignored)",
    )
    p.add_argument("--tax-id", default="", help="only vendors with this VAT id (with or without country prefix)")
    p.add_argument("--active-only", action="store_true", help="leave out deactivated vendors")
    p.add_argument("--limit", type=int, default=0, help="show at most this many vendors (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON (with the whole IBAN) instead of a table")
    p.set_defaults(func=cmd_vendors_list)

    from docai.services.extensions import add_commands

    add_commands(sub, settings_from)  # the offline tools' commands (docai.training), when installed
    return parser


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _error_line(exc: BaseException) -> tuple[str, int]:
    """What a failed command prints (one line, no traceback) and its exit status.

    docai's typed errors: ``error: STATUS REASON: message`` (exit 2); a gRPC error from a running
    suite: its status and ErrorInfo reason (exit 2); a database failure as the suite would answer
    it, with the driver's first line; OSError and ValueError: their message (exit 1); anything
    else: its type and message (exit 1; ``DOCAI_DEBUG=1`` shows the traceback instead).
    """
    import grpc

    from docai.services.common.errors import DocAIError

    if isinstance(exc, DocAIError):
        return f"error: {exc.code.name} {exc.reason}: {_one_line(exc.message)}", 2
    if isinstance(exc, grpc.RpcError):
        code = exc.code() if callable(getattr(exc, "code", None)) else None
        details = exc.details() if callable(getattr(exc, "details", None)) else ""
        reason = _error_info_reason(exc)
        status = code.name if code is not None else "UNKNOWN"
        return f"error: {status}{' ' + reason if reason else ''}: {_one_line(details or 'no details')}", 2
    from docai.services.common.server import database_error

    mapped = database_error(exc)
    if mapped is not None:
        driver = _one_line((str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0], 200)
        return f"error: {mapped.code.name} {mapped.reason}: {mapped.message}" + (f" ({driver})" if driver else ""), 2
    if isinstance(exc, OSError):
        if exc.strerror:
            where = f": {exc.filename}" if exc.filename else ""
            return f"error: {_one_line(exc.strerror)}{where}", 1
        return f"error: {type(exc).__name__}: {_one_line(str(exc))}", 1
    if isinstance(exc, ValueError):
        errors = getattr(exc, "errors", None)  # pydantic: a DOCAI_ setting that does not parse
        if callable(errors):
            first = errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return (
                f"error: INVALID_ARGUMENT: {'DOCAI_' + where.upper() + ': ' if where else ''}{first.get('msg', exc)}",
                1,
            )
        return f"error: INVALID_ARGUMENT: {_one_line(str(exc))}", 1
    return f"error: INTERNAL {type(exc).__name__}: {_one_line(str(exc)) or 'no message'} (DOCAI_DEBUG=1 shows where)", 1


def _error_info_reason(exc: BaseException) -> str:
    """The google.rpc.ErrorInfo reason in a gRPC error's status details, if it has one."""
    try:
        from google.rpc import error_details_pb2
        from grpc_status import rpc_status

        status = rpc_status.from_call(exc)
    except Exception:  # noqa: BLE001 - no details (or an aio error): the status alone
        return ""
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason: str = info.reason
            return reason
    return ""


def main(argv: list[str] | None = None) -> int:
    """The ``docai`` command. A failed command prints one line to stderr and exits non-zero."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # e.g. raise SystemExit("an API token is needed ...")
        if isinstance(exc.code, str):
            print(f"error: {_one_line(exc.code)}", file=sys.stderr)
            return 1
        raise
    except Exception as exc:  # noqa: BLE001 - the one place a failed command becomes one line
        if os.environ.get("DOCAI_DEBUG"):
            raise
        line, status = _error_line(exc)
        print(line, file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
