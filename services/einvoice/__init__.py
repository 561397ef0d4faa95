"""E-invoices: EN 16931 XML (UN/CEFACT CII and OASIS UBL), read exactly, checked and written."""
