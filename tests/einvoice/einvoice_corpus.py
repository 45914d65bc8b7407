"""The e-invoice instances of the reference corpus that every reader must handle."""

from __future__ import annotations

from pathlib import Path

#: Folders (relative to the corpus) with complete invoice instances, and their file patterns.
INSTANCE_GLOBS: tuple[tuple[str, str], ...] = (
    ("xrechnung-testsuite/business-cases", "**/*.xml"),
    ("xrechnung-testsuite/technical-cases", "**/*.xml"),
    ("en16931-examples/ubl/examples", "*.[xX][mM][lL]"),
    ("en16931-examples/cii/examples", "*.xml"),
    ("en16931-examples/testfiles", "*.xml"),
    ("peppol-bis/billing/examples", "*.xml"),
    ("peppol-bis/billing/snippets", "*.xml"),
)


def instances(corpus: Path) -> list[Path]:
    """All instance files, sorted; fails loudly if a folder is missing or empty."""
    found: list[Path] = []
    for folder, pattern in INSTANCE_GLOBS:
        base = corpus / folder
        matches = sorted(p for p in base.glob(pattern) if p.is_file())
        if not matches:
            raise FileNotFoundError(f"no corpus instances under {base}")
        found.extend(matches)
    return found


def is_cii(data: bytes) -> bool:
    return b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" in data[:4000]
