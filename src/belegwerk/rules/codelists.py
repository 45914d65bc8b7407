"""Code lists used by the rule packs (ISO 4217, ISO 3166, UNTDID 1001/4461/5189/7161/5305, EAS, ICD, ...).

The lists are facts of the standards; ``data/codelists.json`` is generated from the official rule
packs by ``tools/extract_codelists.py`` so our membership tests use exactly the versions the
official validators use.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Final

#: Attachment MIME codes EN 16931 allows (BR-CL-24; the official packs write it as an explicit
#: comparison, not as a code list, so it is not in ``data/codelists.json``).
EN16931_MIME_CODES: Final = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


@cache
def _data() -> dict[str, Any]:
    text = resources.files("belegwerk.rules").joinpath("data/codelists.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def rule_codelist(pack: str, rule_id: str, index: int = 0) -> frozenset[str]:
    """The allowed values rule ``rule_id`` of ``pack`` (e.g. ``"en16931-ubl"``, ``"BR-CL-04"``) tests against."""
    lists: list[list[str]] = _data()[pack][rule_id]
    return frozenset(lists[index])


def named_codelist(pack: str, name: str) -> frozenset[str]:
    """A list a pack declares by name (e.g. ``named_codelist("peppol-ubl", "ISO4217")``)."""
    values: list[str] = _data()["named"][pack][name]
    return frozenset(values)
