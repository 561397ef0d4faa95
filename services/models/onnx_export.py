"""The base model exported once to ONNX (with its KV cache), and PEFT adapters turned into ONNX Runtime LoRA files.

The export runs at setup (``docai setup-model`` with ``DOCAI_BACKEND=onnx``), from the converted
Hugging Face directory in the model cache; nothing is downloaded. It has two steps:

1. onnxruntime-genai's model builder writes a decoder with GroupQueryAttention and a KV cache
   (``past_key_values.*`` in, ``present.*`` out), weights in fp32, int8 or int4
   (``MatMulNBits``), and an LM head that computes only the last position's logits
   (``prune_lm_head``: a prompt's prefill does not pay for 49,152 logits per token).
2. Every projection a LoRA adapter may touch (q/k/v, o, gate, up, down in every layer) gets a
   low-rank branch ``y = base(x) + (x @ A) @ B`` whose ``A`` and ``B`` are *overridable
   initializers* of rank 0: with no adapter they are empty (the branch adds zeros), and an
   adapter feeds its own ``A``/``B`` of any rank with the request's other inputs. The
   builder's own LoRA path is not used: it bakes one adapter into the graph (and quantises it).

Packed projections (the builder packs q, k and v into one ``qkv_proj``) get one branch whose
``A`` is the adapter's ``A``s side by side and whose ``B`` is block-diagonal, so a packed
MatMul and a LoRA that targets only some of q, k and v still compose exactly.

:func:`convert_adapter` turns a PEFT directory into those inputs in milliseconds (scaling
folded into ``B``), so promotion and rollback never rebuild the model. onnxruntime-genai is
needed only here, for its builder: the backend runs the model with plain ONNX Runtime.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docai.services.common.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError

_log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "int8", "int4")
MANIFEST = "docai_lora.json"
# Written last, so a directory without it is an interrupted export, never a model.
_MARKER = ".docai-exported"
_EXPORT_VERSION = 1
_NODE = re.compile(
    r"^/model/layers\.(\d+)/(?:attn|mlp)/(qkv_proj|q_proj|k_proj|v_proj|o_proj|gate_up_proj|gate_proj|up_proj|down_proj)/MatMul"
)
# PEFT module name (last component) -> (module path inside a layer)
_PEFT_PATH = {
    "q_proj": "self_attn.q_proj",
    "k_proj": "self_attn.k_proj",
    "v_proj": "self_attn.v_proj",
    "o_proj": "self_attn.o_proj",
    "gate_proj": "mlp.gate_proj",
    "up_proj": "mlp.up_proj",
    "down_proj": "mlp.down_proj",
}
# Projections packed by the builder, in the order of their outputs.
_PACKED = {"qkv_proj": ("q_proj", "k_proj", "v_proj"), "gate_up_proj": ("gate_proj", "up_proj")}


def onnx_model_dir(model_dir: Path, *, cache_dir: Path, precision: str, provider: str = "cpu") -> Path:
    """Where :func:`ensure_onnx_model` keeps the export of ``model_dir``."""
    return Path(cache_dir) / f"{Path(model_dir).name}-onnx-{precision}-{provider}"


def is_exported(path: Path) -> bool:
    """Whether ``path`` holds a complete export (its marker is written last)."""
    return (Path(path) / _MARKER).is_file()


def ensure_onnx_model(
    model_dir: Path,
    *,
    cache_dir: Path,
    precision: str = "int8",
    provider: str = "cpu",
) -> Path:
    """Return the ONNX export of a Hugging Face model directory, exporting it once if needed.

    Args:
        model_dir: A Hugging Face model directory (``ensure_base_model``'s result).
        cache_dir: Where exports are kept (the model cache, beside the converted model).
        precision: ``"fp32"``, ``"int8"`` or ``"int4"`` weights (``MatMulNBits``, block 32).
        provider: ``"cpu"`` or ``"cuda"`` (the builder's execution provider; CUDA needs
            ``onnxruntime-gpu`` on the host; the builder then writes float16 activations).

    Returns:
        The export directory: ``model.onnx`` (+ ``.data``), ``genai_config.json``, the
        tokenizer files and the LoRA manifest (:data:`MANIFEST`).

    Raises:
        InvalidArgumentError: Unknown precision or provider.
        FailedPreconditionError: The export failed (the builder's last lines are logged).

    Example:
        >>> onnx_dir = ensure_onnx_model(ensure_base_model(cache_dir=cache), cache_dir=cache)
    """
    if precision not in PRECISIONS:
        raise InvalidArgumentError(
            f"ONNX precision must be one of {', '.join(PRECISIONS)}", reason="INVALID_ONNX_PRECISION"
        )
    if provider not in ("cpu", "cuda"):
        raise InvalidArgumentError("ONNX provider must be cpu or cuda", reason="INVALID_ONNX_PROVIDER")
    model_dir = Path(model_dir)
    target = onnx_model_dir(model_dir, cache_dir=cache_dir, precision=precision, provider=provider)
    fingerprint = _fingerprint(model_dir, precision, provider)
    marker = target / _MARKER
    if marker.is_file() and marker.read_text().strip() == fingerprint:
        return target
    _log.info("exporting %s to ONNX (%s, %s) into %s (once)", model_dir.name, precision, provider, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _build(model_dir, tmp, precision=precision, provider=provider)
        add_lora_inputs(tmp, model_dir=model_dir)
        (tmp / _MARKER).write_text(fingerprint + "\n")
        if target.exists():
            shutil.rmtree(target)  # a stale export (other source) or an interrupted one
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / _MARKER).is_file():  # another process won the race with a complete copy
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _fingerprint(model_dir: Path, precision: str, provider: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"{_EXPORT_VERSION}:{precision}:{provider}:".encode())
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}:".encode())
    return digest.hexdigest()[:32]


def _build(model_dir: Path, out: Path, *, precision: str, provider: str) -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    with tempfile.TemporaryDirectory(prefix="docai-onnx-build-") as scratch:
        command = [
            sys.executable,
            "-m",
            "onnxruntime_genai.models.builder",
            "-i",
            str(model_dir),
            "-o",
            str(out),
            "-p",
            precision,
            "-e",
            provider,
            "-c",
            scratch,
            "--extra_options",
            "prune_lm_head=true",
            "hf_token=false",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (out / "model.onnx").is_file():
        tail = (done.stderr or done.stdout)[-2000:]
        _log.error("ONNX export failed (exit %s):\n%s", done.returncode, tail)
        raise FailedPreconditionError(
            f"exporting {model_dir.name} to ONNX failed (exit {done.returncode})", reason="ONNX_EXPORT_FAILED"
        )


# -- LoRA inputs ---------------------------------------------------------------------------


def add_lora_inputs(onnx_dir: Path, *, model_dir: Path) -> dict[str, Any]:
    """Give every projection of the exported decoder a LoRA branch fed per run (see the module doc).

    Rewrites ``onnx_dir/model.onnx`` (its weights file is left as it is) and writes the
    manifest that :func:`convert_adapter` reads.

    Returns:
        The manifest: for each branch its ``A``/``B`` input names, in and out features, and
        for packed projections the PEFT modules and output widths it is made of.
    """
    import onnx
    from onnx import TensorProto, helper

    config = json.loads((Path(model_dir) / "config.json").read_text())
    widths = _module_widths(config)
    path = Path(onnx_dir) / "model.onnx"
    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    # The branches compute in the graph's activation type (float32 on CPU, float16 for CUDA builds).
    io_type = next(
        (i.type.tensor_type.elem_type for i in graph.input if i.name.startswith("past_key_values.")),
        TensorProto.FLOAT,
    )
    branches: dict[str, dict[str, Any]] = {}
    new_nodes: list[Any] = []
    for node in list(graph.node):
        match = _NODE.match(node.name)
        if match is None or node.op_type not in ("MatMul", "MatMulNBits"):
            continue
        layer, proj = int(match.group(1)), match.group(2)
        parts = _PACKED.get(proj, (proj,))
        in_features = widths[parts[0]][0]
        out_features = sum(widths[part][1] for part in parts)
        key = f"layers.{layer}.{proj}"
        a_name, b_name = f"lora.{key}.A", f"lora.{key}.B"
        rank = f"lora_rank_{layer}_{proj}"
        x, y = node.input[0], node.output[0]
        base_out = f"{y}/base"
        node.output[0] = base_out
        prefix = f"/model/layers.{layer}/lora/{proj}"
        new_nodes += [
            helper.make_node("MatMul", [x, a_name], [f"{prefix}/A/output_0"], name=f"{prefix}/A/MatMul"),
            helper.make_node(
                "MatMul", [f"{prefix}/A/output_0", b_name], [f"{prefix}/B/output_0"], name=f"{prefix}/B/MatMul"
            ),
            helper.make_node("Add", [base_out, f"{prefix}/B/output_0"], [y], name=f"{prefix}/Add"),
        ]
        # Overridable initializers: empty by default (rank 0: the branch adds zeros), fed by an adapter.
        graph.initializer.append(helper.make_tensor(a_name, io_type, [in_features, 0], []))
        graph.initializer.append(helper.make_tensor(b_name, io_type, [0, out_features], []))
        graph.input.append(helper.make_tensor_value_info(a_name, io_type, [in_features, rank]))
        graph.input.append(helper.make_tensor_value_info(b_name, io_type, [rank, out_features]))
        branches[key] = {
            "layer": layer,
            "proj": proj,
            "A": a_name,
            "B": b_name,
            "in": in_features,
            "parts": [[part, widths[part][1]] for part in parts],
        }
    if not branches:
        raise FailedPreconditionError(
            "the exported model has no projection a LoRA adapter could attach to", reason="ONNX_EXPORT_FAILED"
        )
    graph.node.extend(new_nodes)
    _toposort(graph)
    onnx.save(model, str(path))  # external data stays in model.onnx.data: only the graph changed
    dtype = "float16" if io_type == TensorProto.FLOAT16 else "float32"
    manifest = {"version": _EXPORT_VERSION, "dtype": dtype, "branches": branches}
    (Path(onnx_dir) / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def _module_widths(config: dict[str, Any]) -> dict[str, tuple[int, int]]:
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    head_dim = int(config.get("head_dim") or hidden // heads)
    kv = int(config.get("num_key_value_heads") or heads) * head_dim
    inter = int(config["intermediate_size"])
    return {
        "q_proj": (hidden, heads * head_dim),
        "k_proj": (hidden, kv),
        "v_proj": (hidden, kv),
        "o_proj": (heads * head_dim, hidden),
        "gate_proj": (hidden, inter),
        "up_proj": (hidden, inter),
        "down_proj": (inter, hidden),
    }


def _toposort(graph: Any) -> None:
    """Order nodes so each comes after the producers of its inputs (ONNX requires it)."""
    produced_by: dict[str, int] = {}
    nodes = list(graph.node)
    for index, node in enumerate(nodes):
        for output in node.output:
            produced_by[output] = index
    order: list[int] = []
    state = [0] * len(nodes)  # 0 new, 1 visiting, 2 done
    for start in range(len(nodes)):
        stack = [(start, False)]
        while stack:
            index, expanded = stack.pop()
            if state[index] == 2:
                continue
            if expanded:
                state[index] = 2
                order.append(index)
                continue
            state[index] = 1
            stack.append((index, True))
            for name in nodes[index].input:
                producer = produced_by.get(name)
                if producer is not None and state[producer] == 0:
                    stack.append((producer, False))
    del graph.node[:]
    graph.node.extend(nodes[i] for i in order)


# -- adapters -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConvertedAdapter:
    """An adapter as the inputs of the exported model's LoRA branches.

    Attributes:
        parameters: Input name to float32 array (``A`` is ``[in, rank]``, ``B`` is ``[rank, out]``,
            scaling folded in); feed them with the model's other inputs, or write them with
            ``onnxruntime.AdapterFormat`` for ONNX Runtime's own LoRA adapters.
        branches: How many LoRA branches of the model it feeds.
        rank: The largest LoRA rank among its modules.
    """

    parameters: dict[str, Any]
    branches: int
    rank: int


def load_manifest(onnx_dir: Path) -> dict[str, Any]:
    path = Path(onnx_dir) / MANIFEST
    if not path.is_file():
        raise FailedPreconditionError(
            f"{onnx_dir} has no LoRA manifest: export it again (docai setup-model)", reason="MODEL_UNAVAILABLE"
        )
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


def convert_adapter(adapter_dir: Path, *, manifest: dict[str, Any]) -> ConvertedAdapter:
    """Turn the PEFT LoRA adapter in ``adapter_dir`` into inputs of the model of ``manifest`` (milliseconds).

    Raises:
        NotFoundError: No adapter in ``adapter_dir`` (``ADAPTER_NOT_FOUND``).
        InvalidArgumentError: Not a plain LoRA (DoRA, biases, saved modules, per-module ranks
            or alphas), or it names a module or layer the model does not have (``INVALID_ADAPTER``).
    """
    import numpy as np

    adapter_dir = Path(adapter_dir)
    config_path = adapter_dir / "adapter_config.json"
    if not config_path.is_file():
        raise NotFoundError(f"no adapter in {adapter_dir}", reason="ADAPTER_NOT_FOUND")
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidArgumentError("adapter_config.json is not JSON", reason="INVALID_ADAPTER") from exc
    _check_plain_lora(config)
    weights = _read_weights(adapter_dir)
    r = int(config["r"])
    alpha = float(config.get("lora_alpha", r))
    scaling = alpha / (r**0.5) if config.get("use_rslora") else alpha / r

    modules: dict[tuple[int, str], dict[str, Any]] = {}
    pattern = re.compile(
        r"^(?:base_model\.model\.)?model\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.(lora_[AB])(?:\.default)?\.weight$"
    )
    for key, value in weights.items():
        match = pattern.match(key)
        if match is None or match.group(2) not in _PEFT_PATH:
            raise InvalidArgumentError(
                f"adapter tensor {key!r} is not a LoRA weight of a decoder projection", reason="INVALID_ADAPTER"
            )
        modules.setdefault((int(match.group(1)), match.group(2)), {})[match.group(3)] = value
    branches = manifest["branches"]
    by_part: dict[tuple[int, str], tuple[str, int, int]] = {}  # (layer, module) -> branch key, offset, width
    for key, branch in branches.items():
        offset = 0
        for part, width in branch["parts"]:
            by_part[(branch["layer"], part)] = (key, offset, width)
            offset += width
    feeds: dict[str, list[tuple[Any, Any, int, int]]] = {}
    for (layer, module), pair in sorted(modules.items()):
        if set(pair) != {"lora_A", "lora_B"}:
            raise InvalidArgumentError(
                f"adapter lacks lora_A or lora_B for layer {layer} {module}", reason="INVALID_ADAPTER"
            )
        target = by_part.get((layer, module))
        if target is None:
            raise InvalidArgumentError(
                f"adapter targets layer {layer} {module}, which the model does not have", reason="INVALID_ADAPTER"
            )
        key, offset, width = target
        a = np.asarray(pair["lora_A"], dtype=np.float32)  # [r, in]
        b = np.asarray(pair["lora_B"], dtype=np.float32) * np.float32(scaling)  # [out, r]
        if (
            a.ndim != 2
            or b.ndim != 2
            or a.shape[1] != branches[key]["in"]
            or b.shape[0] != width
            or a.shape[0] != b.shape[1]
        ):
            raise InvalidArgumentError(
                f"adapter shapes for layer {layer} {module} do not fit the model", reason="INVALID_ADAPTER"
            )
        feeds.setdefault(key, []).append((a, b, offset, width))
    if not feeds:
        raise InvalidArgumentError("adapter has no LoRA weights", reason="INVALID_ADAPTER")
    parameters: dict[str, Any] = {}
    max_rank = 0
    for key, parts in feeds.items():
        branch = branches[key]
        total_rank = sum(a.shape[0] for a, _, _, _ in parts)
        out_features = sum(width for _, width in branch["parts"])
        a_packed = np.zeros((branch["in"], total_rank), dtype=np.float32)
        b_packed = np.zeros((total_rank, out_features), dtype=np.float32)
        column = 0
        for a, b, offset, width in parts:
            rank = a.shape[0]
            a_packed[:, column : column + rank] = a.T
            b_packed[column : column + rank, offset : offset + width] = b.T
            column += rank
            max_rank = max(max_rank, rank)
        dtype = manifest.get("dtype", "float32")
        parameters[branch["A"]] = a_packed.astype(dtype, copy=False)
        parameters[branch["B"]] = b_packed.astype(dtype, copy=False)
    return ConvertedAdapter(parameters, len(feeds), max_rank)


def _check_plain_lora(config: dict[str, Any]) -> None:
    if config.get("peft_type") != "LORA":
        raise InvalidArgumentError(
            f"adapter is {config.get('peft_type')}, only LoRA is served", reason="INVALID_ADAPTER"
        )
    unsupported = [
        name
        for name, bad in (
            ("use_dora", bool(config.get("use_dora"))),
            ("bias", config.get("bias", "none") != "none" or bool(config.get("lora_bias"))),
            ("modules_to_save", bool(config.get("modules_to_save"))),
            ("rank_pattern", bool(config.get("rank_pattern"))),
            ("alpha_pattern", bool(config.get("alpha_pattern"))),
            ("fan_in_fan_out", bool(config.get("fan_in_fan_out"))),
        )
        if bad
    ]
    if unsupported:
        raise InvalidArgumentError(
            f"the onnx backend serves plain LoRA adapters; this one uses {', '.join(unsupported)}",
            reason="INVALID_ADAPTER",
        )


def _read_weights(adapter_dir: Path) -> dict[str, Any]:
    file = adapter_dir / "adapter_model.safetensors"
    if file.is_file():
        from safetensors.numpy import load_file

        try:
            return dict(load_file(str(file)))
        except (TypeError, ValueError):  # bfloat16 tensors: numpy has no such dtype
            pass
    import torch

    if file.is_file():
        from safetensors.torch import load_file as load_torch

        raw = load_torch(str(file))
    elif (adapter_dir / "adapter_model.bin").is_file():
        raw = torch.load(adapter_dir / "adapter_model.bin", map_location="cpu", weights_only=True)
    else:
        raise NotFoundError(f"no adapter weights in {adapter_dir}", reason="ADAPTER_NOT_FOUND")
    return {key: value.float().numpy() for key, value in raw.items()}
