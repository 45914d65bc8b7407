"""Developer tool: collect the code lists (facts of the standards) that the official rule packs use.

Run against a checkout of the reference corpus; writes ``src/belegwerk/rules/data/codelists.json``,
mapping ``pack -> rule id -> [code list, ...]`` where each code list is the sorted list of allowed
values that the rule tests membership in, and ``named -> pack -> list name -> values`` for lists a
pack declares as variables. Only the value lists are taken, nothing else.

    python tools/extract_codelists.py $BELEGWERK_CORPUS
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from lxml import etree

PACKS = {
    "en16931-ubl": "rules/en16931/ubl/EN16931-UBL-validation.xslt",
    "en16931-cii": "rules/en16931/cii/EN16931-CII-validation.xslt",
    "xrechnung-ubl": "rules/xrechnung/ubl/XRechnung-UBL-validation.sch",
    "xrechnung-cii": "rules/xrechnung/cii/XRechnung-CII-validation.sch",
    "peppol-ubl": "rules/peppol-bis-billing/sch/PEPPOL-EN16931-UBL.sch",
    "peppol-cii": "rules/peppol-bis-billing/sch/PEPPOL-EN16931-CII.sch",
}
LIST = re.compile(r"'((?: [A-Za-z0-9.:+/_-]+){3,} )'")
SCH = "http://purl.oclc.org/dsdl/schematron"
SVRL = "http://purl.oclc.org/dsdl/svrl"


def _lets(root: etree._Element) -> dict[str, str]:
    tags = (f"{{{SCH}}}let", "{http://www.w3.org/1999/XSL/Transform}variable")
    return {el.get("name"): el.get("value", "") for el in root.iter(*tags) if el.get("name")}


def extract(path: Path) -> dict[str, list[list[str]]]:
    root = etree.parse(str(path)).getroot()
    lets = _lets(root)
    out: dict[str, list[list[str]]] = {}
    for el in root.iter(f"{{{SCH}}}assert", f"{{{SVRL}}}failed-assert"):
        rid = el.get("id")
        if rid is None:
            ida = el.find("{http://www.w3.org/1999/XSL/Transform}attribute[@name='id']")
            rid = (ida.text or "").strip() if ida is not None else None
        if not rid:
            continue
        test = el.get("test", "")
        texts = [test] + [v for k, v in lets.items() if f"${k}" in test]
        lists = [sorted(set(m.split())) for t in texts for m in LIST.findall(t)]
        if lists:
            out.setdefault(rid, [])
            for lst in lists:
                if lst not in out[rid]:
                    out[rid].append(lst)
    return out


NAMED = re.compile(r"^\s*(?:tokenize\()?'([^']*)'")


def named_lists(path: Path) -> dict[str, list[str]]:
    """Code lists a pack declares as named variables (``<let name="ISO4217" value="tokenize('...')"/>``)."""
    root = etree.parse(str(path)).getroot()
    out: dict[str, list[str]] = {}
    for name, value in _lets(root).items():
        m = NAMED.match(value)
        if m and len(m.group(1).split()) >= 3:
            out[name] = sorted(set(m.group(1).split()))
    return out


def main() -> None:
    corpus = Path(sys.argv[1])
    data: dict[str, object] = {pack: extract(corpus / rel) for pack, rel in PACKS.items()}
    data["named"] = {pack: named_lists(corpus / rel) for pack, rel in PACKS.items()}
    target = Path(__file__).resolve().parents[1] / "src/belegwerk/rules/data/codelists.json"
    target.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for pack, rules in data.items():
        print(pack, len(rules) if isinstance(rules, dict) else rules)


if __name__ == "__main__":
    main()
