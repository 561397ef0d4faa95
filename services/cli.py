"""The `docai` command: run the suite, manage tenants, evaluate and benchmark."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from docai.services.common.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "adapter", None):
        overrides["adapter"] = args.adapter
    return Settings(**overrides)


def cmd_setup_model(args: argparse.Namespace) -> int:
    from docai.services.models.base_model import ensure_base_model

    settings = _settings(args)
    path = ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
    print(f"base model ready: {path}")
    return 0


def cmd_tenants_create(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import create_tenant, issue_token
    from docai.services.storage.database import open_database

    db = open_database(_settings(args).db_url)
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
    from docai.services.storage.database import open_database

    db = open_database(_settings(args).db_url)
    token_id, token = create_token(
        db, tenant_id=args.tenant, label=args.label, scope=args.scope, actor=args.actor or "", role=args.role or ""
    )
    _hand_out(token, args.out, f"token {token_id} of tenant {args.tenant}: {_describe(args.scope, args.actor or '', args.role or '')}")
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import list_tokens
    from docai.services.storage.database import open_database

    tokens = list_tokens(open_database(_settings(args).db_url), tenant_id=args.tenant)
    if args.json:
        print(json.dumps([{"id": t.id, "label": t.label, "scope": t.scope, "actor": t.actor, "role": t.role,
                           "created": t.create_time.isoformat(timespec="seconds"), "revoked": t.revoked,
                           "revoked_at": t.revoke_time.isoformat(timespec="seconds") if t.revoke_time else None}
                          for t in tokens], indent=2))
        return 0
    print(f"{'ID':>5}  {'SCOPE':<8}  {'ACTOR':<24}  {'ROLE':<8}  {'CREATED':<19}  {'REVOKED':<19}  LABEL")
    for t in tokens:
        revoked = (t.revoke_time.strftime("%Y-%m-%d %H:%M:%S") if t.revoke_time else "yes") if t.revoked else "-"
        print(f"{t.id:>5}  {t.scope:<8}  {t.actor or '-':<24}  {t.role or '-':<8}  "
              f"{t.create_time.strftime('%Y-%m-%d %H:%M:%S'):<19}  {revoked:<19}  {t.label}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import revoke_token
    from docai.services.storage.database import open_database

    info = revoke_token(open_database(_settings(args).db_url), token_id=args.id)
    print(f"token {info.id} of tenant {info.tenant_id} ({_describe(info.scope, info.actor, info.role)}) is revoked")
    return 0


def cmd_tokens_rotate(args: argparse.Namespace) -> int:
    from docai.services.common.tenants import rotate_token
    from docai.services.storage.database import open_database

    info, token = rotate_token(open_database(_settings(args).db_url), token_id=args.id)
    _hand_out(token, args.out, f"token {info.id} replaces token {args.id} (now revoked): "
              f"{_describe(info.scope, info.actor, info.role)} of tenant {info.tenant_id}")
    return 0


def cmd_tenants_thresholds(args: argparse.Namespace) -> int:
    import json

    from docai.services.common.tenants import set_thresholds
    from docai.services.storage.database import open_database

    changes: dict[str, object] = {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        changes[key] = json.loads(value) if value[:1] in "[{0123456789.tf" else value
    db = open_database(_settings(args).db_url)
    print(json.dumps(set_thresholds(db, tenant_id=args.tenant, changes=changes), indent=2))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from docai.services.run import run_embedded

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(run_embedded(_settings(args), seed=not args.no_seed, web=not args.no_web))


def cmd_eval(args: argparse.Namespace) -> int:
    from docai.training.evaluate import evaluate_directory

    report = evaluate_directory(
        data=Path(args.data), out=Path(args.out), settings=_settings(args), adapter=args.adapter, limit=args.limit,
        resume=args.resume, path=args.path,
    )
    through = report["straight_through"]
    rate = f"{through['rate']:.3f}@{through['threshold']:.3f}" if through["threshold"] is not None else "none"
    print(f"documents={report['documents']} path={report['path']} micro_f1={report['micro_f1']:.3f} "
          f"exact={report['document_exact_rate']:.3f} line_cell_f1={report['line_items']['f1']:.3f} "
          f"ece={report['calibration']['_all']['ece']:.3f} straight_through={rate} "
          f"p50={report['latency_s']['p50']:.1f}s -> {args.out}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from docai.training.calibration import calibrate_directory

    result = calibrate_directory(
        data=Path(args.data), out=Path(args.out), settings=_settings(args), adapter=args.adapter, path=args.path,
        limit=args.limit, min_support=args.min_support, report=Path(args.report) if args.report else None,
    )
    raw, fitted = result["straight_through_raw"], result["straight_through_calibrated_in_sample"]
    print(json.dumps(result, indent=2))
    print(f"documents={result['documents']} fields fitted apart={len(result['fitted_fields'])} "
          f"ece raw={result['ece_raw']:.3f} calibrated (in sample)={result['ece_calibrated_in_sample']:.3f} "
          f"straight-through rate raw={raw['rate']:.3f} calibrated={fitted['rate']:.3f} -> {args.out}")
    return 0


def cmd_eval_compare(args: argparse.Namespace) -> int:
    from docai.training.evaluate import compare_reports, comparison_table

    before, after = (json.loads(Path(path).read_text()) for path in (args.before, args.after))
    print(comparison_table(compare_reports(before, after, data=Path(args.data))))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from docai.services.bench import run_benchmarks

    run_benchmarks(settings=_settings(args), out=Path(args.out), which=args.which, invoices=args.invoices,
                   generative_invoices=args.generative_invoices,
                   einvoice_data=Path(args.einvoice_data) if args.einvoice_data else None)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docai", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="start the whole suite on localhost (embedded defaults)")
    p.add_argument("--no-seed", action="store_true", help="do not upload sample invoices")
    p.add_argument("--no-web", action="store_true", help="do not start the review page")
    p.add_argument("--adapter", help="extraction adapter (alias, name or 'none')")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("setup-model", help="convert the bundled base model into the local cache once")
    p.set_defaults(func=cmd_setup_model)

    tenants = sub.add_parser("tenants", help="manage tenants").add_subparsers(dest="action", required=True)
    p = tenants.add_parser("create", help="create a tenant and print its first API token")
    p.add_argument("tenant", help="the tenant's id: lowercase letters, digits and dashes")
    p.add_argument("--name", default="", help="a display name (default: the id)")
    p.add_argument("--scope", default="erp", choices=["erp", "service", "operator"],
                   help="scope of the first token: erp (an ERP system, the default), service (a review page) "
                   "or operator (changes the shared adapters); person tokens: docai tokens create")
    p.set_defaults(func=cmd_tenants_create)

    p = tenants.add_parser("thresholds", help="show or change a tenant's auto-approval thresholds")
    p.add_argument("tenant")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="e.g. field_confidence=0.9")
    p.set_defaults(func=cmd_tenants_thresholds)

    tokens = sub.add_parser(
        "tokens", help="create, list, revoke and rotate API tokens (who a caller is comes from its token)"
    ).add_subparsers(dest="action", required=True)
    p = tokens.add_parser("create", help="issue a token for a tenant; it is printed once and stored only as a hash")
    p.add_argument("tenant", help="the tenant the token acts for")
    p.add_argument("--scope", default="erp", choices=["erp", "person", "service", "operator"],
                   help="erp: an ERP system (upload, read, extract, route, export; no review actions); "
                   "person: one named person with a role (--actor, --role); service: the review page, which names "
                   "the tenant, person and role per call; operator: changes the shared adapters (default: erp)")
    p.add_argument("--actor", default="", help="person tokens: the person's name, recorded in leases and the audit trail "
                   "(3-120 letters, digits, . _ @ + -; names such as 'system' are reserved)")
    p.add_argument("--role", default="", choices=["", "reviewer", "approver", "admin"],
                   help="person tokens: reviewer (claim, release, correct), approver (also approve, reject, confirm "
                   "bank details) or admin (also train, promote and roll back the tenant's models)")
    p.add_argument("--label", default="", help="a note to tell tokens apart in 'docai tokens list'")
    p.add_argument("--out", default="", metavar="FILE",
                   help="write the token to FILE (mode 600) instead of printing it")
    p.set_defaults(func=cmd_tokens_create)

    p = tokens.add_parser("list", help="a tenant's tokens: id, scope, person, role, created, revoked (never the token)")
    p.add_argument("tenant", help="the tenant whose tokens to list")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_tokens_list)

    p = tokens.add_parser("revoke", help="revoke a token: it authenticates nothing from now on")
    p.add_argument("id", type=int, help="the token's id (see 'docai tokens list')")
    p.set_defaults(func=cmd_tokens_revoke)

    p = tokens.add_parser("rotate", help="replace a token with a new one of the same scope, person and role; "
                          "the old one is revoked")
    p.add_argument("id", type=int, help="the token's id (see 'docai tokens list')")
    p.add_argument("--out", default="", metavar="FILE",
                   help="write the new token to FILE (mode 600) instead of printing it")
    p.set_defaults(func=cmd_tokens_rotate)

    p = sub.add_parser("eval", help="evaluate extraction on PDFs with ground-truth JSON beside them")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--adapter", default="", help="adapter alias or name, or 'none' for the base model")
    p.add_argument("--limit", type=int, default=0, help="evaluate at most this many documents")
    p.add_argument("--resume", action="store_true", help="keep the documents an unfinished report at --out holds")
    p.add_argument("--path", choices=["reader", "generative"], default=None,
                   help="extraction path: reader (chooses among page candidates; the default once it exists) "
                   "or generative (the model writes the JSON)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="fit per-field confidence calibration on held-out invoices (not the dev set)")
    p.add_argument("--data", required=True,
                   help="PDFs with truth JSON; synthetic ones from seeds 700000..799999 "
                   "(python -m docai.training.synthetic DIR --count 400 --seed 700000)")
    p.add_argument("--out", required=True, help="calibration JSON (the shipped one: services/extraction/calibration.json)")
    p.add_argument("--adapter", default="", help="adapter alias or name, or 'none' for the base model")
    p.add_argument("--path", choices=["reader", "generative"], default=None, help="extraction path (as for eval)")
    p.add_argument("--limit", type=int, default=0, help="read at most this many documents")
    p.add_argument("--min-support", type=int, default=50, help="fields with fewer values use the pooled map")
    p.add_argument("--report", default="", help="also write the raw-confidence eval report here")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("eval-compare", help="compare two eval reports on their common documents (paired bootstrap)")
    p.add_argument("before", help="report of the baseline (say, --adapter none)")
    p.add_argument("after", help="report of the system under test")
    p.add_argument("--data", required=True, help="the directory both reports evaluated")
    p.set_defaults(func=cmd_eval_compare)

    p = sub.add_parser("bench", help="measure speed and memory; writes a section of docs/BENCHMARKS.md")
    p.add_argument("--out", default="docs/BENCHMARKS.md")
    p.add_argument("--which", default="extraction,throughput",
                   help="comma-separated: extraction (stages of one invoice vs plain generate), "
                   "throughput (reader vs generative path, invoices per minute), "
                   "einvoice (the XML path, the page cross-check, tampered copies)")
    p.add_argument("--invoices", type=int, default=12, help="throughput: invoices the reader path reads")
    p.add_argument("--generative-invoices", type=int, default=3,
                   help="throughput: the first of those the generative path reads too (~50 s each on CPU)")
    p.add_argument("--einvoice-data", default="",
                   help="einvoice: e-invoice PDFs with truth JSON beside them (../shared/eval/einvoice)")
    p.set_defaults(func=cmd_bench)

    from docai.training.cli import register

    register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a CLI prints the domain message, not a traceback
        from docai.services.common.errors import DocAIError

        if isinstance(exc, DocAIError):
            print(f"error: {exc.message} ({exc.reason})", file=sys.stderr)
            return 2
        if args.command in ("tenants", "tokens"):  # e.g. the database is unreachable: one line, no traceback
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            print(f"error: {type(exc).__name__}: {first}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
