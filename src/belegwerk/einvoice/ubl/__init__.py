"""UBL 2.1 Invoice/CreditNote ⇄ the EN 16931 model: :func:`read_ubl` and :func:`write_ubl`."""

from belegwerk.einvoice.ubl.reader import read_ubl
from belegwerk.einvoice.ubl.writer import write_ubl

__all__ = ["read_ubl", "write_ubl"]
