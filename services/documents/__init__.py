"""The document: the one owner of a document's row, its state machine and the rules about its data.

Everything that reads or changes a stored document goes through this package:

* :mod:`~docai.services.documents.states`: the lifecycle (``DocumentState``) and the moves
  allowed between its states;
* :mod:`~docai.services.documents.store`: loading a tenant's document, moving it to another state
  (with its event), setting its JSON columns (extraction, checks, route, review reasons) and
  writing its audit entries;
* :mod:`~docai.services.documents.vendor`: ``vendor_key``, the vendor's identity for the approved
  examples and the account on file (not the vendor master's name matching);
* :mod:`~docai.services.documents.bank`: IBAN and BIC normalisation and checks, the account on
  file and the one rule about changed bank details (decision, approval, confirmation, training).

The modules import nothing from the services that use them (pipeline, review, extraction,
routing, training), so each service may use any of them.
"""
