"""A TextGenerator driven by a plain function, shipped for the tests of every service.

Like httpx's ``MockTransport``: the test says what the "model" answers, the service code
under test runs unchanged. Nothing heavy is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from docai.services.common.errors import NotFoundError
from docai.services.models.backend import GenerationRequest, GenerationResult, TextGenerator, TokenInfo

Handler = Callable[[GenerationRequest], "str | GenerationResult"]


class FakeTextGenerator:
    """A :class:`TextGenerator` whose answers come from ``handler``.

    The handler returns the text (wrapped into a result with one token per whitespace-split
    piece, each with ``logprob`` 0) or a full :class:`GenerationResult`. Every request is
    kept in ``requests`` for assertions. Adapters are only names: ``load_adapter`` records
    the path, and a request naming an unknown adapter fails as the real backends do.

    Args:
        handler: Called with each request.
        model_name: Reported as ``model_name`` and in results.

    Example:
        >>> fake = FakeTextGenerator(lambda request: '{"invoice_number": "INV-1"}')
        >>> fake.generate(GenerationRequest(messages=[{"role": "user", "content": "x"}])).text
        '{"invoice_number": "INV-1"}'
    """

    def __init__(self, handler: Handler, *, model_name: str = "fake") -> None:
        self.model_name = model_name
        self.requests: list[GenerationRequest] = []
        self.adapter_paths: dict[str, Path] = {}
        self._handler = handler
        self._lock = threading.Lock()

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Answer ``request`` with the handler (see the class docstring)."""
        if request.adapter is not None and request.adapter not in self.adapter_paths:
            raise NotFoundError(
                f"adapter {request.adapter!r} is not loaded",
                reason="ADAPTER_NOT_FOUND",
                adapter=request.adapter,
            )
        with self._lock:
            self.requests.append(request)
        answer = self._handler(request)
        if isinstance(answer, GenerationResult):
            return answer
        return GenerationResult(
            text=answer,
            tokens=_pieces(answer),
            model=self.model_name,
            adapter=request.adapter,
        )

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the tokens' texts of :meth:`generate`'s answer one by one."""
        for token in self.generate(request).tokens:
            yield token.text

    def load_adapter(self, name: str, path: Path) -> None:
        """Record ``name`` (replacing any previous path)."""
        with self._lock:
            self.adapter_paths[name] = Path(path)

    def unload_adapter(self, name: str) -> None:
        """Forget ``name``.

        Raises:
            NotFoundError: ``name`` is not loaded.
        """
        with self._lock:
            if self.adapter_paths.pop(name, None) is None:
                raise NotFoundError(f"adapter {name!r} is not loaded", reason="ADAPTER_NOT_FOUND", adapter=name)

    def adapters(self) -> list[str]:
        """The recorded adapter names, sorted."""
        with self._lock:
            return sorted(self.adapter_paths)


def _pieces(text: str) -> list[TokenInfo]:
    # Split after each run of whitespace so the pieces join back to the exact text.
    tokens: list[TokenInfo] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or (text[index - 1].isspace() and not text[index].isspace()):
            tokens.append(TokenInfo(text=text[start:index], logprob=0.0, start=start, end=index))
            start = index
    return tokens


_check: type[TextGenerator] = FakeTextGenerator
