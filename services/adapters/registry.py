"""The adapter registry: versioned PEFT directories per task, and the aliases that choose one.

Layout under the registry root (``settings.adapter_dir``)::

    <task>/<version>/adapter_config.json         plain PEFT files, servable by vLLM unchanged
    <task>/<version>/adapter_model.safetensors
    <task>/<version>/docai_adapter.json          task, version, base model, dataset hash, metrics, gate report
    <task>/aliases.json                          {"champion": "v0003", "previous": "v0002"}  (shared)
    <task>/tenants/<tenant>/aliases.json         the tenant's own champion and previous, when it has one

Models are per tenant. A version belongs to the tenant whose job trained it (``owner`` in its
metadata) or to no one (shipped, or trained by the operator: shared). A tenant sees the shared
versions and its own, never another tenant's; its champion is its own when it promoted one, else
the shared champion. A tenant's promotion and rollback move only its own aliases; only the
operator moves the shared ones, and only to shared versions, so nothing one tenant does changes
what another tenant's invoices are read with.

Promotion and rollback rewrite ``aliases.json`` atomically (write, fsync, rename) and never
copy weights. An adapter is validated before it becomes champion: a garbled or missing
safetensors file, a non-LoRA adapter or one trained for another base model is refused with
FAILED_PRECONDITION ``ADAPTER_INVALID``. The repository's shipped adapter
(``adapters/<task>/`` at the repository root) is registered once as the first version and
made champion when a task has no versions yet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docai.services.common.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from docai.services.common.settings import Settings

__all__ = ["ALIASES", "SHIPPED_ADAPTERS", "AdapterRegistry", "AdapterVersion", "served_name", "validate_adapter_dir"]

ALIASES = ("champion", "previous")
METADATA_FILE = "docai_adapter.json"
ALIASES_FILE = "aliases.json"
SHIPPED_ADAPTERS = Settings.model_fields["shipped_adapters"].default  # DOCAI_SHIPPED_ADAPTERS moves them
_VERSION = re.compile(r"^v(\d{4,})$")
_TASK = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
TENANTS_DIR = "tenants"


@dataclass(frozen=True)
class AdapterVersion:
    """One registered adapter version.

    Attributes:
        task: The task it serves (``extraction``).
        version: ``v0001``-style, increasing.
        path: Its PEFT directory.
        base_model: The base model's name it was trained on.
        dataset_sha256: Hash of the dataset manifest it was trained on ("" when unknown).
        metrics: Evaluation figures (micro-F1 on the held-out split and dev set, training cost).
        gate: The champion-vs-challenger report that decided its promotion.
        create_time: When it was registered (ISO 8601).
        extra: Anything else recorded (method, steps, dataset counts, source).
        aliases: Aliases pointing at it right now.
    """

    task: str
    version: str
    path: Path
    base_model: str = ""
    dataset_sha256: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)
    create_time: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def owner(self) -> str:
        """The tenant it belongs to (its training data was that tenant's); "" for a shared version."""
        return str(self.extra.get("owner", self.extra.get("tenant", "")) or "")

    @property
    def name(self) -> str:
        """The resource name, ``adapters/{task}/versions/{version}``."""
        return f"adapters/{self.task}/versions/{self.version}"

    @property
    def loaded_name(self) -> str:
        """The name it is loaded under in a backend (``extraction@v0003``): a new version sits beside the old."""
        return f"{self.task}@{self.version}"


def _invalid(message: str, path: Path) -> FailedPreconditionError:
    return FailedPreconditionError(message, reason="ADAPTER_INVALID", path=path.name)


def validate_adapter_dir(path: Path, *, base_model: str | None = None) -> dict[str, Any]:
    """Check that ``path`` is a loadable PEFT LoRA adapter for ``base_model``.

    Reads the config and the safetensors header and every tensor (a truncated file fails
    here, not in the serving process).

    Args:
        path: The adapter directory.
        base_model: Expected base model name (compared by its last path component); None
            skips the check.

    Returns:
        The parsed ``adapter_config.json``.

    Raises:
        FailedPreconditionError: ``ADAPTER_INVALID``, with what is wrong in the message.
    """
    path = Path(path)
    config_file, weights = path / "adapter_config.json", path / "adapter_model.safetensors"
    if not config_file.is_file():
        raise _invalid("adapter_config.json is missing", path)
    try:
        config = json.loads(config_file.read_text())
    except (OSError, ValueError):
        raise _invalid("adapter_config.json is not valid JSON", path) from None
    if not isinstance(config, dict) or config.get("peft_type") != "LORA":
        raise _invalid(
            f"peft_type is {config.get('peft_type') if isinstance(config, dict) else None!r}, not LORA", path
        )
    declared = Path(str(config.get("base_model_name_or_path") or "")).name
    if base_model is not None and declared != Path(base_model).name:
        raise _invalid(f"adapter was trained for {declared!r}, not {Path(base_model).name!r}", path)
    if not weights.is_file():
        raise _invalid("adapter_model.safetensors is missing", path)
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="pt") as handle:
            keys = list(handle.keys())
            for key in keys:
                handle.get_tensor(key)
    except Exception:  # noqa: BLE001 - any failure to read the file means the same thing
        raise _invalid("adapter_model.safetensors cannot be read", path) from None
    if not keys or not all("lora_" in key for key in keys):
        raise _invalid("adapter_model.safetensors holds no LoRA weights", path)
    return config


def served_name(task: str, tenant: str | None = None) -> str:
    """The name a task's champion is served under in a backend.

    ``champion`` for extraction (the name ``settings.adapter`` configures), the task itself for
    the others: each brand's champion is ``brand-<brand>``, the name its descriptions ask for. A
    tenant's own champion is served beside it as ``<that name>@<tenant>``.
    """
    base = "champion" if task == "extraction" else task
    return f"{base}@{tenant}" if tenant else base


class AdapterRegistry:
    """Adapter versions and aliases on disk (see the module docstring).

    Safe across threads and processes: alias changes hold a file lock.

    Args:
        root: The registry directory (``settings.adapter_dir``).
        base_model: Name of the base model adapters must fit; None accepts the base model
            each version's metadata names.
        shipped: Directory holding the repository's shipped adapters, one per task.

    Example:
        >>> registry = AdapterRegistry(settings.adapter_dir)
        >>> registry.get("extraction", "champion").version
        'v0000'
    """

    @classmethod
    def from_settings(cls, settings: Settings) -> AdapterRegistry:
        """The registry of a suite: versions under its home, first versions from ``settings.shipped_adapters``."""
        return cls(settings.adapter_dir, shipped=settings.shipped_adapters)

    def __init__(self, root: Path, *, base_model: str | None = None, shipped: Path | None = SHIPPED_ADAPTERS) -> None:
        self.root = Path(root)
        self.base_model = base_model
        self.shipped = shipped
        self._lock = threading.RLock()
        self._depth = 0

    # -- reading ---------------------------------------------------------------------------

    def tasks(self) -> list[str]:
        """Tasks with at least one version (the shipped ones included)."""
        names = {p.name for p in self.root.iterdir() if p.is_dir()} if self.root.is_dir() else set()
        if self.shipped is not None and self.shipped.is_dir():
            names |= {p.name for p in self.shipped.iterdir() if (p / "adapter_config.json").is_file()}
        found = []
        for task in sorted(names):
            if _TASK.match(task) and self.versions(task):
                found.append(task)
        return found

    def versions(self, task: str, *, tenant: str | None = None) -> list[AdapterVersion]:
        """Every version of ``task``, oldest first; for a ``tenant``, the shared ones and its own only.

        Each version's ``aliases`` are those that serve the viewer: the tenant's own when it has
        a champion of its own, else the shared ones (also the view of ``tenant=None``).
        """
        self._ensure_task(task)
        task_dir = self.root / task
        if not task_dir.is_dir():
            return []
        aliases = self.effective_aliases(task, tenant)
        out = []
        for child in sorted(task_dir.iterdir()):
            if child.is_dir() and _VERSION.match(child.name) and (child / METADATA_FILE).is_file():
                found = self._read(task, child.name, aliases)
                if _visible(found, tenant):
                    out.append(found)
        return out

    def aliases(self, task: str, tenant: str | None = None) -> dict[str, str]:
        """``{"champion": version, "previous": version}`` (absent keys are unset): the shared aliases,
        or with ``tenant`` that tenant's own (empty when it has none)."""
        file = self._aliases_file(task, tenant)
        if not file.is_file():
            return {}
        data = json.loads(file.read_text())
        return {k: str(v) for k, v in data.items() if k in ALIASES and v}

    def effective_aliases(self, task: str, tenant: str | None = None) -> dict[str, str]:
        """The aliases that serve ``tenant``: its own when it has a champion of its own, else the shared ones."""
        if tenant:
            own = self.aliases(task, tenant)
            if own.get("champion"):
                return own
        return self.aliases(task)

    def tenants(self, task: str) -> list[str]:
        """Tenants with aliases of their own for ``task``."""
        base = self.root / _check_task(task) / TENANTS_DIR
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if _TENANT.match(p.name) and (p / ALIASES_FILE).is_file())

    def get(self, task: str, version_or_alias: str, *, tenant: str | None = None) -> AdapterVersion:
        """One version, by version or alias (aliases as they serve ``tenant``).

        With ``tenant``, another tenant's version reads exactly like a missing one.

        Raises:
            NotFoundError: ``ADAPTER_NOT_FOUND``.
        """
        self._ensure_task(task)
        aliases = self.effective_aliases(task, tenant)
        version = aliases.get(version_or_alias, version_or_alias)
        missing = NotFoundError(
            f"adapter {task}/{version_or_alias} does not exist",
            reason="ADAPTER_NOT_FOUND",
            adapter=f"{task}/{version_or_alias}",
        )
        if not _VERSION.match(version) or not (self.root / task / version / METADATA_FILE).is_file():
            raise missing
        found = self._read(task, version, aliases)
        if not _visible(found, tenant):
            raise missing
        return found

    def champion(self, task: str, *, tenant: str | None = None) -> AdapterVersion | None:
        """The version serving ``tenant`` (its own champion, else the shared one), or None.

        None also when the shared champion is a version ``tenant`` may not see (one a tenant's job
        trained before models were per tenant): nothing of another tenant's is handed to this one.
        """
        if not self.effective_aliases(task, tenant).get("champion"):
            return None
        try:
            return self.get(task, "champion", tenant=tenant)
        except NotFoundError:
            return None

    def resolve(self, name_or_alias: str, *, task: str = "extraction", tenant: str | None = None) -> AdapterVersion:
        """Find a version from the forms people type.

        Accepts ``champion``, ``v0003``, ``extraction@v0003``, ``extraction/champion`` and
        ``adapters/extraction/versions/v0003``; a bare alias or version means ``task``. With
        ``tenant``, only versions that tenant may see.

        Raises:
            NotFoundError: ``ADAPTER_NOT_FOUND``.
            InvalidArgumentError: ``INVALID_NAME`` for anything else.
        """
        text = name_or_alias.strip()
        match = re.fullmatch(r"adapters/([^/]+)/versions/([^/]+)", text) or re.fullmatch(r"([^/@]+)[/@]([^/@]+)", text)
        if match:
            task, text = match.group(1), match.group(2)
        if not text:
            raise InvalidArgumentError("an adapter name is required", reason="INVALID_NAME", field="name")
        return self.get(_check_task(task), text, tenant=tenant)

    def _read(self, task: str, version: str, aliases: Mapping[str, str]) -> AdapterVersion:
        path = self.root / task / version
        meta = json.loads((path / METADATA_FILE).read_text())
        known = {"task", "version", "base_model", "dataset_sha256", "metrics", "gate", "create_time"}
        return AdapterVersion(
            task=task,
            version=version,
            path=path,
            base_model=str(meta.get("base_model", "")),
            dataset_sha256=str(meta.get("dataset_sha256", "")),
            metrics=dict(meta.get("metrics") or {}),
            gate=dict(meta.get("gate") or {}),
            create_time=str(meta.get("create_time", "")),
            extra={k: v for k, v in meta.items() if k not in known},
            aliases=tuple(sorted(alias for alias, v in aliases.items() if v == version)),
        )

    # -- writing ---------------------------------------------------------------------------

    def register(
        self,
        task: str,
        source: Path,
        *,
        base_model: str = "",
        dataset_sha256: str = "",
        metrics: Mapping[str, Any] | None = None,
        gate: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        move: bool = False,
    ) -> AdapterVersion:
        """Validate the PEFT directory ``source`` and store it as the next version of ``task``.

        Registering does not promote. The version's files are copied (or moved with
        ``move=True``, for a freshly trained adapter) into the registry once.

        Raises:
            FailedPreconditionError: ``ADAPTER_INVALID``.
        """
        task = _check_task(task)
        config = validate_adapter_dir(source, base_model=self.base_model or base_model or None)
        base = base_model or Path(str(config.get("base_model_name_or_path", ""))).name
        with self._locked(task):
            version = self._next_version(task)
            target = self.root / task / version
            staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root / task))
            for name in ("adapter_config.json", "adapter_model.safetensors"):
                (shutil.move if move else shutil.copy2)(str(Path(source) / name), str(staging / name))
            meta = {
                "task": task,
                "version": version,
                "base_model": base,
                "dataset_sha256": dataset_sha256,
                "metrics": dict(metrics or {}),
                "gate": dict(gate or {}),
                "create_time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                **dict(extra or {}),
            }
            (staging / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
            os.replace(staging, target)
        return self.get(task, version)

    def update_metadata(self, task: str, version: str, **fields: Any) -> AdapterVersion:
        """Merge ``fields`` into a version's ``docai_adapter.json`` (e.g. the gate report once known)."""
        found = self.get(task, version)
        file = found.path / METADATA_FILE
        with self._locked(task):
            meta = json.loads(file.read_text())
            meta.update(fields)
            _atomic_write(file, json.dumps(meta, indent=2, sort_keys=True, default=str))
        return self.get(task, version)

    def promote(self, task: str, version: str, *, tenant: str | None = None) -> AdapterVersion:
        """Make ``version`` the champion; the old champion becomes ``previous``.

        Without ``tenant`` the shared champion moves (the operator's call), and only to a shared
        version. With ``tenant`` only that tenant's champion moves, to a shared version or one of
        its own; its ``previous`` is what served it before (the shared champion the first time).
        Promoting the champion again changes nothing.

        Raises:
            NotFoundError: ``ADAPTER_NOT_FOUND`` (also another tenant's version).
            FailedPreconditionError: ``ADAPTER_INVALID`` when its files do not validate,
                ``ADAPTER_NOT_SHARED`` when a tenant's version would become the shared champion.
        """
        candidate = self.get(task, version, tenant=tenant)
        if tenant is None and candidate.owner:
            raise FailedPreconditionError(
                f"{candidate.name} was trained on tenant {candidate.owner}'s data; it can be that tenant's champion, "
                "not the shared one",
                reason="ADAPTER_NOT_SHARED",
                adapter=candidate.name,
            )
        validate_adapter_dir(candidate.path, base_model=self.base_model or candidate.base_model or None)
        with self._locked(task):
            aliases = self.effective_aliases(task, tenant)
            if aliases.get("champion") != candidate.version:
                previous = aliases.get("champion")
                aliases = {"champion": candidate.version, **({"previous": previous} if previous else {})}
                self._write_aliases(task, aliases, tenant)
        return self.get(task, candidate.version, tenant=tenant)

    def rollback(self, task: str, *, tenant: str | None = None) -> AdapterVersion:
        """Swap ``champion`` and ``previous``: the previous champion serves again.

        Without ``tenant`` the shared aliases swap; with ``tenant`` only that tenant's own.

        Raises:
            FailedPreconditionError: ``NO_PREVIOUS_ADAPTER`` when there is nothing to go back to,
                ``ADAPTER_INVALID`` when the previous version's files do not validate.
        """
        with self._locked(task):
            aliases = self.aliases(task, tenant)
            previous = aliases.get("previous")
            if not previous or not aliases.get("champion"):
                whose = f"tenant {tenant!r}" if tenant else "the shared champion"
                raise FailedPreconditionError(
                    f"task {task!r} has no previous adapter of {whose} to roll back to",
                    reason="NO_PREVIOUS_ADAPTER",
                    task=task,
                )
            target = self.get(task, previous, tenant=tenant)
            validate_adapter_dir(target.path, base_model=self.base_model or target.base_model or None)
            self._write_aliases(task, {"champion": previous, "previous": aliases["champion"]}, tenant)
        return self.get(task, previous, tenant=tenant)

    def retire(self, task: str, *, tenant: str) -> None:
        """Forget ``tenant``'s own champion and previous of ``task`` (its brand was deleted).

        Its versions stay (the tenant's audit trail, still listed); nothing of the tenant's serves
        the task any more until it promotes again. Nothing happens when it has no aliases.
        """
        with self._locked(task):
            file = self._aliases_file(task, tenant)
            if file.exists():
                file.unlink()

    # -- serving ---------------------------------------------------------------------------

    def load_into(
        self,
        backend: Any,
        name_or_alias: str,
        *,
        task: str = "extraction",
        served_as: str | None = None,
        tenant: str | None = None,
    ) -> str:
        """Load a version into a backend and return the versioned name it is served under.

        It is loaded as ``task@version`` and under ``served_as`` (default: ``name_or_alias``
        when that is another name, an alias such as ``champion``), so a caller configured
        with that name picks the new version up on its next request (the backend swaps the
        name atomically). Aliases are resolved as they serve ``tenant``.

        Raises:
            NotFoundError: ``ADAPTER_NOT_FOUND``.
            FailedPreconditionError: ``ADAPTER_INVALID``.
        """
        found = self.resolve(name_or_alias, task=task, tenant=tenant)
        validate_adapter_dir(found.path, base_model=self.base_model or found.base_model or None)
        backend.load_adapter(found.loaded_name, found.path)
        alias = served_as or name_or_alias
        if alias != found.loaded_name:
            backend.load_adapter(alias, found.path)
        return found.loaded_name

    def activate(self, backend: Any, task: str = "extraction", *, tenant: str | None = None) -> str | None:
        """Hot swap: load the task's champion as :func:`served_name` (and ``task@version``); call after
        promotion or rollback.

        With ``tenant``, that tenant's own champion, as ``served_name(task, tenant)``.

        Returns:
            The versioned name now served as champion, or None when there is none (of the tenant's own).
        """
        self._ensure_task(task)
        own = self.aliases(task, tenant)
        if not own.get("champion"):
            return None
        return self.load_into(backend, own["champion"], task=task, served_as=served_name(task, tenant), tenant=tenant)

    def activate_all(self, backend: Any, task: str = "extraction") -> list[str]:
        """Load the shared champion and every tenant's own (at start); returns the served names loaded."""
        loaded = []
        for tenant in [None, *self.tenants(task)]:
            try:
                if self.activate(backend, task, tenant=tenant) is not None:
                    loaded.append(served_name(task, tenant))
            except (NotFoundError, FailedPreconditionError):
                continue  # a broken version is not served; the shared champion (or the base model) serves instead
        return loaded

    # -- internals -------------------------------------------------------------------------

    def _ensure_task(self, task: str) -> None:
        """Register the shipped adapter of ``task`` as its first version, once."""
        _check_task(task)
        shipped = self.shipped / task if self.shipped is not None else None
        if shipped is None or not (shipped / "adapter_config.json").is_file():
            return
        task_dir = self.root / task
        if task_dir.is_dir() and any(_VERSION.match(p.name) for p in task_dir.iterdir()):
            return
        with self._locked(task):
            if any(_VERSION.match(p.name) for p in task_dir.iterdir()):
                return
            meta: dict[str, Any] = {}
            if (shipped / METADATA_FILE).is_file():
                meta = json.loads((shipped / METADATA_FILE).read_text())
            try:
                found = self.register(
                    task,
                    shipped,
                    base_model=str(meta.get("base_model", "")),
                    dataset_sha256=str(meta.get("dataset_sha256", "")),
                    metrics=meta.get("metrics") or {},
                    gate=meta.get("gate") or {},
                    extra={
                        "source": "shipped",
                        **{k: v for k, v in meta.items() if k in ("method", "steps", "command")},
                    },
                )
            except FailedPreconditionError:
                return  # a broken shipped adapter is simply not offered
            self._write_aliases(task, {"champion": found.version})

    def _next_version(self, task: str) -> str:
        numbers = [int(m.group(1)) for p in (self.root / task).iterdir() if (m := _VERSION.match(p.name))]
        return f"v{(max(numbers) + 1 if numbers else 0):04d}"

    def _aliases_file(self, task: str, tenant: str | None) -> Path:
        if not tenant:
            return self.root / _check_task(task) / ALIASES_FILE
        return self.root / _check_task(task) / TENANTS_DIR / _check_tenant(tenant) / ALIASES_FILE

    def _write_aliases(self, task: str, aliases: Mapping[str, str], tenant: str | None = None) -> None:
        file = self._aliases_file(task, tenant)
        file.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(file, json.dumps(dict(aliases), indent=2, sort_keys=True))

    @contextlib.contextmanager
    def _locked(self, task: str) -> Iterator[None]:
        task_dir = self.root / task
        task_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self._depth:  # re-entered by this thread: the file lock is already held
                yield
                return
            with open(task_dir / ".lock", "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                    fcntl.flock(handle, fcntl.LOCK_UN)


def _atomic_write(path: Path, text: str) -> None:
    """Write-then-rename, so a reader sees the old or the new file, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _check_task(task: str) -> str:
    if not _TASK.match(task or ""):
        raise InvalidArgumentError(f"invalid task {task!r}", reason="INVALID_NAME", field="task")
    return task


def _check_tenant(tenant: str) -> str:
    if not _TENANT.match(tenant or ""):
        raise InvalidArgumentError(f"invalid tenant {tenant!r}", reason="INVALID_NAME", field="tenant")
    return tenant


def _visible(found: AdapterVersion, tenant: str | None) -> bool:
    """Whether ``tenant`` may see a version: shared ones and its own (None sees everything)."""
    return tenant is None or found.owner in ("", tenant)
