"""Calibrated confidence at run time: a per-field monotone map from a reader's raw confidence to
the observed share of correct values, so that the auto-approve threshold means a precision.

The map is stored as an isotonic fit's own piecewise-linear points in a small JSON file
(``numpy.interp`` between them, constant beyond the ends), so the service loads it without
scikit-learn and without unpickling anything. Fitting it is offline work
(``docai calibrate``, ``docai.training.calibration``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT_VERSION", "POOLED", "Calibrator", "Curve", "Pair", "default_calibration_path", "load_calibrator"]

# The key of the all-fields map in the JSON file and in reports.
POOLED = "_all"
FORMAT_VERSION = 1

Pair = tuple[float, bool]


@dataclass(frozen=True)
class Curve:
    """A monotone piecewise-linear map [0, 1] -> [0, 1], constant beyond its end points."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    support: int

    def __call__(self, raw: float) -> float:
        return float(np.interp(raw, self.x, self.y))

    def as_json(self) -> dict[str, Any]:
        return {"x": [round(v, 6) for v in self.x], "y": [round(v, 6) for v in self.y], "support": self.support}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Curve:
        x, y = tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"])
        if not x or len(x) != len(y) or any(b < a for a, b in itertools.pairwise(x)):
            raise ValueError("a calibration curve needs as many x as y points, x ascending")
        return cls(x=x, y=y, support=int(data.get("support", 0)))


@dataclass(frozen=True)
class Calibrator:
    """Raw confidence -> calibrated confidence, per field; the identity when it holds no map.

    Example:
        >>> Calibrator.identity().apply("iban", 0.93)
        0.93
    """

    fields: Mapping[str, Curve] = field(default_factory=dict)
    pooled: Curve | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def identity(cls) -> Calibrator:
        """The calibrator of a suite that has no calibration file: confidences pass unchanged."""
        return cls()

    @property
    def is_identity(self) -> bool:
        return not self.fields and self.pooled is None

    def apply(self, field: str, raw: float) -> float:
        """The calibrated confidence of a ``field`` value read with confidence ``raw``."""
        curve = self.fields.get(field, self.pooled)
        if curve is None or math.isnan(raw):
            return raw
        return min(1.0, max(0.0, curve(raw)))

    def apply_to(self, extraction: Any) -> Any:
        """A copy of an :class:`~docai.schemas.invoice.Extraction` with calibrated confidences.

        Header fields use their own map; line-item and tax cells the pooled one (their names,
        such as ``amount``, are not header fields and were not fitted apart).
        """
        copy = extraction.model_copy(deep=True)
        for name, extracted in copy.fields.items():
            extracted.confidence = round(self.apply(name, extracted.confidence), 4)
        for row in [*copy.line_items, *copy.tax_details]:
            for extracted in row.fields.values():
                extracted.confidence = round(self.apply(POOLED, extracted.confidence), 4)
        return copy

    def save(self, path: Path) -> None:
        """Write the calibration as JSON (points of each map, plus how it was fitted)."""
        data = {
            "version": FORMAT_VERSION,
            "method": "isotonic",
            "meta": dict(self.meta),
            POOLED: self.pooled.as_json() if self.pooled else None,
            "fields": {name: curve.as_json() for name, curve in sorted(self.fields.items())},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")

    @classmethod
    def load(cls, path: Path) -> Calibrator:
        """Read a file :meth:`save` wrote; a missing file is the identity.

        Raises:
            ValueError: When the file is not a calibration of a known version.
        """
        if not path.is_file():
            return cls.identity()
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a docai calibration file (version {FORMAT_VERSION})")
        pooled = data.get(POOLED)
        return cls(
            fields={name: Curve.from_json(curve) for name, curve in data.get("fields", {}).items()},
            pooled=Curve.from_json(pooled) if pooled else None,
            meta=data.get("meta", {}),
        )


def default_calibration_path() -> Path:
    """The calibration shipped in the package, beside the extraction service."""
    return Path(__file__).resolve().parent / "calibration.json"


def load_calibrator(settings: Any) -> Calibrator:
    """The calibrator a process uses: ``settings.calibration_path`` or the shipped file, else the identity."""
    configured = getattr(settings, "calibration_path", None)
    return Calibrator.load(Path(configured) if configured else default_calibration_path())
