"""Invoice fields as extracted, with confidence and provenance, plus the canonical field list."""

from __future__ import annotations

from pydantic import BaseModel, Field

HEADER_FIELDS: tuple[str, ...] = (
    "vendor_name",
    "vendor_address",
    "vendor_tax_id",
    "customer_name",
    "customer_tax_id",
    "invoice_number",
    "invoice_date",
    "due_date",
    "purchase_order",
    "payment_terms",
    "currency",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_due",
    "iban",
    "bic",
    "document_type",
)
AMOUNT_FIELDS = frozenset({"total_net", "total_tax", "total_gross", "amount_due"})
DATE_FIELDS = frozenset({"invoice_date", "due_date"})
LINE_ITEM_FIELDS: tuple[str, ...] = (
    "description",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "tax_rate",
    "product_code",
)
TAX_DETAIL_FIELDS: tuple[str, ...] = ("rate", "base", "amount")
# Where money goes: a change needs a second person before it trains anything (four eyes).
BANK_FIELDS = frozenset({"iban", "bic"})
# Fields whose change never auto-approves and whose errors the training gate treats as critical.
CRITICAL_FIELDS = frozenset(
    {"total_net", "total_tax", "total_gross", "amount_due", "iban", "invoice_number", "invoice_date", "due_date"}
)


class Provenance(BaseModel):
    """Where a value was read: a page and box, or how it was derived."""

    page: int | None = None
    bbox: tuple[float, float, float, float] | None = Field(None, description="x0, top, x1, bottom in points")
    source_text: str = ""
    derived: str = Field("", description="how the value was computed when it was not read, e.g. 'net+tax'")
    source: str = Field("", description="what stated the value: 'xml' for an e-invoice's XML, '' for the visible page")


class ExtractedField(BaseModel):
    """One value, normalised: dates ISO 8601, amounts as plain decimals ('1234.56')."""

    value: str
    confidence: float = Field(ge=0.0, le=1.0)
    provenance: Provenance = Provenance()


class LineItem(BaseModel):
    fields: dict[str, ExtractedField] = {}


class TaxDetail(BaseModel):
    fields: dict[str, ExtractedField] = {}


class Extraction(BaseModel):
    """The result of reading one invoice."""

    fields: dict[str, ExtractedField] = {}
    line_items: list[LineItem] = []
    tax_details: list[TaxDetail] = []
    model: str = ""
    adapter: str = ""

    def value(self, name: str) -> str | None:
        field = self.fields.get(name)
        return field.value if field else None

    def flat(self) -> dict[str, object]:
        """Plain values only, in the shape of the evaluation ground truth."""
        out: dict[str, object] = {name: field.value for name, field in self.fields.items()}
        if self.line_items:
            out["line_items"] = [{k: f.value for k, f in item.fields.items()} for item in self.line_items]
        if self.tax_details:
            out["tax_details"] = [{k: f.value for k, f in tax.fields.items()} for tax in self.tax_details]
        return out
