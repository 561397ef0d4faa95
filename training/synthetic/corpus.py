"""A corpus of synthetic invoices on disk (``NNNN.pdf`` with its truth in ``NNNN.json``), and the
command line that writes one: ``python -m docai.training.synthetic OUT_DIR --count N --seed S``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from docai.training.synthetic.generate import generate_invoice
from docai.training.synthetic.layouts import LAYOUT_COUNT
from docai.training.synthetic.locales import LANGUAGES


def write_corpus(out_dir: Path, *, count: int, seed: int = 0, **options: object) -> list[Path]:
    """Write ``count`` invoices as ``NNNN.pdf`` with ground truth ``NNNN.json`` beside each.

    Invoice ``i`` uses seed ``seed + i``. The JSON holds the truth plus a ``_synthetic`` note
    (seed, layout, language, vendor country, formats), which evaluation ignores.

    Args:
        out_dir: Directory to write to (created if missing).
        count: Number of invoices.
        seed: Seed of the first invoice.
        **options: Passed to ``generate_invoice`` (vendor, layout, language, n_items, ...).

    Returns:
        The PDF paths in order.

    Example:
        >>> paths = write_corpus(Path("corpus"), count=2, seed=10, language="de")  # doctest: +SKIP
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        invoice = generate_invoice(seed + index, **options)  # type: ignore[arg-type]
        pdf_path = out_dir / f"{index:04d}.pdf"
        pdf_path.write_bytes(invoice.pdf)
        note = {
            "seed": seed + index,
            "layout": invoice.layout,
            "language": invoice.language,
            "vendor_country": invoice.vendor.country,
            **invoice.notes,
        }
        record = {**invoice.truth, "_synthetic": note}
        (out_dir / f"{index:04d}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        paths.append(pdf_path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m docai.training.synthetic OUT_DIR --count N --seed S``: write a corpus."""
    parser = argparse.ArgumentParser(prog="python -m docai.training.synthetic", description=main.__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout", type=int, default=None, help=f"0..{LAYOUT_COUNT - 1}")
    parser.add_argument("--language", choices=LANGUAGES, default=None)
    parser.add_argument("--n-items", type=int, default=None)
    args = parser.parse_args(argv)
    paths = write_corpus(
        args.out_dir,
        count=args.count,
        seed=args.seed,
        layout=args.layout,
        language=args.language,
        n_items=args.n_items,
    )
    print(f"wrote {len(paths)} invoices to {args.out_dir}")
    return 0
