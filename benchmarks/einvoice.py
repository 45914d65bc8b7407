"""Benchmark: native e-invoice validation against the official XSLT run by Saxon (saxonche).

    python benchmarks/einvoice.py [--corpus DIR] [--repeat N] [--throughput N]

Both sides validate the same UBL files (the CEN examples and the XRechnung test suite's UBL
business cases) with the EN 16931 rules. Stylesheet and schema compilation happen once and are
excluded. Reported per file (median over files of the best of ``--repeat`` runs):

* native rules only (tree already parsed), native parse + rules, native parse + XSD + rules;
* Saxon: EN 16931 XSLT on a file (Saxon parses itself), and the same plus lxml XSD;

then the speed-up, and the single-core throughput of the native pipeline for a directory of
``--throughput`` invoices made by repeating corpus files.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from belegwerk.rules import schema  # noqa: E402
from belegwerk.rules.en16931_ubl import RULESET  # noqa: E402
from belegwerk.rules.validate import validate_bytes, validate_path  # noqa: E402
from belegwerk.xml.safe import parse_xml  # noqa: E402

SAMPLE_DIRS = ("en16931-examples/ubl/examples", "xrechnung-testsuite/business-cases/standard")


def _files(corpus: Path) -> list[Path]:
    files: list[Path] = []
    for rel in SAMPLE_DIRS:
        files.extend(sorted(p for p in (corpus / rel).glob("*.xml") if not p.name.endswith("_uncefact.xml")))
    return files


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def native_timings(files: list[Path], repeat: int) -> dict[str, float]:
    datas = [f.read_bytes() for f in files]
    roots = [parse_xml(d) for d in datas]
    for d in datas:  # warm up: compile schemas, fill caches
        validate_bytes(d)
    rules = [_best(lambda r=r: RULESET.evaluate(r), repeat) for r in roots]
    parse_rules = [_best(lambda d=d: RULESET.evaluate(parse_xml(d)), repeat) for d in datas]
    full = [_best(lambda d=d: validate_bytes(d, peppol=False), repeat) for d in datas]
    xsd = [
        _best(
            lambda r=r: schema.validate_schema(r, "ubl-invoice" if r.tag.endswith("}Invoice") else "ubl-creditnote"),
            repeat,
        )
        for r in roots
    ]
    return {
        "native rules only": _median_ms(rules),
        "native parse + rules": _median_ms(parse_rules),
        "native XSD only": _median_ms(xsd),
        "native parse + XSD + rules (validate_bytes)": _median_ms(full),
    }


def saxon_timings(corpus: Path, files: list[Path], repeat: int) -> dict[str, float]:
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        return {}
    proc = PySaxonProcessor(license=False)
    xslt = proc.new_xslt30_processor()
    stylesheet = corpus / "rules/en16931/ubl/EN16931-UBL-validation.xslt"
    executable = xslt.compile_stylesheet(stylesheet_file=str(stylesheet))
    for f in files[:3]:
        executable.transform_to_string(source_file=str(f))

    def run(f: Path) -> object:
        return executable.transform_to_string(source_file=str(f))

    xslt_times = [_best(lambda f=f: run(f), repeat) for f in files]
    roots = [parse_xml(f.read_bytes()) for f in files]
    xsd_times = [
        _best(
            lambda r=r: schema.validate_schema(r, "ubl-invoice" if r.tag.endswith("}Invoice") else "ubl-creditnote"),
            repeat,
        )
        for r in roots
    ]
    both = [a + b for a, b in zip(xslt_times, xsd_times, strict=True)]
    return {"saxon EN 16931 XSLT": _median_ms(xslt_times), "saxon XSLT + lxml XSD": _median_ms(both)}


def throughput(files: list[Path], count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(count):
            src = files[i % len(files)]
            (folder / f"{i:05d}_{src.name}").write_bytes(src.read_bytes())
        paths = sorted(folder.iterdir())
        t = time.perf_counter()
        for p in paths:
            validate_path(p, peppol=False)
        elapsed = time.perf_counter() - t
    return elapsed, count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("BELEGWERK_CORPUS", "../shared/corpus")))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--throughput", type=int, default=1000)
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    os.environ.setdefault("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))
    files = _files(corpus)
    if not files:
        sys.exit(f"no sample files under {corpus}")
    native = native_timings(files, args.repeat)
    saxon = saxon_timings(corpus, files, args.repeat)
    print(f"{len(files)} UBL files, median per file, best of {args.repeat} runs, compile excluded\n")
    width = max(len(k) for k in [*native, *saxon]) + 2
    print(f"{'measurement':<{width}} {'ms/file':>9}")
    print("-" * (width + 10))
    for name, ms in [*native.items(), *saxon.items()]:
        print(f"{name:<{width}} {ms:>9.3f}")
    if saxon:
        print()
        r1 = saxon["saxon EN 16931 XSLT"] / native["native parse + rules"]
        r2 = saxon["saxon XSLT + lxml XSD"] / native["native parse + XSD + rules (validate_bytes)"]
        print(f"{'speed-up, rules incl. parsing (no XSD)':<{width + 10}} {r1:>6.1f}x")
        print(f"{'speed-up, full validation incl. XSD':<{width + 10}} {r2:>6.1f}x")
    else:
        print("\nsaxonche is not installed: no comparison")
    elapsed, rate = throughput(files, args.throughput)
    print(f"\nthroughput, one core, {args.throughput} files via validate_path: {elapsed:.2f} s, {rate:,.0f} invoices/s")


if __name__ == "__main__":
    main()
