"""Validation engine and rule sets (EN 16931, XRechnung CIUS, Peppol BIS, ...).

The engine (:mod:`belegwerk.rules.engine`) is separate from the rule packs, as in the KoSIT
validator: a rule pack is data plus small check functions; the engine evaluates packs against a
parsed document and produces a :class:`~belegwerk.rules.report.ValidationReport`.

The packs may be compiled with mypyc (``tools/build_native_rules.py``); the guard installed
first thing here makes sure a compiled build is only used when it matches the sources.
"""

from belegwerk.rules.native import install_guard

install_guard()

from belegwerk.rules.engine import Context, Finding, Pattern, Rule, RuleSet, Severity  # noqa: E402

__all__ = ["Context", "Finding", "Pattern", "Rule", "RuleSet", "Severity"]
