"""The description domain: validate a product, prompt the model in the brand's voice, score the text.

Proto-free. The servicer translates; this module decides. A brand uses its adapter
``brand-<brand>`` when the backend has it loaded, else the base model with the brand's
style prompt and a few of its example descriptions (see :mod:`.prompt`).

Brands are the shipped ones (read-only, seen by every tenant) and each tenant's own
(:class:`~.brands.TenantBrands`): a tenant's brand is seen, changed, written for and trained
for that tenant only, and its adapter is served as ``brand-<brand>@<tenant>`` alone.

A seller's streamed description runs in the engine's ``interactive`` lane (it takes the engine
between two forward passes of invoice work, :mod:`docai.services.models.lanes`); batches and
training gates run in the ``pipeline`` lane.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from docai.schemas.product import (
    BatchItem,
    BrandGuide,
    Description,
    FeedbackRecord,
    Product,
    Scorecard,
    Verdict,
)
from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.errors import (
    AlreadyExistsError,
    DocAIError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)
from docai.services.generation.brands import (
    UPDATABLE,
    BrandBook,
    StoredBrand,
    TenantBrands,
    guide_fields,
    validate_brand,
)
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.fluency import FluencyChecker
from docai.services.generation.prompt import (
    ADAPTER_FEW_SHOT,
    MAX_RAW_TEXT_CHARS,
    PreparedText,
    build_generation_messages,
    prepare_raw_text,
)
from docai.services.generation.repair import plan_repair
from docai.services.generation.scorecard import grounding_guard, score_description
from docai.services.generation.voice import VoiceClassifier
from docai.services.models.backend import GenerationRequest, TextGenerator
from docai.services.models.lanes import INTERACTIVE, PIPELINE, Lane

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
        retries: Extra attempts of a non-streamed description whose scorecard failed (a fluency
            error, a borrowed scene...): each samples again (temperature 0.5, a new seed) and the
            best scorecard wins. A text whose only errors are dropped required facts is repaired
            instead (:mod:`.repair`). A streamed text cannot be taken back: its scorecard reports
            the failure instead.
    """

    max_raw_text_chars: int = MAX_RAW_TEXT_CHARS
    max_batch: int = 100
    max_new_tokens: int = 160
    few_shot: int = 2
    remembered: int = 2000
    retries: int = 3


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated request, ready to run."""

    id: str
    brand: BrandGuide
    product: Product
    raw: PreparedText
    request: GenerationRequest
    # Append dropped required facts (:mod:`.repair`); off when an adapter is named explicitly:
    # the training gate judges what that adapter writes, not what the service adds.
    repair: bool = True


def adapter_name(brand_id: str) -> str:
    """The adapter a brand's descriptions use when it is loaded: ``brand-<brand>``."""
    return ADAPTER_PREFIX + brand_id


def activate_brand_adapters(
    backend: TextGenerator, registry: AdapterRegistry, brands: BrandBook, tenant_brands: TenantBrands | None = None
) -> list[str]:
    """Serve each brand's champion adapter (task ``brand-<brand>`` in ``registry``) as ``brand-<brand>``,
    and each tenant's own champion of the brand as ``brand-<brand>@<tenant>``; a tenant's own brand
    only its owner's champion, as ``brand-<brand>@<tenant>``.

    Brands without an adapter are left out (they use the base model); returns the names loaded.
    """
    loaded = []
    for brand in brands.list():
        loaded += registry.activate_all(backend, adapter_name(brand.id))
    for own in tenant_brands.all() if tenant_brands is not None else []:
        try:
            if registry.activate(backend, adapter_name(own.guide.id), tenant=own.tenant_id) is not None:
                loaded.append(f"{adapter_name(own.guide.id)}@{own.tenant_id}")
        except (NotFoundError, FailedPreconditionError):
            continue  # a broken version is not served: the base model writes for the brand
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
        fluency: The scorecard's fluency checks; by default the calibrated thresholds with the
            engine's ``score_text`` when it has one (the in-process engines).
        tenant_brands: Tenants' own brands; None offers the shipped ones only (CreateBrand fails
            FAILED_PRECONDITION ``TENANT_BRANDS_UNAVAILABLE``).
        registry: The adapter registry; a deleted brand's adapter stops being its tenant's champion.

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
        fluency: FluencyChecker | None = None,
        tenant_brands: TenantBrands | None = None,
        registry: AdapterRegistry | None = None,
    ) -> None:
        self.backend = backend
        self.brands = brands
        self.feedback = feedback
        self.limits = limits
        self.use_adapters = use_adapters
        self.guarded = guarded
        self.fluency = fluency or FluencyChecker(scorer=_in_lane(getattr(backend, "score_text", None)))
        self.voice = _train_voice(brands)
        self.tenant_brands = tenant_brands
        self.registry = registry
        self._voices: OrderedDict[BrandGuide, VoiceClassifier | None] = OrderedDict()  # tenant brands'
        self._recent: OrderedDict[tuple[str, str, str], tuple[Product, str]] = OrderedDict()
        self._lock = threading.Lock()

    # -- brands ---------------------------------------------------------------------------

    def get_brand(self, brand_id: str, tenant_id: str = "") -> BrandGuide:
        """The brand as ``tenant_id`` sees it: its own brand of that id, else the shipped one.

        Raises:
            NotFoundError: ``BRAND_NOT_FOUND`` (also another tenant's brand).
        """
        return self.find_brand(brand_id, tenant_id).guide

    def find_brand(self, brand_id: str, tenant_id: str = "") -> StoredBrand:
        """:meth:`get_brand` with whose it is, its revision and times."""
        if self.tenant_brands is not None and tenant_id:
            own = self.tenant_brands.get(tenant_id, brand_id)
            if own is not None:
                return own
        return StoredBrand(guide=self.brands.get(brand_id))

    def list_brands(self, tenant_id: str = "") -> list[StoredBrand]:
        """The shipped brands and ``tenant_id``'s own, by id."""
        found = {brand.id: StoredBrand(guide=brand) for brand in self.brands.list()}
        if self.tenant_brands is not None and tenant_id:
            for own in self.tenant_brands.of_tenant(tenant_id):
                found[own.guide.id] = own
        return [found[key] for key in sorted(found)]

    def _shipped(self, brand_id: str) -> bool:
        try:
            self.brands.get(brand_id)
        except NotFoundError:
            return False
        return True

    def _own_store(self) -> TenantBrands:
        if self.tenant_brands is None:
            raise FailedPreconditionError("this server keeps no brands of tenants", reason="TENANT_BRANDS_UNAVAILABLE")
        return self.tenant_brands

    def create_brand(self, tenant_id: str, brand_id: str, fields: dict[str, Any]) -> StoredBrand:
        """Create a brand of ``tenant_id`` from the :data:`~.brands.UPDATABLE` ``fields``.

        Raises:
            InvalidArgumentError: See :func:`~.brands.validate_brand`.
            AlreadyExistsError: ``BRAND_EXISTS`` (the tenant's, or a shipped brand's id).
        """
        store = self._own_store()
        guide = validate_brand(brand_id, fields)
        if self._shipped(brand_id):
            raise AlreadyExistsError(
                f"brand {brand_id!r} is a shipped brand; choose another id", reason="BRAND_EXISTS", brand=brand_id
            )
        created = store.create(tenant_id, guide)
        self._prewarm(created.guide)
        return created

    def update_brand(
        self, tenant_id: str, brand_id: str, fields: dict[str, Any], *, paths: Sequence[str] = (), etag: str = ""
    ) -> StoredBrand:
        """Change the fields named by ``paths`` (all of :data:`~.brands.UPDATABLE` when empty or ``*``).

        Raises:
            NotFoundError: ``BRAND_NOT_FOUND``.
            PermissionDeniedError: ``BRAND_READ_ONLY`` for a shipped brand.
            InvalidArgumentError: ``INVALID_UPDATE_MASK``, or see :func:`~.brands.validate_brand`.
            AbortedError: ``STALE_ETAG``.
        """
        store = self._own_store()
        current = self.find_brand(brand_id, tenant_id)
        _writable(current)
        wanted = list(UPDATABLE) if not paths or list(paths) == ["*"] else list(paths)
        unknown = [p for p in wanted if p not in UPDATABLE]
        if unknown:
            raise InvalidArgumentError(
                f"update_mask may name {', '.join(UPDATABLE)}; not {', '.join(unknown)}",
                reason="INVALID_UPDATE_MASK",
                field="update_mask",
            )
        merged = guide_fields(current.guide) | {path: fields[path] for path in wanted if path in fields}
        updated = store.update(tenant_id, validate_brand(brand_id, merged), etag=etag)
        self._prewarm(updated.guide)
        return updated

    def _prewarm(self, guide: BrandGuide) -> None:
        """Fit the brand's voice classifier now, in the background (a second or two), not in its first scorecard."""
        threading.Thread(target=self._voice_for, args=(guide,), name="voice-fit", daemon=True).start()

    def delete_brand(self, tenant_id: str, brand_id: str, *, etag: str = "") -> StoredBrand:
        """Delete a brand of ``tenant_id``; its adapter stops being served (its versions stay in the registry).

        Raises:
            NotFoundError: ``BRAND_NOT_FOUND``.
            PermissionDeniedError: ``BRAND_READ_ONLY`` for a shipped brand.
            AbortedError: ``STALE_ETAG``.
        """
        store = self._own_store()
        _writable(self.find_brand(brand_id, tenant_id))
        deleted = store.delete(tenant_id, brand_id, etag=etag)
        served = f"{adapter_name(brand_id)}@{tenant_id}"
        if self.registry is not None:
            self.registry.retire(adapter_name(brand_id), tenant=tenant_id)
        if served in self.backend.adapters():
            try:
                self.backend.unload_adapter(served)
            except NotFoundError:
                pass  # unloaded meanwhile
        return deleted

    def adapter_for(self, brand_id: str, tenant_id: str = "") -> str | None:
        """The brand adapter serving ``tenant_id``: its own champion (``brand-<brand>@<tenant>``) when loaded,
        else ``brand-<brand>`` when loaded (never for a tenant's own brand), else None (base model + style prompt)."""
        if not self.use_adapters:
            return None
        loaded = self.backend.adapters()
        names = [f"{adapter_name(brand_id)}@{tenant_id}"] if tenant_id else []
        if self._shipped(brand_id):
            names.append(adapter_name(brand_id))
        for name in names:
            if name in loaded:
                return name
        return None

    # -- generation -----------------------------------------------------------------------

    def prepare(
        self,
        product: Product,
        *,
        brand_id: str,
        request_id: str = "",
        adapter: str | None = None,
        tenant_id: str = "",
        lane: Lane = INTERACTIVE,
        brand_tenant: str | None = None,
    ) -> Prepared:
        """Validate and build the model request. Raises before anything is generated.

        ``adapter`` overrides the brand's adapter (the training gate compares two versions); else
        the adapter serving ``tenant_id`` writes (:meth:`adapter_for`). The brand is looked up as
        ``brand_tenant`` sees it (default ``tenant_id``: the gate writes for a tenant's brand under
        a tenant of its own). ``lane``: ``interactive`` for a seller waiting on the stream,
        ``pipeline`` for batches and gates.

        Raises:
            NotFoundError: Unknown brand (``BRAND_NOT_FOUND``).
            InvalidArgumentError: Empty product (``EMPTY_PRODUCT``), bad target (``INVALID_TARGET``)
                or request id (``INVALID_REQUEST_ID``).
        """
        brand = self.get_brand(brand_id, tenant_id if brand_tenant is None else brand_tenant)
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
        repair = adapter is None
        adapter = adapter or self.adapter_for(brand.id, tenant_id)
        messages = build_generation_messages(
            product,
            brand,
            few_shot=ADAPTER_FEW_SHOT if adapter else self.limits.few_shot,
            max_raw_chars=self.limits.max_raw_text_chars,
        )
        guard = grounding_guard(product, brand, raw_text_used=raw.text, fluency=self.fluency) if self.guarded else None
        request = GenerationRequest(
            messages=messages,
            adapter=adapter,
            max_new_tokens=self._token_budget(product, brand),
            guard=guard,
            lane=lane,
        )
        return Prepared(request_id or uuid.uuid4().hex[:16], brand, product, raw, request, repair)

    def _token_budget(self, product: Product, brand: BrandGuide) -> int:
        # ~1.4 tokens per English word for SmolLM2's tokenizer, ~4 characters per token, plus slack.
        wanted = (
            product.target_chars // 3
            if product.target_chars
            else round((product.target_words or brand.target_words) * 2)
        )
        return max(16, min(self.limits.max_new_tokens, wanted + 16))

    def run(self, prepared: Prepared, *, tenant_id: str, repair: bool = True) -> Iterator[str | Description]:
        """Yield the text pieces as the model writes them, then the scored :class:`Description`.

        With ``repair`` (and unless ``prepared`` names its adapter explicitly, as the training gate
        does), required facts the model dropped from an otherwise passing text are appended as a
        last piece (:mod:`.repair`; the scorecard's warnings say so).
        """
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
            scorecard=self._score_in(prepared.request.lane, text, prepared.product, prepared.brand, prepared.raw),
            adapter=prepared.request.adapter,
            model=self.backend.model_name,
            raw_text_chars_received=prepared.raw.received_chars,
            raw_text_chars_used=len(prepared.raw.text),
            # The stream reports no finish reason: a budget used to the last piece means the cut.
            finish_reason="length" if len(pieces) >= prepared.request.max_new_tokens else "stop",
        )
        repaired = self._repaired(description, prepared, cut=False) if repair and prepared.repair else None
        if repaired is not None:
            yield repaired.text[len(text) :]  # only ever appends: what was streamed stands
            description = repaired
        self._remember(tenant_id, prepared, description.text)
        yield description

    def _repaired(self, description: Description, prepared: Prepared, *, cut: bool) -> Description | None:
        """``description`` with its dropped required facts appended (and, with ``cut``, an unfinished
        last sentence cut), when that makes its scorecard pass; else None."""
        plan = plan_repair(description.text, description.scorecard, prepared.product, prepared.brand, cut=cut)
        if plan is None:
            return None
        card = self._score_in(prepared.request.lane, plan.text, prepared.product, prepared.brand, prepared.raw)
        if not card.passed:
            return None
        violations = tuple(sorted((*card.violations, *plan.notes()), key=lambda v: (v.start, v.end, v.kind)))
        return description.model_copy(
            update={"text": plan.text, "scorecard": card.model_copy(update={"violations": violations})}
        )

    def _remember(self, tenant_id: str, prepared: Prepared, text: str) -> None:
        with self._lock:
            key = (tenant_id, prepared.brand.id, prepared.id)
            self._recent[key] = (prepared.product, text)
            self._recent.move_to_end(key)
            while len(self._recent) > self.limits.remembered:
                self._recent.popitem(last=False)

    def generate(
        self, product: Product, *, brand_id: str, tenant_id: str, request_id: str = "", lane: Lane = INTERACTIVE
    ) -> Description:
        """Write one description (the non-streaming form of :meth:`prepare` + :meth:`run`).

        A description whose scorecard fails is written again up to ``limits.retries`` times,
        sampled (temperature 0.5, seed 1, 2...), and the best scorecard is returned: the first
        that passes, else the one with the fewest errors (its violations say what is wrong).
        Each attempt gets its dropped required facts appended when that is all it lacks
        (:meth:`run`); when no attempt passes, the fullest one that stops mid-sentence is cut
        back to its last full sentence if that makes it pass (the scorecard's warnings say so).
        """
        prepared = self.prepare(product, brand_id=brand_id, request_id=request_id, tenant_id=tenant_id, lane=lane)
        attempts = [self._complete(prepared, tenant_id)]
        for attempt in range(1, self.limits.retries + 1):
            if attempts[-1].scorecard.passed:
                break
            retry = replace(prepared, request=replace(prepared.request, temperature=0.5, seed=attempt))
            attempts.append(self._complete(retry, tenant_id))
        ranked = sorted(
            attempts, key=lambda d: (not d.scorecard.passed, len(d.scorecard.errors()))
        )  # stable: earliest first
        best = ranked[0]
        if not best.scorecard.passed and prepared.repair:
            # Last resort, not streamed: a text cut mid-sentence loses its unfinished end (and gets
            # its dropped facts), the fullest text first.
            for candidate in sorted(attempts, key=lambda d: -len(d.text)):
                repaired = self._repaired(candidate, prepared, cut=True)
                if repaired is not None:
                    best = repaired
                    break
        self._remember(tenant_id, prepared, best.text)
        return best

    def _complete(self, prepared: Prepared, tenant_id: str) -> Description:
        result = None
        for item in self.run(prepared, tenant_id=tenant_id):
            result = item
        assert isinstance(result, Description)
        return result

    def score(self, text: str, product: Product, brand: BrandGuide, *, raw: PreparedText | None = None) -> Scorecard:
        """The scorecard of ``text`` for ``product`` in ``brand``'s voice."""
        raw = raw or prepare_raw_text(product.raw_text, max_chars=self.limits.max_raw_text_chars)
        voice = self._voice_for(brand)
        return score_description(
            text,
            product=product,
            brand=brand,
            raw_text_used=raw.text,
            input_truncated=raw.truncated,
            voice=(lambda t: voice.score(t, brand.id)) if voice is not None else None,
            fluency=self.fluency,
        )

    def _score_in(self, lane: Lane, text: str, product: Product, brand: BrandGuide, raw: PreparedText) -> Scorecard:
        """:meth:`score` with the engine's scoring (fluency) in ``lane``: a seller's scorecard does not
        wait behind the invoice queue either."""
        token = _SCORING_LANE.set(lane)
        try:
            return self.score(text, product, brand, raw=raw)
        finally:
            _SCORING_LANE.reset(token)

    def _voice_for(self, brand: BrandGuide) -> VoiceClassifier | None:
        """The shipped brands' voice classifier; for a tenant's brand, one fitted on the shipped brands'
        examples and its own (once per version of the brand; None without examples: voice score 0)."""
        if self._shipped(brand.id) and self.brands.get(brand.id) == brand:
            return self.voice
        with self._lock:
            if brand in self._voices:
                self._voices.move_to_end(brand)
                return self._voices[brand]
        fitted = _train_voice(BrandBook([*self.brands.list(), brand])) if brand.examples else None
        with self._lock:
            self._voices[brand] = fitted
            while len(self._voices) > 64:
                self._voices.popitem(last=False)
        return fitted

    def batch(
        self, products: Sequence[Product], *, brand_id: str, tenant_id: str, request_id: str = ""
    ) -> list[BatchItem]:
        """Write a description per product; a bad product fails its item, not the batch.

        Raises:
            NotFoundError: Unknown brand (``BRAND_NOT_FOUND``).
            InvalidArgumentError: No products or more than ``limits.max_batch`` (``INVALID_BATCH_SIZE``).
        """
        self.get_brand(brand_id, tenant_id)
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
                description = self.generate(
                    product, brand_id=brand_id, tenant_id=tenant_id, request_id=item_id, lane=PIPELINE
                )
            except DocAIError as exc:
                results.append(
                    BatchItem(index=index, state="failed", error_reason=exc.reason, error_message=exc.message)
                )
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
                reason="INVALID_NAME",
                field="description",
            )
        brand = self.get_brand(match.group(1), tenant_id)
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
            tenant_id=tenant_id,
            brand=brand.id,
            description_id=match.group(2),
            verdict=verdict,
            request_id=request_id,
            edited_text=edited_text if verdict == "edited" else "",
            comment=comment,
            product=product,
            generated_text=generated_text,
            edited_scorecard=edited_scorecard,
        )


# The lane the engine scores text in (fluency); the description being scored sets it (:meth:`_score_in`).
_SCORING_LANE: ContextVar[Lane] = ContextVar("docai_scoring_lane", default=PIPELINE)


def _in_lane(score_text: Callable[..., Sequence[float]] | None) -> Callable[..., Sequence[float]] | None:
    """The engine's ``score_text`` in the lane of the description being scored (pipeline outside one)."""
    if score_text is None:
        return None

    def scorer(messages: list[dict[str, str]], text: str) -> Sequence[float]:
        return score_text(messages, text, lane=_SCORING_LANE.get())

    return scorer


def _writable(brand: StoredBrand) -> None:
    if brand.read_only:
        raise PermissionDeniedError(
            f"brand {brand.guide.id!r} is shipped with docai: read-only; create a brand of your own from it",
            reason="BRAND_READ_ONLY",
            brand=brand.guide.id,
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
    "activate_brand_adapters",
    "adapter_name",
]
