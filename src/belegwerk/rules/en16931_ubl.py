"""The EN 16931 rule set for UBL 2.1 Invoice and CreditNote, evaluated natively.

It mirrors the official CEN pack (EN16931-UBL-validation, v1.3.16): three patterns — business
model rules, UBL syntax-binding rules, code lists — with the official rule ids, flags and
contexts, so our verdicts can be compared one to one with the official validator's.
"""

from __future__ import annotations

from belegwerk.rules import en16931_ubl_codes, en16931_ubl_model, en16931_ubl_syntax
from belegwerk.rules.en16931_ubl_support import FastRuleSet

NAME = "EN16931-UBL"

RULESET = FastRuleSet(NAME, [en16931_ubl_model.PATTERN, en16931_ubl_syntax.PATTERN, en16931_ubl_codes.PATTERN])

__all__ = ["NAME", "RULESET"]
