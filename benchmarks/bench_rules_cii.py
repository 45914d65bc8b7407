"""Time the native EN 16931 CII rules against the official XSLT on the corpus's CII files.

Run: ``BELEGWERK_CORPUS=/path/to/corpus PYTHONPATH=src python benchmarks/bench_rules_cii.py``

CPU time (``time.process_time``) is reported, and native and official runs are interleaved file
by file, so load from other processes affects both sides alike. The native figure is split into
parsing (hardened parser), XSD validation (lxml, CII D16B schema) and rule evaluation; the
official figure is Saxon parsing plus the compiled EN 16931 CII stylesheet.
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


def cpu_ms(fn: Callable[[], object], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat * 1000


def show(label: str, ms: list[float]) -> None:
    mean, median = statistics.mean(ms), statistics.median(ms)
    print(f"{label:<34} mean {mean:7.3f} ms   median {median:7.3f} ms   max {max(ms):7.3f} ms")


def main() -> None:
    corpus = Path(os.environ.get("BELEGWERK_CORPUS", "corpus"))
    lines = (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines()
    files = sorted({json.loads(x)["file"] for x in lines if json.loads(x)["syntax"] == "cii"})
    items = [(corpus / f).read_bytes() for f in files]
    schema = etree.XMLSchema(etree.parse(str(corpus / XSD)))
    official = None
    if "--no-official" not in sys.argv:
        from saxonche import PySaxonProcessor

        proc = PySaxonProcessor(license=False)
        exe = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(corpus / XSLT))

        def official(data: bytes) -> object:
            return exe.transform_to_string(xdm_node=proc.parse_xml(xml_text=data.decode("utf-8")))

    print(f"{len(items)} CII files from {corpus}")
    times: dict[str, list[float]] = {"parse": [], "xsd": [], "rules": [], "official": []}
    for _round in range(2):  # the first round warms caches and is discarded
        for k in times:
            times[k].clear()
        for data in items:
            root = parse_xml(data)
            times["parse"].append(cpu_ms(lambda d=data: parse_xml(d), 5))
            times["xsd"].append(cpu_ms(lambda r=root: schema.validate(r), 5))
            times["rules"].append(cpu_ms(lambda r=root: RULESET.evaluate(r), 5))
            if official is not None:
                times["official"].append(cpu_ms(lambda d=data: official(d), 3))
    total = [a + b + c for a, b, c in zip(times["parse"], times["xsd"], times["rules"], strict=True)]
    show("native: parse", times["parse"])
    show("native: XSD", times["xsd"])
    show("native: EN 16931 CII rules", times["rules"])
    show("native: parse + XSD + rules", total)
    if times["official"]:
        show("official XSLT (Saxon parse + run)", times["official"])
        ratio = statistics.mean(times["official"]) / statistics.mean(total)
        print(f"speed-up (official / native total): {ratio:.1f}x")


if __name__ == "__main__":
    main()
