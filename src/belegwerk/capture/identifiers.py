"""Finding and checking identifiers: VAT IDs (python-stdnum), IBAN/BIC (schwifty), German tax numbers.

A checksum that holds is strong evidence that OCR read every character right, so these checks feed the
field confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.de import stnr
from stdnum.eu import vat

_EU_PREFIXES = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|CHE|GB|NO"
VAT_RE = re.compile(rf"(?<![A-Z0-9])({_EU_PREFIXES})[\s.-]?((?:[0-9A-Z][\s.-]?){{7,13}}[0-9A-Z])(?![0-9A-Za-z])")
IBAN_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{2}(?:[\s.]{0,2}[A-Z0-9]){11,30})")
BIC_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Z0-9])")
STNR_RE = re.compile(r"(?<![\d/])(\d{2,3}\s?/\s?\d{3,4}\s?/\s?\d{4,5}|\d{3}\s\d{3}\s\d{3}\s\d{2}|\d{10,13})(?![\d/])")


@dataclass(frozen=True, slots=True)
class IdMatch:
    """An identifier found in a text: normalised value, span, and whether its checksum holds."""

    value: str
    start: int
    end: int
    valid: bool


def normalise_vat_id(raw: str) -> str:
    """Upper case without spaces, dots or dashes; Greek ``EL`` stays as printed."""
    return re.sub(r"[\s.\-]", "", raw).upper()


def vat_id_valid(value: str) -> bool:
    """Whether ``value`` passes the check-digit rules of its country (python-stdnum)."""
    try:
        return bool(vat.is_valid(value))
    except Exception:  # stdnum raises for unknown country prefixes
        return False


def find_vat_ids(text: str) -> Iterator[IdMatch]:
    """VAT identification numbers in ``text`` (EU style with country prefix), checked where possible."""
    for m in VAT_RE.finditer(text.upper()):
        raw = m.group(0)
        value = normalise_vat_id(raw)
        # Shrink greedy matches that swallowed a following word: try the longest valid prefix.
        valid = vat_id_valid(value)
        if not valid:
            for cut in range(len(value) - 1, 7, -1):
                if vat_id_valid(value[:cut]):
                    value, valid = value[:cut], True
                    break
        if not re.search(r"\d{2}", value):
            continue
        yield IdMatch(value, m.start(), m.end(), valid)


def iban_valid(value: str) -> bool:
    """Whether ``value`` is an IBAN with a correct checksum and country format (schwifty)."""
    try:
        IBAN(value)
    except (SchwiftyException, ValueError):
        return False
    return True


def find_ibans(text: str) -> Iterator[IdMatch]:
    """IBAN candidates in ``text``; ``valid`` says whether schwifty accepts them."""
    for m in IBAN_RE.finditer(text.upper()):
        compact = re.sub(r"[\s.]", "", m.group(1))
        valid = iban_valid(compact)
        if not valid:
            # a following word glued on ("DE89... BIC")? try shorter prefixes that validate
            for cut in range(len(compact) - 1, 14, -1):
                if iban_valid(compact[:cut]):
                    compact, valid = compact[:cut], True
                    break
        if len(compact) >= 15:
            yield IdMatch(compact, m.start(), m.end(), valid)


def bic_valid(value: str) -> bool:
    """Whether ``value`` is a syntactically valid BIC with a known country (schwifty)."""
    try:
        BIC(value)
    except (SchwiftyException, ValueError):
        return False
    return True


def find_bics(text: str) -> Iterator[IdMatch]:
    """BIC candidates in ``text`` (8 or 11 characters) that schwifty accepts."""
    for m in BIC_RE.finditer(text):
        value = m.group(1)
        if bic_valid(value):
            yield IdMatch(value, m.start(), m.end(), True)


def find_tax_numbers(text: str) -> Iterator[IdMatch]:
    """German tax numbers (Steuernummer) in ``text``; ``valid`` when stdnum recognises the format."""
    for m in STNR_RE.finditer(text):
        raw = m.group(1)
        compact = re.sub(r"\s", "", raw)
        try:
            valid = bool(stnr.is_valid(compact.replace("/", "")))
        except Exception:
            valid = False
        yield IdMatch(raw.strip(), m.start(), m.end(), valid)
