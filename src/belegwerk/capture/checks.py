"""Cross-checks that move field confidences: arithmetic, checksums and plausibility.

A value that agrees with an independent fact (the IBAN checksum, net + VAT = gross, the sum of the
lines) is likelier right; one that contradicts it needs a human look. Checks never change values.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from belegwerk.capture.identifiers import bic_valid, iban_valid, vat_id_valid
from belegwerk.capture.model import CaptureResult


def cross_check(result: CaptureResult, today: date | None = None) -> None:
    """Adjust confidences in ``result.fields`` in place."""
    f = result.fields
    today = today or date.today()
    iban = f.get("BT-84")
    if iban is not None:
        if iban_valid(str(iban.value)):
            iban.adjust(0.05, "IBAN checksum valid")
        else:
            iban.adjust(-0.3, "not a valid IBAN (checksum or format)")
    bic = f.get("BT-86")
    if bic is not None and not bic_valid(str(bic.value)):
        bic.adjust(-0.3, "not a valid BIC")
    vat_id = f.get("BT-31")
    if vat_id is not None:
        if vat_id_valid(str(vat_id.value)):
            vat_id.adjust(0.05, "VAT ID check digits valid")
        else:
            vat_id.adjust(-0.3, "VAT ID check digits do not match")
    issue = f.get("BT-2")
    if issue is not None and isinstance(issue.value, date):
        if issue.value > today + timedelta(days=2):
            issue.adjust(-0.3, "invoice date lies in the future")
        elif issue.value < today - timedelta(days=365 * 10):
            issue.adjust(-0.1, "invoice date is more than ten years old")
        due = f.get("BT-9")
        if due is not None and isinstance(due.value, date):
            if due.value < issue.value:
                due.adjust(-0.3, "due date before invoice date")
            elif due.value - issue.value > timedelta(days=180):
                due.adjust(-0.15, "due date more than 180 days after invoice date")
        delivery = f.get("BT-72")
        if (
            delivery is not None
            and isinstance(delivery.value, date)
            and delivery.value > issue.value + timedelta(days=60)
        ):
            delivery.adjust(-0.2, "delivery date long after invoice date")
    lines = f.get("BG-25")
    net = f.get("BT-109")
    if lines is not None and isinstance(lines.value, list) and net is not None and isinstance(net.value, Decimal):
        total = sum((r.get("BT-131", Decimal(0)) for r in lines.value), Decimal(0))
        if total == net.value:
            lines.adjust(0.3, "line amounts add up to the net total")
            net.adjust(0.3 if net.confidence < 0.6 else 0.05, "line amounts add up to the net total")
        else:
            lines.adjust(-0.2, f"line amounts add up to {total}, not the net total {net.value}")
    if result.source.value == "ocr":
        # OCR words carry their own confidence already; blank fields and totals get a small haircut.
        for key in ("BT-109", "BT-110", "BT-112"):
            fld = f.get(key)
            if fld is not None and "net + VAT = gross" not in fld.notes:
                fld.adjust(-0.1, "read by OCR without an arithmetic confirmation")
