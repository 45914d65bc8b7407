"""UN/CEFACT CII D16B ⇄ the EN 16931 model: :func:`read_cii` and :func:`write_cii`."""

from belegwerk.einvoice.cii.reader import read_cii
from belegwerk.einvoice.cii.writer import write_cii

__all__ = ["read_cii", "write_cii"]
