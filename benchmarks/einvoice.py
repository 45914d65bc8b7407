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


def _syntax(root: object) -> str:
    return "ubl-invoice" if str(getattr(root, "tag", "")).endswith("}Invoice") else "ubl-creditnote"


def timings(corpus: Path, files: list[Path], repeat: int) -> dict[str, float]:
    """Median over files of the best-of-``repeat`` time of each variant.

    Native and Saxon runs are interleaved file by file and round by round, so a change in machine
    load affects both sides alike and the ratios stay meaningful on a busy machine.
    """
    datas = [f.read_bytes() for f in files]
    roots = [parse_xml(d) for d in datas]
    for d in datas:  # warm up: compile schemas, fill caches
        validate_bytes(d, peppol=False)
    run_saxon = _saxon(corpus)
    variants: dict[str, Callable[[int], object]] = {
        "native rules only": lambda i: RULESET.evaluate(roots[i]),
        "native XSD only": lambda i: schema.validate_schema(roots[i], _syntax(roots[i])),
        "native parse + rules": lambda i: RULESET.evaluate(parse_xml(datas[i])),
        "native parse + XSD + rules (validate_bytes)": lambda i: validate_bytes(datas[i], peppol=False),
    }
    if run_saxon is not None:
        variants["saxon EN 16931 XSLT"] = lambda i: run_saxon(files[i])
    best: dict[str, list[float]] = {name: [float("inf")] * len(files) for name in variants}
    for _ in range(repeat):
        for i in range(len(files)):
            for name, fn in variants.items():
                t = time.perf_counter()
                fn(i)
                best[name][i] = min(best[name][i], time.perf_counter() - t)
    result = {name: _median_ms(values) for name, values in best.items()}
    if run_saxon is not None:
        both = [a + b for a, b in zip(best["saxon EN 16931 XSLT"], best["native XSD only"], strict=True)]
        result["saxon XSLT + lxml XSD"] = _median_ms(both)
    return result


def _saxon(corpus: Path) -> Callable[[Path], object] | None:
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        return None
    proc = PySaxonProcessor(license=False)
    stylesheet = corpus / "rules/en16931/ubl/EN16931-UBL-validation.xslt"
    executable = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))

    def run(f: Path) -> object:
        return executable.transform_to_string(source_file=str(f))

    return run


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
    measured = timings(corpus, files, args.repeat)
    native = {k: v for k, v in measured.items() if k.startswith("native")}
    saxon = {k: v for k, v in measured.items() if k.startswith("saxon")}
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
