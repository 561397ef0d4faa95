"""The vendor master: the vendors each tenant's ERP knows, and which of them an invoice is from."""
