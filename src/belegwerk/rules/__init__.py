"""Validation engine and rule sets (EN 16931, XRechnung CIUS, Peppol BIS, ...).

The engine (:mod:`belegwerk.rules.engine`) is separate from the rule packs, as in the KoSIT
validator: a rule pack is data plus small check functions; the engine evaluates packs against a
parsed document and produces a :class:`~belegwerk.rules.report.ValidationReport`.
"""

from belegwerk.rules.engine import Context, Finding, Pattern, Rule, RuleSet, Severity

__all__ = ["Context", "Finding", "Pattern", "Rule", "RuleSet", "Severity"]
