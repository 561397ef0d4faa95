"""A small brand-voice classifier: softmax regression on hashed character n-grams, in numpy.

Trained on the brands' example descriptions (and, in the benchmark, on the synthetic
catalogue's training targets), never on the texts it scores. It answers "which brand does
this read like": exclamation marks, "you", units and terse fragments all show up in
character n-grams. It is a rough measure of voice, not of quality.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def _features(text: str, *, dims: int, ngrams: tuple[int, int]) -> np.ndarray:
    vector = np.zeros(dims, dtype=np.float64)
    padded = f" {' '.join(text.lower().split())} "
    low, high = ngrams
    for n in range(low, high + 1):
        for i in range(len(padded) - n + 1):
            # crc32, not hash(): Python's string hash is salted per process.
            vector[zlib.crc32(padded[i : i + n].encode()) % dims] += 1.0
    vector = np.log1p(vector)
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


class VoiceClassifier:
    """Which brand a text reads like.

    Build it with :meth:`fit`.

    Example:
        >>> clf = VoiceClassifier.fit(
        ...     ["Krus Mug. Stoneware.", "Good mornings start here!"], ["nordkraft", "sunny-days"]
        ... )
        >>> clf.predict("Lamp. Steel. 2 kg.")
        'nordkraft'
    """

    def __init__(
        self, labels: Sequence[str], weights: np.ndarray, bias: np.ndarray, *, dims: int, ngrams: tuple[int, int]
    ) -> None:
        self.labels = list(labels)
        self._weights = weights
        self._bias = bias
        self._dims = dims
        self._ngrams = ngrams

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        dims: int = 1 << 14,
        ngrams: tuple[int, int] = (2, 4),
        epochs: int = 300,
        learning_rate: float = 1.0,
        l2: float = 1e-4,
    ) -> VoiceClassifier:
        """Train on ``texts`` with their brand ``labels`` (full-batch gradient descent).

        Raises:
            ValueError: Fewer than two distinct labels, or lengths differ.
        """
        if len(texts) != len(labels):
            raise ValueError("texts and labels must have the same length")
        names = sorted(set(labels))
        if len(names) < 2:
            raise ValueError("a voice classifier needs at least two brands")
        x = np.stack([_features(t, dims=dims, ngrams=ngrams) for t in texts])
        y = np.zeros((len(texts), len(names)))
        y[np.arange(len(texts)), [names.index(label) for label in labels]] = 1.0
        weights = np.zeros((dims, len(names)))
        bias = np.zeros(len(names))
        for _ in range(epochs):
            p = _softmax(x @ weights + bias)
            error = (p - y) / len(texts)
            weights -= learning_rate * (x.T @ error + l2 * weights)
            bias -= learning_rate * error.sum(axis=0)
        return cls(names, weights, bias, dims=dims, ngrams=ngrams)

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability of each brand for ``text``."""
        p = _softmax((_features(text, dims=self._dims, ngrams=self._ngrams) @ self._weights + self._bias)[None, :])[0]
        return {label: float(value) for label, value in zip(self.labels, p)}

    def score(self, text: str, brand: str) -> float:
        """Probability that ``text`` is in ``brand``'s voice (0 for a brand it was not trained on)."""
        return self.probabilities(text).get(brand, 0.0)

    def predict(self, text: str) -> str:
        """The most likely brand."""
        probabilities = self.probabilities(text)
        return max(probabilities, key=probabilities.__getitem__)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]
