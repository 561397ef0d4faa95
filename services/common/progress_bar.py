"""Progress bars for long command-line work (``docai eval``, ``bench``, ``train``, ``train-synthetic``).

A tqdm bar with a count, a rate and an ETA, on stderr, and only when stderr is a terminal
(tqdm's ``disable=None``): logs and pipes get no carriage-return noise, and stdout stays for
the command's output. Callers keep their plain per-item lines for logs: :func:`line` prints
one only while the bar is off.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sized
from typing import Any, TextIO

from tqdm import tqdm


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str,
    unit: str = "doc",
    file: TextIO | None = None,
    **options: Any,
) -> tqdm:
    """A bar on ``file`` (stderr by default), off unless that is a terminal; iterate it to wrap ``iterable``.

    Example:
        >>> with progress_bar(total=len(docs), desc="eval") as bar:
        ...     for doc in docs:
        ...         work(doc)
        ...         bar.update(1)
    """
    if total is None and isinstance(iterable, Sized):
        total = len(iterable)
    options.setdefault("disable", None)  # None: off unless ``file`` is a terminal; True: always off
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=file if file is not None else sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
        **options,
    )


def line(bar: tqdm, text: str) -> None:
    """``text`` as a plain line on stdout for logs and pipes, where the bar is off; the bar's postfix where it is on."""
    if bar.disable:
        print(text, flush=True)
    else:
        bar.set_postfix_str(text, refresh=False)
