"""The backend registry and the shipped fake backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from docai.services.common.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from docai.services.models import (
    FakeTextGenerator,
    GenerationRequest,
    GenerationResult,
    TextGenerator,
    available_backends,
    create_backend,
    register_backend,
    unregister_backend,
)

MESSAGES = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def echo_backend() -> Iterator[str]:
    register_backend("echo-test", lambda **options: FakeTextGenerator(lambda r: r.messages[-1]["content"], **options))
    yield "echo-test"
    unregister_backend("echo-test")


def test_builtin_backends_are_registered() -> None:
    assert {"hf", "fake", "vllm"} <= set(available_backends())


def test_create_backend_passes_options(echo_backend: str) -> None:
    backend = create_backend(echo_backend, model_name="echo")
    assert backend.model_name == "echo"
    assert backend.generate(GenerationRequest(messages=MESSAGES)).text == "hello there"


def test_create_lazy_backend_by_module_string() -> None:
    backend = create_backend("fake", handler=lambda request: "{}")
    assert isinstance(backend, FakeTextGenerator)
    assert isinstance(backend, TextGenerator)


def test_duplicate_name_is_rejected(echo_backend: str) -> None:
    with pytest.raises(AlreadyExistsError) as info:
        register_backend(echo_backend, lambda **_: FakeTextGenerator(lambda r: ""))
    assert info.value.reason == "BACKEND_EXISTS"


@pytest.mark.parametrize("name", ["", "Bad", "1abc", "has space", "x" * 40])
def test_bad_names_are_rejected(name: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        register_backend(name, lambda **_: FakeTextGenerator(lambda r: ""))
    assert info.value.reason == "INVALID_BACKEND_NAME"


def test_bad_factory_string_is_rejected() -> None:
    with pytest.raises(InvalidArgumentError, match="package.module:attribute"):
        register_backend("broken", "no_colon_here")
    assert "broken" not in available_backends()


def test_unknown_backend_lists_available_names() -> None:
    with pytest.raises(NotFoundError, match=r"available: .*fake.*hf") as info:
        create_backend("nope")
    assert info.value.reason == "BACKEND_NOT_FOUND"


def test_unregister_unknown_backend() -> None:
    with pytest.raises(NotFoundError):
        unregister_backend("never-registered")


def test_fake_records_requests_and_splits_tokens() -> None:
    fake = FakeTextGenerator(lambda request: "two  words\nhere")
    request = GenerationRequest(messages=MESSAGES, max_new_tokens=5)
    result = fake.generate(request)
    assert fake.requests == [request]
    assert [t.text for t in result.tokens] == ["two  ", "words\n", "here"]
    assert all(result.text[t.start : t.end] == t.text for t in result.tokens)
    assert "".join(fake.stream(request)) == result.text


def test_fake_can_return_full_results() -> None:
    fake = FakeTextGenerator(lambda request: GenerationResult(text="x", finish_reason="length"))
    assert fake.generate(GenerationRequest(messages=MESSAGES)).finish_reason == "length"


def test_fake_adapters(tmp_path: Path) -> None:
    fake = FakeTextGenerator(lambda request: request.adapter or "base")
    with pytest.raises(NotFoundError) as info:
        fake.generate(GenerationRequest(messages=MESSAGES, adapter="invoice"))
    assert info.value.reason == "ADAPTER_NOT_FOUND"
    fake.load_adapter("invoice", tmp_path)
    assert fake.adapters() == ["invoice"]
    assert fake.generate(GenerationRequest(messages=MESSAGES, adapter="invoice")).text == "invoice"
    fake.unload_adapter("invoice")
    assert fake.adapters() == []
    with pytest.raises(NotFoundError):
        fake.unload_adapter("invoice")


def test_request_validation() -> None:
    with pytest.raises(ValueError, match="max_new_tokens"):
        GenerationRequest(messages=MESSAGES, max_new_tokens=0)
    with pytest.raises(ValueError, match="messages"):
        GenerationRequest(messages=[])


def test_the_settings_name_the_engine_and_its_options(tmp_path: Path) -> None:
    from docai.services.common.errors import FailedPreconditionError
    from docai.services.common.settings import Settings
    from docai.services.models.engines import backend_from_settings

    fake = backend_from_settings(Settings(home=tmp_path, backend="fake"))
    assert isinstance(fake, FakeTextGenerator) and fake.generate(GenerationRequest(messages=MESSAGES)).text == "{}"
    with pytest.raises(FailedPreconditionError):
        backend_from_settings(Settings(home=tmp_path, backend="vllm"))  # no DOCAI_VLLM_URL
    seen: list[Path] = []
    register_backend(
        "plugged",
        lambda **options: FakeTextGenerator(lambda r: str(options["home"])),
        options=lambda settings: seen.append(settings.home) or {"home": settings.home},
    )
    try:
        assert backend_from_settings(Settings(home=tmp_path, backend="plugged")).generate(
            GenerationRequest(messages=MESSAGES)
        ).text == str(tmp_path)
        assert seen == [tmp_path]
    finally:
        unregister_backend("plugged")
