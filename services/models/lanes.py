"""Two lanes for one engine: a seller's description never waits behind the invoice queue.

An in-process engine runs one forward pass at a time (on a 2-core machine two concurrent passes
only split the same cores). Requests take *turns* on it through a :class:`LaneScheduler`:

``interactive``
    What a person is waiting for token by token: ``GenerateDescription``. Preferred.
``pipeline``
    Work nobody watches token by token: the invoice pipeline (the chooser, the generative
    reader), batches of descriptions, training gates. The default.

A request holds the engine for its whole decode loop, but calls :meth:`Turn.checkpoint` before
every forward pass (and between the chunks of a prefill cut into chunks). At a checkpoint the holder
hands the engine over when someone it must give way to is waiting, and waits for its next turn
with its KV cache kept as it is (each request owns its cache, so nothing is recomputed):

- a ``pipeline`` holder gives way to any waiting ``interactive`` request: a description's first
  token waits at most one forward pass of the invoice being read, not the invoice (nor the queue);
- an ``interactive`` holder gives way to another waiting ``interactive`` request (round robin, so
  two sellers both see text at once) and, once pipeline work has waited ``pipeline_max_wait_s``
  without a pass, to the pipeline for one pass: a steady stream of descriptions slows the
  invoice queue down but never stops it (one pass of the pipeline, at most a prefill chunk,
  every ``pipeline_max_wait_s``).

Within the pipeline lane turns are first come, first served, and a pre-empted pipeline request
resumes before newer pipeline requests (pre-emption does not reorder the queue).

:meth:`LaneScheduler.exclusive` is for changes to the engine itself (the hf backend injecting an
adapter into the shared model): it waits until no request is started or paused, and keeps new ones
out meanwhile.

``preempt=False`` turns the lanes into one first-come-first-served queue of whole requests
(the behaviour of the single lock it replaced, fairer): the baseline of the lane benchmark.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal, Self, get_args

Lane = Literal["interactive", "pipeline"]
LANES: tuple[str, ...] = get_args(Lane)
INTERACTIVE: Lane = "interactive"
PIPELINE: Lane = "pipeline"


class Turn:
    """One request's claim on the engine; a context manager (enter waits for the engine).

    Attributes:
        lane: The request's lane.
        waited_s: Seconds spent waiting for the engine (first grant and every resume).
        yields: How many times it gave the engine away at a checkpoint.
    """

    __slots__ = ("_fresh", "_on_resume", "_scheduler", "lane", "waited_s", "yields")

    def __init__(self, scheduler: LaneScheduler, lane: Lane, on_resume: Callable[[], None] | None) -> None:
        self.lane = lane
        self.waited_s = 0.0
        self.yields = 0
        self._scheduler = scheduler
        self._fresh = True
        self._on_resume = on_resume

    def __enter__(self) -> Self:
        self._scheduler._enter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._scheduler._exit(self)

    def checkpoint(self) -> None:
        """Call between forward passes: hands the engine over if the policy says so, returns once it is back.

        ``on_resume`` (given to :meth:`LaneScheduler.turn`) runs after a resume, before the caller's
        next pass: an engine with shared state (the hf backend's active adapter) restores it there.
        """
        if self._scheduler._checkpoint(self) and self._on_resume is not None:
            self._on_resume()


class LaneScheduler:
    """Hands one engine to requests of two lanes (see the module docstring). Thread-safe.

    Args:
        preempt: Hand the engine over at checkpoints and prefer the interactive lane; False is
            one first-come-first-served queue of whole requests.
        pipeline_max_wait_s: Longest the pipeline lane waits for a pass while interactive
            requests keep the engine busy (seconds of ``clock``).
        clock: Monotonic seconds (tests drive it by hand).

    Example:
        >>> engine = LaneScheduler()
        >>> with engine.turn("pipeline") as turn:
        ...     for step in range(3):
        ...         turn.checkpoint()  # an interactive request arriving now runs before the next step
    """

    def __init__(
        self, *, preempt: bool = True, pipeline_max_wait_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if pipeline_max_wait_s <= 0:
            raise ValueError("pipeline_max_wait_s must be positive")
        self.preempt = preempt
        self.pipeline_max_wait_s = pipeline_max_wait_s
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._holder: Turn | None = None
        self._queues: dict[str, deque[Turn]] = {lane: deque() for lane in LANES}
        self._fifo: deque[Turn] = deque()  # the one queue when not pre-empting
        self._active = 0  # turns entered and not exited: holding, queued or paused
        self._pipeline_since = 0.0  # since when the pipeline lane waits without a pass
        self._exclusive = 0  # exclusive() callers waiting or holding
        self._exclusive_held = False

    def turn(self, lane: Lane = PIPELINE, *, on_resume: Callable[[], None] | None = None) -> Turn:
        """A claim on the engine for one request of ``lane``; use it as a context manager."""
        if lane not in LANES:
            raise ValueError(f"lane must be one of {', '.join(LANES)}, not {lane!r}")
        return Turn(self, lane, on_resume)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the engine with no request started or paused (changes to the engine itself)."""
        with self._cond:
            self._exclusive += 1
            try:
                self._cond.wait_for(lambda: self._active == 0 and not self._exclusive_held)
            except BaseException:
                self._exclusive -= 1
                self._cond.notify_all()
                raise
            self._exclusive_held = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive_held = False
                self._exclusive -= 1
                self._cond.notify_all()

    def waiting(self) -> dict[str, int]:
        """Requests waiting for the engine (new or paused), by lane."""
        with self._cond:
            if not self.preempt:
                return {lane: sum(t.lane == lane for t in self._fifo) for lane in LANES}
            return {lane: len(queue) for lane, queue in self._queues.items()}

    def holder(self) -> Lane | None:
        """The lane of the request holding the engine, None when it is free."""
        with self._cond:
            return self._holder.lane if self._holder is not None else None

    # -- internals (all under self._cond) -----------------------------------------------

    def _enter(self, turn: Turn) -> None:
        started = time.perf_counter()
        with self._cond:
            if self._exclusive:  # an engine change is waiting: new requests wait behind it
                self._cond.wait_for(lambda: not self._exclusive)
            self._active += 1
            try:
                self._wait(turn, front=False)
            except BaseException:
                self._active -= 1
                self._cond.notify_all()
                raise
        turn.waited_s += time.perf_counter() - started

    def _exit(self, turn: Turn) -> None:
        with self._cond:
            self._active -= 1
            if self._holder is turn:
                self._holder = None
            else:  # left while queued (interrupted in a checkpoint's wait): forget it
                self._discard(turn)
            self._grant()
            self._cond.notify_all()

    def _checkpoint(self, turn: Turn) -> bool:
        """True when the turn gave the engine away and got it back."""
        if not self.preempt:
            return False
        with self._cond:
            if turn._fresh or not self._should_yield(turn):
                # A turn granted just now makes one pass of progress before it can be asked to yield.
                turn._fresh = False
                self._count(turn)
                return False
            turn.yields += 1
            self._holder = None
            started = time.perf_counter()
            # A pre-empted pipeline request keeps its place at the head of its lane; an
            # interactive one goes round to the back of its own.
            self._wait(turn, front=turn.lane == PIPELINE)
            turn._fresh = False
            self._count(turn)
            turn.waited_s += time.perf_counter() - started
        return True

    def _count(self, turn: Turn) -> None:
        """Book one forward pass of ``turn``: a pipeline pass restarts the pipeline's wait."""
        if turn.lane == PIPELINE:
            self._pipeline_since = self._clock()

    def _should_yield(self, turn: Turn) -> bool:
        interactive = self._queues[INTERACTIVE]
        if turn.lane == PIPELINE:
            return bool(interactive) and not self._pipeline_due()
        return bool(interactive) or self._pipeline_due()

    def _pipeline_due(self) -> bool:
        return bool(self._queues[PIPELINE]) and self._clock() - self._pipeline_since >= self.pipeline_max_wait_s

    def _wait(self, turn: Turn, *, front: bool) -> None:
        """Queue ``turn``, grant the engine if it is free, and wait until ``turn`` holds it."""
        queue = self._fifo if not self.preempt else self._queues[turn.lane]
        if turn.lane == PIPELINE and not queue and (self._holder is None or self._holder.lane != PIPELINE):
            self._pipeline_since = self._clock()  # the pipeline lane starts waiting now
        if front:
            queue.appendleft(turn)
        else:
            queue.append(turn)
        self._grant()
        try:
            self._cond.wait_for(lambda: self._holder is turn)
        except BaseException:
            self._discard(turn)
            raise
        turn._fresh = True

    def _discard(self, turn: Turn) -> None:
        for queue in (self._fifo, *self._queues.values()):
            if turn in queue:
                queue.remove(turn)

    def _grant(self) -> None:
        """Give a free engine to the next turn (see the module docstring)."""
        if self._holder is not None or self._exclusive_held:
            return
        chosen: Turn | None = None
        if not self.preempt:
            chosen = self._fifo.popleft() if self._fifo else None
        else:
            interactive, pipeline = self._queues[INTERACTIVE], self._queues[PIPELINE]
            if pipeline and (self._pipeline_due() or not interactive):
                chosen = pipeline.popleft()
            elif interactive:
                chosen = interactive.popleft()
        if chosen is not None:
            self._holder = chosen
            self._cond.notify_all()


__all__ = ["INTERACTIVE", "LANES", "PIPELINE", "Lane", "LaneScheduler", "Turn"]
