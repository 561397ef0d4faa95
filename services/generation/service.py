"""The description domain: validate a product, prompt the model in the brand's voice, score the text.

Proto-free. The servicer translates; this module decides. A brand uses its adapter
``brand-<brand>`` when the backend has it loaded, else the base model with the brand's
style prompt and a few of its example descriptions (see :mod:`.prompt`).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from docai.schemas.product import BatchItem, BrandGuide, Description, FeedbackRecord, Product, Scorecard, Verdict
from docai.services.common.errors import DocAIError, InvalidArgumentError
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.prompt import (
    ADAPTER_FEW_SHOT,
    MAX_RAW_TEXT_CHARS,
    PreparedText,
    build_generation_messages,
    prepare_raw_text,
)
from docai.services.generation.scorecard import grounding_guard, score_description
from docai.services.generation.voice import VoiceClassifier
from docai.services.models.backend import GenerationRequest, TextGenerator
from docai.training.registry import AdapterRegistry

ADAPTER_PREFIX = "brand-"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DESCRIPTION_NAME = re.compile(r"^brands/([a-z][a-z0-9-]{0,62})/descriptions/([A-Za-z0-9_-]{1,64})$")
MAX_TARGET_WORDS = 400
MAX_TARGET_CHARS = 3000


@dataclass(frozen=True, slots=True)
class GenerationLimits:
    """Limits of the description service.

    Attributes:
        max_raw_text_chars: Raw seller text beyond this is cut (and the scorecard says so).
        max_batch: Most products in one batch call.
        max_new_tokens: Ceiling on generated tokens (the target length sets less).
        few_shot: Brand examples shown to the base model (an adapter learned the voice
            from them and gets none: a shorter prompt, a faster first token).
        remembered: Recent descriptions kept in memory, so feedback need not resend the product.
    """

    max_raw_text_chars: int = MAX_RAW_TEXT_CHARS
    max_batch: int = 100
    max_new_tokens: int = 160
    few_shot: int = 2
    remembered: int = 2000


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated request, ready to run."""

    id: str
    brand: BrandGuide
    product: Product
    raw: PreparedText
    request: GenerationRequest


def adapter_name(brand_id: str) -> str:
    """The adapter a brand's descriptions use when it is loaded: ``brand-<brand>``."""
    return ADAPTER_PREFIX + brand_id


def activate_brand_adapters(backend: TextGenerator, registry: AdapterRegistry, brands: BrandBook) -> list[str]:
    """Serve each brand's champion adapter (task ``brand-<brand>`` in ``registry``) as ``brand-<brand>``,
    and each tenant's own champion of the brand as ``brand-<brand>@<tenant>``.

    Brands without an adapter are left out (they use the base model); returns the names loaded.
    """
    loaded = []
    for brand in brands.list():
        loaded += registry.activate_all(backend, adapter_name(brand.id))
    return loaded


class DescriptionService:
    """Writes and scores descriptions, stores feedback.

    Args:
        backend: The model.
        brands: The brands.
        feedback: Where feedback goes.
        limits: Size limits.
        use_adapters: Use ``brand-<brand>`` adapters when loaded (False forces the base model,
            for benchmarks).
        guarded: Decode with the scorecard's grounding guard, which rewinds invented facts and
            banned words as they are written (False for benchmarks of the plain model).

    Example:
        >>> service = DescriptionService(backend=fake, brands=BrandBook.load(), feedback=FeedbackStore(tmp))
        >>> service.generate(product, brand_id="nordkraft", tenant_id="acme").scorecard.passed
        True
    """

    def __init__(
        self,
        *,
        backend: TextGenerator,
        brands: BrandBook,
        feedback: FeedbackStore,
        limits: GenerationLimits = GenerationLimits(),
        use_adapters: bool = True,
        guarded: bool = True,
    ) -> None:
        self.backend = backend
        self.brands = brands
        self.feedback = feedback
        self.limits = limits
        self.use_adapters = use_adapters
        self.guarded = guarded
        self.voice = _train_voice(brands)
        self._recent: OrderedDict[tuple[str, str, str], tuple[Product, str]] = OrderedDict()
        self._lock = threading.Lock()

    # -- brands ---------------------------------------------------------------------------

    def get_brand(self, brand_id: str) -> BrandGuide:
        """Raises NotFoundError (``BRAND_NOT_FOUND``) for an unknown brand."""
        return self.brands.get(brand_id)

    def adapter_for(self, brand_id: str, tenant_id: str = "") -> str | None:
        """The brand adapter serving ``tenant_id``: its own champion (``brand-<brand>@<tenant>``) when loaded,
        else ``brand-<brand>`` when loaded, else None (base model + style prompt)."""
        if not self.use_adapters:
            return None
        loaded = self.backend.adapters()
        for name in ([f"{adapter_name(brand_id)}@{tenant_id}"] if tenant_id else []) + [adapter_name(brand_id)]:
            if name in loaded:
                return name
        return None

    # -- generation -----------------------------------------------------------------------

    def prepare(
        self, product: Product, *, brand_id: str, request_id: str = "", adapter: str | None = None, tenant_id: str = ""
    ) -> Prepared:
        """Validate and build the model request. Raises before anything is generated.

        ``adapter`` overrides the brand's adapter (the training gate compares two versions); else
        the adapter serving ``tenant_id`` writes (:meth:`adapter_for`).

        Raises:
            NotFoundError: Unknown brand (``BRAND_NOT_FOUND``).
            InvalidArgumentError: Empty product (``EMPTY_PRODUCT``), bad target (``INVALID_TARGET``)
                or request id (``INVALID_REQUEST_ID``).
        """
        brand = self.brands.get(brand_id)
        if product.is_empty():
            raise InvalidArgumentError(
                "the product has no title, attribute or raw text", reason="EMPTY_PRODUCT", field="product"
            )
        if product.target_words and product.target_chars:
            raise InvalidArgumentError("set target_words or target_chars, not both", reason="INVALID_TARGET")
        if product.target_words > MAX_TARGET_WORDS or product.target_chars > MAX_TARGET_CHARS:
            raise InvalidArgumentError(
                f"targets are limited to {MAX_TARGET_WORDS} words or {MAX_TARGET_CHARS} characters",
                reason="INVALID_TARGET",
            )
        if request_id and not _ID.match(request_id):
            raise InvalidArgumentError(
                "request_id must be 1-64 letters, digits, '-' or '_'", reason="INVALID_REQUEST_ID", field="request_id"
            )
        raw = prepare_raw_text(product.raw_text, max_chars=self.limits.max_raw_text_chars)
        adapter = adapter or self.adapter_for(brand.id, tenant_id)
        messages = build_generation_messages(
            product, brand, few_shot=ADAPTER_FEW_SHOT if adapter else self.limits.few_shot, max_raw_chars=self.limits.max_raw_text_chars
        )
        guard = grounding_guard(product, brand, raw_text_used=raw.text) if self.guarded else None
        request = GenerationRequest(
            messages=messages, adapter=adapter, max_new_tokens=self._token_budget(product, brand), guard=guard
        )
        return Prepared(request_id or uuid.uuid4().hex[:16], brand, product, raw, request)

    def _token_budget(self, product: Product, brand: BrandGuide) -> int:
        # ~1.4 tokens per English word for SmolLM2's tokenizer, ~4 characters per token, plus slack.
        wanted = product.target_chars // 3 if product.target_chars else round((product.target_words or brand.target_words) * 2)
        return max(16, min(self.limits.max_new_tokens, wanted + 16))

    def run(self, prepared: Prepared, *, tenant_id: str) -> Iterator[str | Description]:
        """Yield the text pieces as the model writes them, then the scored :class:`Description`."""
        pieces: list[str] = []
        for piece in self.backend.stream(prepared.request):
            if piece:
                pieces.append(piece)
                yield piece
        text = "".join(pieces).strip()
        description = Description(
            id=prepared.id,
            brand=prepared.brand.id,
            text=text,
            scorecard=self.score(text, prepared.product, prepared.brand, raw=prepared.raw),
            adapter=prepared.request.adapter,
            model=self.backend.model_name,
            raw_text_chars_received=prepared.raw.received_chars,
            raw_text_chars_used=len(prepared.raw.text),
            # The stream reports no finish reason: a budget used to the last piece means the cut.
            finish_reason="length" if len(pieces) >= prepared.request.max_new_tokens else "stop",
        )
        with self._lock:
            key = (tenant_id, prepared.brand.id, prepared.id)
            self._recent[key] = (prepared.product, text)
            self._recent.move_to_end(key)
            while len(self._recent) > self.limits.remembered:
                self._recent.popitem(last=False)
        yield description

    def generate(self, product: Product, *, brand_id: str, tenant_id: str, request_id: str = "") -> Description:
        """Write one description (the non-streaming form of :meth:`prepare` + :meth:`run`)."""
        result = None
        prepared = self.prepare(product, brand_id=brand_id, request_id=request_id, tenant_id=tenant_id)
        for item in self.run(prepared, tenant_id=tenant_id):
            result = item
        assert isinstance(result, Description)
        return result

    def score(self, text: str, product: Product, brand: BrandGuide, *, raw: PreparedText | None = None) -> Scorecard:
        """The scorecard of ``text`` for ``product`` in ``brand``'s voice."""
        raw = raw or prepare_raw_text(product.raw_text, max_chars=self.limits.max_raw_text_chars)
        voice = self.voice
        return score_description(
            text,
            product=product,
            brand=brand,
            raw_text_used=raw.text,
            input_truncated=raw.truncated,
            voice=(lambda t: voice.score(t, brand.id)) if voice is not None else None,
        )

    def batch(
        self, products: Sequence[Product], *, brand_id: str, tenant_id: str, request_id: str = ""
    ) -> list[BatchItem]:
        """Write a description per product; a bad product fails its item, not the batch.

        Raises:
            NotFoundError: Unknown brand (``BRAND_NOT_FOUND``).
            InvalidArgumentError: No products or more than ``limits.max_batch`` (``INVALID_BATCH_SIZE``).
        """
        self.brands.get(brand_id)
        if not products or len(products) > self.limits.max_batch:
            raise InvalidArgumentError(
                f"a batch holds 1 to {self.limits.max_batch} products", reason="INVALID_BATCH_SIZE", field="products"
            )
        if request_id and not _ID.match(request_id[:56]):
            raise InvalidArgumentError("invalid request_id", reason="INVALID_REQUEST_ID", field="request_id")
        results: list[BatchItem] = []
        for index, product in enumerate(products):
            item_id = f"{request_id[:56]}-{index}" if request_id else ""
            try:
                description = self.generate(product, brand_id=brand_id, tenant_id=tenant_id, request_id=item_id)
            except DocAIError as exc:
                results.append(BatchItem(index=index, state="failed", error_reason=exc.reason, error_message=exc.message))
                continue
            state = "succeeded" if description.scorecard.passed else "flagged"
            results.append(BatchItem(index=index, state=state, description=description))
        return results

    # -- feedback -------------------------------------------------------------------------

    def submit_feedback(
        self,
        *,
        tenant_id: str,
        description: str,
        verdict: Verdict,
        request_id: str,
        edited_text: str = "",
        comment: str = "",
        product: Product | None = None,
        generated_text: str = "",
    ) -> FeedbackRecord:
        """Store what the seller did with a description; idempotent by ``request_id``.

        Args:
            tenant_id: The caller's tenant.
            description: ``brands/{brand}/descriptions/{description}``.
            verdict: accepted, edited or rejected.
            request_id: AIP-155 key.
            edited_text: The published text (required for ``edited``).
            comment: The seller's words.
            product: The product, when the service may have forgotten the description.
            generated_text: The generated text, likewise.

        Raises:
            InvalidArgumentError: Bad name (``INVALID_NAME``), missing request id or edited text.
            NotFoundError: Unknown brand (``BRAND_NOT_FOUND``).
            AlreadyExistsError: The request id was used for a different feedback (``REQUEST_ID_REUSED``).
        """
        match = _DESCRIPTION_NAME.match(description or "")
        if match is None:
            raise InvalidArgumentError(
                "description must look like brands/{brand}/descriptions/{description}",
                reason="INVALID_NAME", field="description",
            )
        brand = self.brands.get(match.group(1))
        if not request_id:
            raise InvalidArgumentError("request_id is required", reason="MISSING_REQUEST_ID", field="request_id")
        if verdict == "edited" and not edited_text.strip():
            raise InvalidArgumentError("an edit needs edited_text", reason="MISSING_FIELD", field="edited_text")
        with self._lock:
            remembered = self._recent.get((tenant_id, brand.id, match.group(2)))
        if remembered is not None:
            product = product or remembered[0]
            generated_text = generated_text or remembered[1]
        edited_scorecard = (
            self.score(edited_text, product, brand) if verdict == "edited" and product is not None else None
        )
        return self.feedback.submit(
            tenant_id=tenant_id, brand=brand.id, description_id=match.group(2), verdict=verdict,
            request_id=request_id, edited_text=edited_text if verdict == "edited" else "", comment=comment,
            product=product, generated_text=generated_text, edited_scorecard=edited_scorecard,
        )


def _train_voice(brands: BrandBook) -> VoiceClassifier | None:
    texts = [(e.description, b.id) for b in brands.list() for e in b.examples]
    if len({label for _, label in texts}) < 2:
        return None
    return VoiceClassifier.fit([t for t, _ in texts], [label for _, label in texts])


__all__ = [
    "ADAPTER_PREFIX",
    "DescriptionService",
    "GenerationLimits",
    "Prepared",
    "adapter_name",
    "activate_brand_adapters",
]
