"""A TextGenerator that calls an OpenAI-compatible server (vLLM) over HTTP.

UNTESTED against a real server: this suite is developed on CPU-only machines. It follows
vLLM's documented API: ``POST /v1/chat/completions`` with ``model`` set to the LoRA adapter's
name (adapters served with ``--enable-lora --lora-modules name=path``, or loaded at run time
through ``POST /v1/load_lora_adapter`` when ``VLLM_ALLOW_RUNTIME_LORA_UPDATING`` is on), and
``response_format: {"type": "json_schema", ...}`` for constrained JSON. Only the standard
library is used.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docai.services.common.errors import NotFoundError, UnavailableError
from docai.services.models.backend import (
    GenerationRequest,
    GenerationResult,
    GenerationTimings,
    TextGenerator,
    TokenInfo,
)


class VLLMTextGenerator:
    """Client of a vLLM OpenAI-compatible server (untested on CPU, see the module docstring).

    Args:
        base_url: e.g. ``http://vllm:8000``.
        model_name: The served base model's name (``--served-model-name``).
        api_key: Bearer token, if the server wants one.
        timeout_s: Per-request timeout.
    """

    def __init__(self, *, base_url: str, model_name: str, api_key: str | None = None, timeout_s: float = 120.0) -> None:
        self.model_name = model_name
        self._base = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout_s
        self._adapters: dict[str, Path] = {}

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """POST one chat completion and convert the answer (logprobs included)."""
        started = time.perf_counter()
        body = self._post("/v1/chat/completions", self._body(request, stream=False))
        choice = body["choices"][0]
        text = choice["message"]["content"] or ""
        tokens: list[TokenInfo] = []
        offset = 0
        for entry in (choice.get("logprobs") or {}).get("content") or []:
            piece = entry.get("token", "")
            tokens.append(TokenInfo(piece, float(entry.get("logprob", 0.0)), offset, offset + len(piece)))
            offset += len(piece)
        elapsed = time.perf_counter() - started
        usage = body.get("usage") or {}
        completion_tokens = int(usage.get("completion_tokens", len(tokens)))
        return GenerationResult(
            text=text,
            tokens=tokens,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            timings=GenerationTimings(decode_s=elapsed),
            tokens_per_s=completion_tokens / elapsed if elapsed > 0 else 0.0,
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            model=self.model_name,
            adapter=request.adapter,
        )

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield content deltas of a server-sent-events stream."""
        http_request = self._request("/v1/chat/completions", self._body(request, stream=True))
        try:
            with urllib.request.urlopen(http_request, timeout=self._timeout) as response:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta
        except (urllib.error.URLError, TimeoutError) as exc:
            raise UnavailableError("the model server is unavailable", reason="MODEL_UNAVAILABLE") from exc

    def load_adapter(self, name: str, path: Path) -> None:
        """Ask the server to load ``path`` as ``name`` (needs runtime LoRA updating enabled)."""
        if name in self._adapters:
            self._post("/v1/unload_lora_adapter", {"lora_name": name})
        self._post("/v1/load_lora_adapter", {"lora_name": name, "lora_path": str(path)})
        self._adapters[name] = Path(path)

    def unload_adapter(self, name: str) -> None:
        """Ask the server to unload ``name``."""
        if name not in self._adapters:
            raise NotFoundError(f"adapter {name!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=name)
        self._post("/v1/unload_lora_adapter", {"lora_name": name})
        del self._adapters[name]

    def adapters(self) -> list[str]:
        """Adapters loaded through this client (the server may serve more)."""
        return sorted(self._adapters)

    def _body(self, request: GenerationRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.adapter or self.model_name,
            "messages": request.messages,
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "stream": stream,
            "logprobs": not stream,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        if request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.json_schema, "strict": True},
            }
        return body

    def _request(self, path: str, body: dict[str, Any]) -> urllib.request.Request:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return urllib.request.Request(
            self._base + path, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(self._request(path, body), timeout=self._timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFoundError(
                    "the model server does not know this model or adapter", reason="ADAPTER_NOT_FOUND"
                ) from exc
            raise UnavailableError(f"the model server answered HTTP {exc.code}", reason="MODEL_UNAVAILABLE") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise UnavailableError("the model server is unavailable", reason="MODEL_UNAVAILABLE") from exc
        return json.loads(raw) if raw.strip() else {}


_check: type[TextGenerator] = VLLMTextGenerator
