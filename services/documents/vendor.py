"""``vendor_key``: which vendor a document is from, for the tenant's own history of approved invoices.

The key is the vendor name as extracted, lower-cased, with its whitespace collapsed
(``"ACME  GmbH"`` → ``"acme gmbh"``). It is the identity under which

* an approval keeps its example for training and few-shot retrieval
  (``ApprovedExample.vendor_key``; ``docai.training.dataset`` splits held-out data by it,
  ``docai.training.retrieval`` finds a vendor's solved invoices by it);
* the pipeline finds the account on file when the vendor master has none: the IBAN of the
  vendor's last approved invoice (:func:`docai.services.documents.bank.known_iban`).

It is deliberately *not* one of the other vendor normalisations, which answer other questions:

* ``docai.services.vendors.resolve.name_key``: matching a printed name against the vendor
  master's names and aliases (accents transliterated, punctuation, connectors and legal forms
  dropped: "Müller & Söhne GmbH" and "Mueller Soehne" are one vendor there);
* ``docai.services.storage.document_index.duplicate_vendor_key``: the vendor part of the
  duplicate-invoice key (letters and digits only);
* ``docai.services.extraction.vendor_memory.template_key``: which layout template a page
  belongs to (tax id, then IBAN, then the folded name).

Changing this key changes which stored examples and accounts belong together: it must stay
as it is for the rows already written.
"""

from __future__ import annotations

__all__ = ["vendor_key"]


def vendor_key(name: str | None) -> str:
    """The vendor's key: the name lower-cased, whitespace collapsed; "" for no name."""
    return " ".join((name or "").lower().split())
