"""Extraction domain ⇄ protobuf."""

from __future__ import annotations

import datetime as dt

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import ExtractedField, Extraction
from docai.services.pb.extraction.v1 import extraction_service_pb2 as pb


def field_to_pb(name: str, field: ExtractedField) -> pb.Field:
    prov = field.provenance
    return pb.Field(
        name=name,
        value=field.value,
        confidence=field.confidence,
        provenance=pb.Provenance(
            page=prov.page or 0,
            bbox=list(prov.bbox or ()),
            source_text=prov.source_text,
            derived=prov.derived,
            source=prov.source,
        ),
    )


def check_to_pb(check: CheckResult) -> pb.CheckResult:
    return pb.CheckResult(name=check.name, passed=check.passed, detail=check.detail, fields=check.fields)


def extraction_to_pb(
    document_id: str, extraction: Extraction, checks: list[CheckResult], *, time: dt.datetime | None = None
) -> pb.Extraction:
    message = pb.Extraction(
        name=f"documents/{document_id}/extraction",
        fields=[field_to_pb(name, field) for name, field in extraction.fields.items()],
        line_items=[
            pb.LineItem(fields=[field_to_pb(k, f) for k, f in item.fields.items()]) for item in extraction.line_items
        ],
        tax_details=[
            pb.TaxDetail(fields=[field_to_pb(k, f) for k, f in tax.fields.items()]) for tax in extraction.tax_details
        ],
        checks=[check_to_pb(check) for check in checks],
        model=extraction.model,
        adapter=extraction.adapter,
    )
    if time is not None:
        message.create_time.FromDatetime(time)
    return message
