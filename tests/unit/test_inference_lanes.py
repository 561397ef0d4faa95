"""The engine's two lanes: a description's first piece never waits behind the invoice queue.

The scheduler is driven step by step (each "forward pass" is a line in a log, taken while the
turn holds the engine), so the orders below are exact. The last tests run the real decode loop
of the in-process engines (:class:`LoopBackend`, :class:`PausingRunner`) over a scripted slow
engine: a long pipeline request is running when a seller's description starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
import torch

from docai.services.models.backend import GenerationRequest
from docai.services.models.decoding import DecodeStats, PausingRunner, Runner, Step, decode
from docai.services.models.hf_backend import LoopBackend
from docai.services.models.lanes import LaneScheduler, Turn


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.001)


class Script:
    """Requests that log one entry per forward pass, each started in its own thread.

    ``now`` is a clock that advances one second per pass (``engine`` may be built on it).
    """

    def __init__(self, engine: LaneScheduler | None = None) -> None:
        self.now = 0.0
        self.engine = engine or LaneScheduler(clock=lambda: self.now)
        self.log: list[str] = []
        self.threads: list[threading.Thread] = []

    def start(
        self,
        name: str,
        lane: Any,
        steps: int,
        *,
        before_step: Callable[[int], None] | None = None,
        on_resume: Callable[[], None] | None = None,
    ) -> None:
        def run() -> None:
            with self.engine.turn(lane, on_resume=on_resume) as turn:
                for step in range(steps):
                    if before_step is not None:
                        before_step(step)
                    turn.checkpoint()
                    self.log.append(f"{name}{step}")
                    self.now += 1.0

        thread = threading.Thread(target=run, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def join(self) -> list[str]:
        for thread in self.threads:
            thread.join(10)
            assert not thread.is_alive()
        return self.log


def _arrives(script: Script, at: int, name: str, lane: str, steps: int) -> Callable[[int], None]:
    """A before_step hook: before pass ``at``, request ``name`` starts and queues for the engine."""

    def hook(step: int) -> None:
        if step == at:
            queued = script.engine.waiting()[lane]
            script.start(name, lane, steps)
            _until(lambda: script.engine.waiting()[lane] == queued + 1)

    return hook


def test_an_interactive_request_takes_the_engine_at_the_next_pass() -> None:
    script = Script(LaneScheduler())
    script.start("p", "pipeline", 5, before_step=_arrives(script, 2, "i", "interactive", 3))
    assert script.join() == ["p0", "p1", "i0", "i1", "i2", "p2", "p3", "p4"]


def test_without_preemption_whole_requests_run_first_come_first_served() -> None:
    script = Script(LaneScheduler(preempt=False))
    script.start("p", "pipeline", 5, before_step=_arrives(script, 2, "i", "interactive", 3))
    assert script.join() == ["p0", "p1", "p2", "p3", "p4", "i0", "i1", "i2"]


def test_interactive_requests_go_first_out_of_the_queue() -> None:
    script = Script(LaneScheduler())

    def hook(step: int) -> None:  # a pipeline and then an interactive request queue behind the holder
        _arrives(script, 0, "p", "pipeline", 2)(step)
        _arrives(script, 0, "i", "interactive", 2)(step)

    script.start("a", "pipeline", 1, before_step=hook)
    assert script.join() == ["a0", "i0", "i1", "p0", "p1"]


def test_a_paused_pipeline_request_resumes_before_newer_pipeline_work() -> None:
    script = Script(LaneScheduler())

    def hook(step: int) -> None:  # a newer pipeline request and then a description queue behind this one
        _arrives(script, 2, "q", "pipeline", 2)(step)
        _arrives(script, 2, "i", "interactive", 2)(step)

    script.start("p", "pipeline", 4, before_step=hook)
    assert script.join() == ["p0", "p1", "i0", "i1", "p2", "p3", "q0", "q1"]


def test_two_descriptions_take_turns_pass_by_pass() -> None:
    script = Script(LaneScheduler())
    script.start("a", "interactive", 4, before_step=_arrives(script, 2, "b", "interactive", 3))
    # b waits one pass at most: both sellers see text at once.
    assert script.join() == ["a0", "a1", "b0", "a2", "b1", "a3", "b2"]


def test_a_stream_of_descriptions_never_stops_the_pipeline() -> None:
    script = Script()
    script.engine = LaneScheduler(pipeline_max_wait_s=3.0, clock=lambda: script.now)
    script.start("a", "interactive", 8, before_step=_arrives(script, 2, "p", "pipeline", 2))
    # Once the pipeline has waited 3 s (3 passes of a second here), it gets one pass.
    assert script.join() == ["a0", "a1", "a2", "a3", "a4", "p0", "a5", "a6", "a7", "p1"]


def test_a_resumed_request_restores_its_engine_state() -> None:
    script = Script(LaneScheduler())
    resumed: list[str] = []
    script.start(
        "p",
        "pipeline",
        4,
        before_step=_arrives(script, 2, "i", "interactive", 1),
        on_resume=lambda: resumed.append(script.log[-1]),
    )
    assert script.join() == ["p0", "p1", "i0", "p2", "p3"]
    assert resumed == ["i0"], "once, after the description's pass and before its own next one"


def test_exclusive_waits_for_paused_requests_and_holds_new_ones_back() -> None:
    engine = LaneScheduler()
    order: list[str] = []
    release = threading.Event()

    def holder() -> None:
        with engine.turn("pipeline") as turn:
            turn.checkpoint()
            order.append("p0")
            release.wait(5)
            turn.checkpoint()
            order.append("p1")

    def change() -> None:
        with engine.exclusive():
            order.append("swap")

    def late() -> None:
        with engine.turn("interactive") as turn:
            turn.checkpoint()
            order.append("i0")

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    _until(lambda: order == ["p0"])
    threads.append(threading.Thread(target=change))
    threads[1].start()
    time.sleep(0.05)
    threads.append(threading.Thread(target=late))  # arrives while the change waits: goes after it
    threads[2].start()
    time.sleep(0.05)
    assert order == ["p0"]
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["p0", "p1", "swap", "i0"]


def test_a_request_that_fails_gives_the_engine_back() -> None:
    engine = LaneScheduler()
    with pytest.raises(RuntimeError), engine.turn("pipeline") as turn:
        turn.checkpoint()
        raise RuntimeError("the model failed")
    assert engine.holder() is None
    entered = threading.Event()

    def next_one() -> None:
        with engine.turn("interactive"):
            entered.set()

    threading.Thread(target=next_one, daemon=True).start()
    assert entered.wait(5) and engine.waiting() == {"interactive": 0, "pipeline": 0}


def test_lanes_are_checked() -> None:
    with pytest.raises(ValueError, match="lane"):
        GenerationRequest(messages=[{"role": "user", "content": "x"}], lane="urgent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lane"):
        LaneScheduler().turn("urgent")  # type: ignore[arg-type]
    assert GenerationRequest(messages=[{"role": "user", "content": "x"}]).lane == "pipeline"
    assert isinstance(LaneScheduler().turn("interactive"), Turn)


# -- the decode loop over a scripted slow engine ----------------------------------------------


class _Tokenizer:
    """One token per word; every generated token is the word ``w``."""

    def apply_chat_template(self, messages: list[dict[str, str]], **_: Any) -> str:
        return messages[-1]["content"]

    def __call__(self, text: str, **_: Any) -> dict[str, list[int]]:
        return {"input_ids": [2] * len(text.split())}

    def decode(self, ids: list[int], **_: Any) -> str:
        return "w " * len(ids)


class _SlowRunner(Runner):
    """``pass_s`` seconds per forward pass (a sleep: the test needs no free core); always predicts ``w``."""

    vocab_size = 4

    def __init__(self, pass_s: float) -> None:
        self.pass_s = pass_s
        self._length = 0

    def forward(self, ids: list[int]) -> torch.Tensor:
        time.sleep(self.pass_s)
        self._length += len(ids)
        logits = torch.zeros(1, self.vocab_size)
        logits[0, 1] = 1.0
        return logits

    def length(self) -> int:
        return self._length

    def crop(self, length: int) -> None:
        self._length = min(self._length, length)


class SlowEngine(LoopBackend):
    """An in-process engine whose forward passes take ``pass_s`` seconds, with the engines' lanes."""

    model_name = "slow"

    def __init__(self, pass_s: float, *, preempt: bool = True) -> None:
        self._tokenizer = _Tokenizer()
        self._max_positions = 0
        self._lock = threading.Lock()
        self._adapters = {}
        self.engine = LaneScheduler(preempt=preempt)
        self.prefill_chunk = 8
        self.pass_s = pass_s

    def _run(self, request: GenerationRequest, stats: DecodeStats) -> Iterator[Step]:
        prompt_ids = self._prompt_ids(request.messages)
        with self.engine.turn(request.lane) as turn:
            runner = PausingRunner(_SlowRunner(self.pass_s), turn.checkpoint, prefill_chunk=self.prefill_chunk)
            yield from decode(
                runner,
                self._tokenizer,
                prompt_ids,
                max_new_tokens=request.max_new_tokens,
                stop_token_ids=[0],
                stats=stats,
            )


PASS_S = 0.01
INVOICE = GenerationRequest(messages=[{"role": "user", "content": "invoice " * 64}], max_new_tokens=200)
DESCRIPTION = GenerationRequest(
    messages=[{"role": "user", "content": "product " * 16}], max_new_tokens=5, lane="interactive"
)


def _first_piece_while_busy(engine: SlowEngine) -> tuple[float, float, str]:
    """Seconds to the description's first piece, started 0.2 s into the invoice; the invoice's seconds and text."""
    done: dict[str, Any] = {}
    engine.generate(DESCRIPTION)  # warm: the first decode imports xgrammar (about a second)

    def invoice() -> None:
        started = time.perf_counter()
        done["text"] = engine.generate(INVOICE).text
        done["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=invoice)
    thread.start()
    _until(lambda: engine.engine.holder() == "pipeline")
    time.sleep(0.2)
    started = time.perf_counter()
    pieces = engine.stream(DESCRIPTION)
    next(pieces)
    first = time.perf_counter() - started
    assert "".join(pieces)  # the rest of it
    thread.join(30)
    return first, done["seconds"], done["text"]


def test_a_description_starts_at_once_while_an_invoice_is_read() -> None:
    engine = SlowEngine(PASS_S)
    # The invoice alone: 8 prefill chunks + 200 decode passes, about 2 s.
    first, invoice_s, text = _first_piece_while_busy(engine)
    assert invoice_s > 2.0
    # The description waits for one pass of the invoice at most, then prefills (2 chunks) and
    # decodes its first word: about 0.04 s, with a wide margin for a busy machine.
    assert first < 0.5, first
    assert text == engine.generate(INVOICE).text, "pausing the invoice changes nothing in it"


def test_without_lanes_the_description_waits_for_the_whole_invoice() -> None:
    """The baseline (one first-come-first-served queue, as the single lock was): the bound above fails."""
    first, invoice_s, _ = _first_piece_while_busy(SlowEngine(PASS_S, preempt=False))
    assert first > 1.0 and invoice_s > 2.0


# -- who asks in which lane --------------------------------------------------------------------


def test_descriptions_ask_interactive_and_batches_gates_and_invoices_ask_pipeline(tmp_path: Any) -> None:
    from docai.schemas.product import Product, ProductAttribute
    from docai.services.generation.brands import BrandBook
    from docai.services.generation.feedback import FeedbackStore
    from docai.services.generation.service import DescriptionService
    from docai.services.models.fake_backend import FakeTextGenerator
    from docai.training.description_gate import GateProduct, describe

    class Scoring(FakeTextGenerator):
        """A fake engine that can score text, recording the lane of each scoring."""

        scored: ClassVar[list[str]] = []

        def score_text(self, messages: Any, text: str, *, adapter: Any = None, lane: str = "pipeline") -> list[float]:
            self.scored.append(lane)
            return [-1.0] * len(text.split())

    backend = Scoring(lambda request: "Krus Mug. Stoneware, 350 ml.")
    service = DescriptionService(backend=backend, brands=BrandBook.load(), feedback=FeedbackStore(tmp_path))
    mug = Product(
        title="Krus Mug",
        attributes=(
            ProductAttribute(key="material", value="stoneware"),
            ProductAttribute(key="capacity", value="350 ml"),
        ),
    )

    prepared = service.prepare(mug, brand_id="nordkraft", tenant_id="shop")
    list(service.run(prepared, tenant_id="shop"))  # GenerateDescription's path
    assert backend.requests[-1].lane == "interactive" and backend.scored[-1] == "interactive"
    service.batch([mug], brand_id="nordkraft", tenant_id="shop")
    assert backend.requests[-1].lane == "pipeline" and backend.scored[-1] == "pipeline"
    describe(service, "nordkraft", None, [GateProduct(key="k", product=mug)])
    assert backend.requests[-1].lane == "pipeline" and backend.scored[-1] == "pipeline"
    service.score("Krus Mug. Stoneware.", mug, BrandBook.load().get("nordkraft"))  # feedback, datasets
    assert backend.scored[-1] == "pipeline"


def test_the_invoice_reader_and_the_chooser_ask_pipeline() -> None:
    import inspect

    from docai.services.extraction import chooser, extractor
    from docai.training import gate

    for module in (extractor, chooser, gate):
        assert 'lane="pipeline"' in inspect.getsource(module), module.__name__


def test_the_hf_engine_interleaves_requests_with_their_own_adapters(tmp_path: Any) -> None:
    """A description pre-empts a pipeline request between two passes; each keeps its adapter and its text."""
    from docai.services.models.base_model import BUNDLED_MODEL_NAME
    from docai.services.models.hf_backend import HFTextGenerator
    from docai.services.models.tiny import make_tiny_model
    from tests.unit.test_models_onnx import REPO, make_adapter

    converted = REPO / "var" / "models" / BUNDLED_MODEL_NAME
    tiny = make_tiny_model(
        tmp_path / "tiny", tokenizer_from=converted if (converted / "tokenizer.json").is_file() else None
    )
    adapters = {  # random LoRA weights big enough to move the tiny model's greedy choices
        name: make_adapter(tiny, tmp_path / name, seed=seed, modules="all", rank=4)
        for name, seed in (("a", 1), ("b", 2))
    }
    backend = HFTextGenerator.load(tiny, device="cpu", dtype="float32", adapters=adapters)
    messages = [{"role": "user", "content": "Invoice INV-2024-001 from ACME GmbH, total 119.00 EUR"}]
    pipeline = GenerationRequest(messages=messages, adapter="a", max_new_tokens=30)
    interactive = GenerationRequest(messages=messages, adapter="b", max_new_tokens=20, lane="interactive")
    alone = backend.generate(pipeline).text, backend.generate(interactive).text
    assert alone[0] != alone[1] and len(set(alone[0].split())) > 3, "the adapters write different, varied texts"

    pieces = backend.stream(pipeline)
    first = next(pieces)  # the pipeline request holds the engine, between two passes
    done: dict[str, str] = {}
    thread = threading.Thread(target=lambda: done.setdefault("text", backend.generate(interactive).text))
    thread.start()
    _until(lambda: backend.engine.waiting()["interactive"] == 1)
    rest = "".join(pieces)  # at its next pass it hands the engine over, then resumes with adapter "a"
    thread.join(30)
    assert (first + rest, done["text"]) == alone
