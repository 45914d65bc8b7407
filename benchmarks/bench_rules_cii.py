"""Time the native EN 16931 CII rules against the official XSLT on the corpus's CII files.

Run: ``BELEGWERK_CORPUS=/path/to/corpus PYTHONPATH=src python benchmarks/bench_rules_cii.py``

CPU time (``time.process_time``) is reported, so other load on the machine distorts less. The
native figure is split into parsing (hardened parser), XSD validation (lxml, CII D16B schema) and
rule evaluation; the official figure is Saxon parsing plus the compiled EN 16931 CII stylesheet.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from belegwerk.rules.en16931_cii import RULESET
from belegwerk.xml.safe import parse_xml

XSD = "rules/xsd/cii-d16b/uncoupled-clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
XSLT = "rules/en16931/cii/EN16931-CII-validation.xslt"


def per_file(items: list[bytes], fn: Callable[[bytes], object], repeat: int = 5) -> list[float]:
    for data in items[:10]:
        fn(data)  # warm caches
    out = []
    for data in items:
        start = time.process_time()
        for _ in range(repeat):
            fn(data)
        out.append((time.process_time() - start) / repeat * 1000)
    return out


def show(label: str, ms: list[float]) -> None:
    print(f"{label:<34} mean {statistics.mean(ms):7.3f} ms   median {statistics.median(ms):7.3f} ms   max {max(ms):7.3f} ms")


def main() -> None:
    corpus = Path(os.environ.get("BELEGWERK_CORPUS", "corpus"))
    lines = (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines()
    files = sorted({json.loads(x)["file"] for x in lines if json.loads(x)["syntax"] == "cii"})
    items = [(corpus / f).read_bytes() for f in files]
    roots = {id(d): parse_xml(d) for d in items}
    schema = etree.XMLSchema(etree.parse(str(corpus / XSD)))
    print(f"{len(items)} CII files from {corpus}")

    parse = per_file(items, parse_xml)
    xsd = per_file(items, lambda d: schema.validate(roots[id(d)]))
    rules = per_file(items, lambda d: RULESET.evaluate(roots[id(d)]))
    total = [a + b + c for a, b, c in zip(parse, xsd, rules, strict=True)]
    show("native: parse", parse)
    show("native: XSD", xsd)
    show("native: EN 16931 CII rules", rules)
    show("native: parse + XSD + rules", total)

    if "--no-official" in sys.argv:
        return
    from saxonche import PySaxonProcessor

    proc = PySaxonProcessor(license=False)
    exe = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(corpus / XSLT))
    official = per_file(
        items, lambda d: exe.transform_to_string(xdm_node=proc.parse_xml(xml_text=d.decode("utf-8"))), repeat=3
    )
    show("official XSLT (Saxon parse + run)", official)
    print(f"speed-up (official / native total): {statistics.mean(official) / statistics.mean(total):.1f}x")


if __name__ == "__main__":
    main()
