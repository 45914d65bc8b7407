"""Native EN 16931 validation for UN/CEFACT CII invoices: the rule set "EN 16931 CII".

It implements every assertion of the official CEN pack for CII (``EN16931-CII-validation``,
v1.3.16) in Python, in three patterns as the official pack has them:

* :mod:`~belegwerk.rules.en16931_cii_model` — business rules (BR-*, BR-CO-*, BR-DEC-*, VAT
  category rules);
* :mod:`~belegwerk.rules.en16931_cii_syntax` — CII syntax binding (CII-SR-*, CII-DT-*), mostly
  a data table of "should not be present" / cardinality rules;
* :mod:`~belegwerk.rules.en16931_cii_codes` — code lists (BR-CL-*).

Rule ids, severities and contexts (with schematron's first-match-wins) follow the official pack
so findings can be compared one to one; messages are our own. :class:`CiiRuleSet` indexes each
document once, which keeps evaluation well below a millisecond for typical invoices.

Usage::

    from belegwerk.rules.en16931_cii import RULESET
    findings = RULESET.evaluate(parse_xml(data))
"""

from __future__ import annotations

from belegwerk.rules import en16931_cii_codes, en16931_cii_model, en16931_cii_syntax
from belegwerk.rules.en16931_cii_index import CiiRuleSet

RULESET: CiiRuleSet = CiiRuleSet(
    "EN 16931 CII",
    [en16931_cii_model.PATTERN, en16931_cii_syntax.PATTERN, en16931_cii_codes.PATTERN],
)

__all__ = ["RULESET"]
