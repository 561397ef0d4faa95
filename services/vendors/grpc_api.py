"""VendorService over gRPC: the tenant's vendor master (docai.services.vendors.master)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import grpc

from docai.services.common import idempotency, paging
from docai.services.common.errors import InvalidArgumentError, PermissionDeniedError
from docai.services.common.server import caller
from docai.services.common.tenants import Caller
from docai.services.pb.vendors.v1 import vendor_service_pb2 as pb
from docai.services.pb.vendors.v1 import vendor_service_pb2_grpc as pb_grpc
from docai.services.storage.database import Database
from docai.services.vendors.master import (
    ImportResult,
    VendorRecord,
    check_batch,
    get_vendor,
    import_vendors,
    list_vendors,
)
from docai.services.vendors.resolve import VendorMatch, mask_iban

_VENDOR_NAME = re.compile(r"vendors/([A-Za-z0-9._~-]{1,100})")


def parse_vendor_name(name: str) -> str:
    """The vendor id in ``vendors/{vendor_id}``, or INVALID_ARGUMENT ``INVALID_NAME``."""
    match = _VENDOR_NAME.fullmatch(name or "")
    if match is None:
        raise InvalidArgumentError("name must look like vendors/{vendor_id}", reason="INVALID_NAME", field="name")
    return match.group(1)


def vendor_to_pb(vendor: VendorRecord, *, mask: bool = False) -> pb.Vendor:
    """The record as a message; ``mask`` shows only the IBAN's last 4 characters (the review page)."""
    message = pb.Vendor(
        name=f"vendors/{vendor.vendor_id}",
        vendor_id=vendor.vendor_id,
        display_name=vendor.name,
        aliases=list(vendor.aliases),
        tax_id=vendor.tax_id,
        iban=mask_iban(vendor.iban) if mask else vendor.iban,
        bic=vendor.bic,
        department=vendor.department,
        cost_centre=vendor.cost_centre,
        approver=vendor.approver,
        active=vendor.active,
    )
    if vendor.update_time is not None:
        message.update_time.FromDatetime(vendor.update_time)
    return message


def vendor_from_pb(message: pb.Vendor) -> VendorRecord:
    return VendorRecord(
        vendor_id=message.vendor_id,
        name=message.display_name,
        aliases=tuple(message.aliases),
        tax_id=message.tax_id,
        iban=message.iban,
        bic=message.bic,
        department=message.department,
        cost_centre=message.cost_centre,
        approver=message.approver,
        active=message.active if message.HasField("active") else True,
    )


def match_to_pb(match: VendorMatch, *, mask: bool = True) -> pb.VendorMatch:
    """How an invoice resolved against the master; the IBAN masked unless ``mask`` is False."""
    message = pb.VendorMatch(matched_by=match.matched_by, master_exists=match.master_exists)
    if match.vendor is not None:
        message.vendor.CopyFrom(vendor_to_pb(match.vendor, mask=mask))
    return message


def _importer() -> Caller:
    """An ERP system of the tenant, or the tenant's admin; else PERMISSION_DENIED ``ROLE_REQUIRED``."""
    found = caller()
    if found.scope == "erp" or found.has_role("admin"):
        return found
    who = f"{found.actor} ({found.role or 'no role'})" if found.actor else f"a {found.scope} token"
    raise PermissionDeniedError(
        f"to import vendors an ERP token or the tenant's admin is needed; this call is made by {who}",
        reason="ROLE_REQUIRED",
        role="admin",
        scope=found.scope,
        caller_role=found.role,
    )


class VendorServicer(pb_grpc.VendorServiceServicer):
    def __init__(self, *, db: Database) -> None:
        self.db = db

    async def ImportVendors(
        self, request: pb.ImportVendorsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ImportVendorsResponse:
        tenant_id = _importer().tenant_id
        vendors = [vendor_from_pb(v) for v in request.vendors]
        result = await asyncio.to_thread(self._import, tenant_id, vendors, request)
        return pb.ImportVendorsResponse(
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            deactivated_count=result.deactivated,
        )

    def _import(self, tenant_id: str, vendors: list[VendorRecord], request: pb.ImportVendorsRequest) -> ImportResult:
        """The batch checked (INVALID_ARGUMENT naming ``vendors[i]``) and imported; with a request_id, a
        retry returns the first call's counts (AIP-155)."""
        vendors = check_batch(vendors)
        if not request.request_id:
            return import_vendors(self.db, tenant_id=tenant_id, vendors=vendors, sync=request.sync)
        fingerprint = hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()
        key = {
            "tenant_id": tenant_id,
            "method": "ImportVendors",
            "request_id": request.request_id,
            "fingerprint": fingerprint,
        }
        with self.db.transaction() as session:
            first = idempotency.recall(session, **key)
        if first is not None:
            return ImportResult(*(int(n) for n in first.split(",")))
        result = import_vendors(self.db, tenant_id=tenant_id, vendors=vendors, sync=request.sync)
        with self.db.transaction() as session:
            if idempotency.recall(session, **key) is None:
                idempotency.remember(session, **key, resource=",".join(str(n) for n in result))
        return result

    async def ListVendors(
        self, request: pb.ListVendorsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListVendorsResponse:
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        vendors, total = await asyncio.to_thread(
            list_vendors,
            self.db,
            tenant_id=caller().tenant_id,
            name_contains=request.name_contains,
            tax_id=request.tax_id,
            active_only=request.active_only,
            offset=offset,
            limit=size,
        )
        return pb.ListVendorsResponse(
            vendors=[vendor_to_pb(v) for v in vendors],
            next_page_token=paging.encode_token(offset + size) if offset + size < total else "",
            total_size=total,
        )

    async def GetVendor(self, request: pb.GetVendorRequest, context: grpc.aio.ServicerContext) -> pb.GetVendorResponse:
        vendor_id = parse_vendor_name(request.name)
        vendor = await asyncio.to_thread(get_vendor, self.db, tenant_id=caller().tenant_id, vendor_id=vendor_id)
        return pb.GetVendorResponse(vendor=vendor_to_pb(vendor))


def registration(servicer: VendorServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_VendorServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["VendorService"].full_name,
    )
