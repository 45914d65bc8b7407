"""Measuring field accuracy against known truth (used by the accuracy tests and the benchmark).

Values are compared normalised: identifiers without spaces, case and a leading "#", amounts as
Decimal to the cent, names fuzzily (a template's "issuer" is often a brand, the invoice a legal name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rapidfuzz import fuzz

from belegwerk.capture.model import CaptureResult

KEY_FIELDS = ("BT-1", "BT-2", "seller", "BT-5", "BT-109", "BT-110", "BT-112", "BT-84")
"""The fields the acceptance criteria name: number, date, seller (VAT ID or name), currency, totals, IBAN."""


def norm_id(value: Any) -> str:
    return re.sub(r"[\s#.\-]", "", str(value)).upper()


def norm_amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def names_match(expected: str, got: str) -> bool:
    """Whether two company names denote the same party (legal suffixes and case ignored)."""

    def clean(s: str) -> str:
        s = s.lower()
        s = re.sub(r"\b(gmbh|ag|inc|ltd|llc|b\.?v\.?|sas|sarl|limited|pvt|co|kg)\b\.?", " ", s)
        return re.sub(r"[^\w]+", " ", s).strip()

    a, b = clean(expected), clean(got)
    if not a or not b:
        return False
    return bool(fuzz.token_set_ratio(a, b) >= 85 or fuzz.partial_ratio(a, b) >= 90)


def field_correct(key: str, expected: Any, result: CaptureResult) -> bool:
    """Whether ``result`` holds the expected value for one key field."""
    if key == "seller":
        kind, value = expected
        if kind == "vat":
            got = result.value("BT-31")
            return got is not None and norm_id(got) == norm_id(value)
        names = [result.value("BT-27"), result.value("BT-28")]
        return any(n is not None and names_match(str(value), str(n)) for n in names)
    got = result.value(key)
    if got is None:
        return False
    if key in ("BT-109", "BT-110", "BT-112", "BT-115"):
        return norm_amount(got) == norm_amount(expected)
    if key == "BT-2":
        return isinstance(got, date) and got.isoformat() == str(expected)
    return norm_id(got) == norm_id(expected)


@dataclass
class AccuracyTable:
    """Right/total per field over a test set, plus the misses for the report."""

    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, truth: Mapping[str, Any], result: CaptureResult | None) -> None:
        for key, expected in truth.items():
            self.total[key] = self.total.get(key, 0) + 1
            ok = result is not None and field_correct(key, expected, result)
            if ok:
                self.right[key] = self.right.get(key, 0) + 1
            else:
                got = (
                    None
                    if result is None
                    else (
                        result.value("BT-31" if key == "seller" and expected[0] == "vat" else "BT-27")
                        if key == "seller"
                        else result.value(key)
                    )
                )
                self.misses.append(f"{name} {key}: expected {expected!r}, got {got!r}")

    def accuracy(self, key: str) -> float:
        return self.right.get(key, 0) / self.total[key] if self.total.get(key) else 1.0

    def rows(self, keys: Iterable[str] = KEY_FIELDS) -> list[tuple[str, int, int, float]]:
        return [(k, self.right.get(k, 0), self.total[k], self.accuracy(k)) for k in keys if self.total.get(k)]

    def render(self, title: str) -> str:
        lines = [title, f"{'field':<8} {'right':>5} {'total':>5} {'accuracy':>8}"]
        for k, r, t, a in self.rows():
            lines.append(f"{k:<8} {r:>5} {t:>5} {a:>8.1%}")
        return "\n".join(lines)


def invoice2data_truth(expected: Mapping[str, Any]) -> dict[str, Any]:
    """Key-field truth from an invoice2data expected-result dict (its field names mapped to BT ids)."""
    truth: dict[str, Any] = {}
    if "invoice_number" in expected:
        truth["BT-1"] = expected["invoice_number"]
    if "date" in expected:
        truth["BT-2"] = expected["date"]
    vat = expected.get("vat") or expected.get("static_vat")
    if isinstance(vat, str) and re.match(r"^[A-Z]{2}", vat.replace(" ", "")):
        truth["seller"] = ("vat", vat)
    elif "issuer" in expected:
        truth["seller"] = ("name", expected["issuer"])
    if "currency" in expected:
        truth["BT-5"] = expected["currency"]
    for src, key in (("amount_untaxed", "BT-109"), ("amount_tax", "BT-110"), ("amount", "BT-112")):
        if src in expected:
            truth[key] = expected[src]
    if "iban" in expected:
        truth["BT-84"] = expected["iban"]
    return truth


def generated_truth(truth: Mapping[str, Any]) -> dict[str, Any]:
    """Key-field truth of a generated invoice (:mod:`belegwerk.capture.testdata`)."""
    out: dict[str, Any] = {k: truth[k] for k in ("BT-1", "BT-5", "BT-109", "BT-110", "BT-112", "BT-84") if k in truth}
    out["BT-2"] = truth["BT-2"].isoformat()
    out["seller"] = ("vat", truth["BT-31"])
    return out
