"""How the settings become the invoice reader (the suite, ``docai eval`` and the benchmarks build it here)."""

from __future__ import annotations

from typing import Any

from docai.services.common.settings import Settings
from docai.services.extraction.calibration import load_calibrator
from docai.services.extraction.chooser import Chooser
from docai.services.extraction.einvoice_reader import EInvoiceReader
from docai.services.extraction.reader import InvoiceReader
from docai.services.models.backend import TextGenerator

__all__ = ["reader_from_settings"]


def reader_from_settings(settings: Settings, backend: TextGenerator, *, calibrate: Any = None) -> EInvoiceReader:
    """The reader as the settings want it: an e-invoice's XML exactly, else the page with calibrated
    confidences and the model's choice when enabled."""
    page_reader = InvoiceReader(
        chooser=Chooser(backend) if settings.chooser else None,
        calibrate=calibrate if calibrate is not None else load_calibrator(settings).apply,
    )
    return EInvoiceReader(page_reader)
