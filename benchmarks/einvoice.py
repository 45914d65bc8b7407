"""Benchmark: native e-invoice validation against the official XSLT run by Saxon (saxonche).

    python benchmarks/einvoice.py [--corpus DIR] [--repeat N] [--runs N] [--throughput N] [--cpu] [--src DIR]
                                  [--stages]

"Fully validate" means what :func:`belegwerk.rules.validate.validate_bytes` does for the file's
scenario: parse, XSD, EN 16931, plus the XRechnung pack for XRechnung documents and the Peppol
BIS pack for Peppol documents. The Saxon side runs, for the same file, the same official rules on
one Saxon parse of the file: the stylesheets the reference oracle used (``rulesets`` in
``oracle-verdicts.jsonl``: EN 16931 XSLT, plus the XRechnung XSL for XRechnung documents), and for
files whose scenario is Peppol BIS the official Peppol BIS Billing schematron (published as
``.sch`` only; compiled to XSLT once by :mod:`belegwerk.rules.schematron`, whose findings equal
the native Peppol packs' on every Peppol file of the corpus, see
``tests/einvoice/test_official_second_opinion.py``).

Stylesheet and schema compilation happen once and are excluded. Native and Saxon runs are
interleaved file by file and round by round, so a change in machine load (this machine is
shared) affects both sides alike and the ratios stay meaningful. Within a file, the variants run
in shuffled order, each once untimed and then ``--runs`` times back to back, timed; a file's
time is the best of all its timed runs in ``--repeat`` rounds (wall clock, or CPU time of the
process with ``--cpu``), i.e. each side in the state it has when it validates invoice after
invoice, as it does in service. The runs right after another variant are slower, and the native
side far more so (a Saxon run evicts its data and code from the CPU caches; the first native
run after one takes about twice as long, the second ~13% longer, the sixth is back to normal,
hence five timed runs by default: with three, the variants that happened to follow Saxon more
often still measured up to 10% slower than the same validations after a native variant). The
first timed run of each variant is reported too, as a second figure. The table
shows the median over files, per group and overall:

* native: ``validate_bytes(data, xsd=False)`` and ``validate_bytes(data)``; and
  ``validate_bytes(data, peppol=False)``, which runs exactly the packs the oracle ran (the KoSIT
  configuration checks Peppol documents against EN 16931 only);
* Saxon: parse + the official rules of the file's scenario; and the same plus the lxml XSD step
  (parse + schema) that the native side also pays, i.e. both sides with and without XSD; and
  parse + only the oracle's stylesheets (no Peppol rules), to compare with ``peppol=False``.

The first table compares the same rules on both sides; the second the oracle's packs on both
sides; the third, for comparison with earlier measurements, native with the Peppol packs against
Saxon without them.

Last, the median time to read a file into the EN 16931 model (``loader.load``, what ``inspect``
and the import do; no validation), and the single-core throughput of ``validate_path`` over a
directory of ``--throughput`` invoices made by repeating the benchmark files.

``--stages`` prints, instead of the comparison, where the native time goes per group: parse,
scenario selection, XSD, the document scan and each rule pack (in a validation session, the scan
excluded), each the best of ``--repeat`` runs; and the same for the smallest file, which shows
how much of a pack's time is per document rather than per element.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _source_dir(argv: list[str]) -> Path:
    """``--src DIR`` (another source tree, e.g. an older checkout to compare with), else ``src/``."""
    for i, arg in enumerate(argv):
        if arg == "--src" and i + 1 < len(argv):
            return Path(argv[i + 1]).resolve()
        if arg.startswith("--src="):
            return Path(arg.split("=", 1)[1]).resolve()
    return ROOT / "src"


sys.path.insert(0, str(_source_dir(sys.argv)))

from belegwerk.rules import native, schema  # noqa: E402
from belegwerk.rules.validate import validate_bytes, validate_path  # noqa: E402
from belegwerk.xml.safe import parse_xml  # noqa: E402

#: Corpus folders with whole invoices (unit-test snippets and configuration tests are left out).
SAMPLE_PREFIXES = (
    "en16931-examples/ubl/",
    "en16931-examples/cii/",
    "en16931-examples/testfiles/",
    "xrechnung-testsuite/business-cases/",
    "xrechnung-testsuite/technical-cases/",
    "peppol-bis/billing/",
)


@dataclass(frozen=True)
class Sample:
    """One benchmark file and what the oracle ran on it."""

    path: Path
    data: bytes
    syntax: str
    stylesheets: tuple[str, ...]
    group: str
    #: the native scenario runs a Peppol BIS pack (Saxon then also runs the Peppol schematron)
    peppol: bool


def _group(rel: str, syntax: str, stylesheets: tuple[str, ...]) -> str:
    family = "CII" if syntax == "cii" else "UBL"
    if rel.startswith("peppol-bis/"):
        return f"{family} Peppol"
    if any("xrechnung" in s.lower() for s in stylesheets):
        return f"{family} XRechnung"
    return f"{family} EN 16931"


def samples(corpus: Path) -> list[Sample]:
    """The benchmark files, with the stylesheets the oracle applied to each."""
    out: list[Sample] = []
    for line in (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rel: str = rec["file"]
        sheets = tuple(rec.get("rulesets") or ())
        if not sheets or not rel.startswith(SAMPLE_PREFIXES):
            continue
        path = corpus / rel
        data = path.read_bytes()
        peppol = any(name.startswith("Peppol") for name in validate_bytes(data, xsd=False).rulesets)
        out.append(Sample(path, data, rec["syntax"], sheets, _group(rel, rec["syntax"], sheets), peppol))
    return sorted(out, key=lambda s: (s.group, str(s.path)))


#: The official Peppol BIS Billing rules, per syntax (Schematron source, compiled once).
PEPPOL_SCHEMAS = {
    "ubl": "peppol-bis-billing/sch/PEPPOL-EN16931-UBL.sch",
    "cii": "peppol-bis-billing/sch/PEPPOL-EN16931-CII.sch",
}


def _saxon(corpus: Path, sheets: set[str]) -> tuple[Callable[[Sample], object], Callable[[Sample], object]] | None:
    """Saxon: parse the file once, run the official rules on it — (the oracle's stylesheets plus
    the Peppol schematron for Peppol files, the oracle's stylesheets only)."""
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        return None
    from belegwerk.rules.schematron import compile_schematron

    proc = PySaxonProcessor(license=False)
    xslt = proc.new_xslt30_processor()
    compiled = {s: xslt.compile_stylesheet(stylesheet_file=str(corpus / "rules" / s)) for s in sorted(sheets)}
    peppol = {
        syntax: proc.new_xslt30_processor().compile_stylesheet(
            stylesheet_text=compile_schematron((corpus / "rules" / rel).read_bytes()).decode("utf-8")
        )
        for syntax, rel in PEPPOL_SCHEMAS.items()
    }

    def oracle(sample: Sample) -> object:
        node = proc.parse_xml(xml_file_name=str(sample.path))
        return [compiled[s].transform_to_string(xdm_node=node) for s in sample.stylesheets]

    def same_rules(sample: Sample) -> object:
        node = proc.parse_xml(xml_file_name=str(sample.path))
        out = [compiled[s].transform_to_string(xdm_node=node) for s in sample.stylesheets]
        if sample.peppol:
            out.append(peppol["cii" if sample.syntax == "cii" else "ubl"].transform_to_string(xdm_node=node))
        return out

    return same_rules, oracle


def _clock(cpu: bool) -> Callable[[], float]:
    return time.process_time if cpu else time.perf_counter


@dataclass
class Timings:
    """Seconds per file and variant: ``best`` of all timed runs, and ``first``, the best of the
    first timed run of each round (the run right after the untimed one, when the variant before
    was another one: the only run the benchmark timed before 2026-12-06)."""

    best: dict[str, list[float]]
    first: dict[str, list[float]]


def timings(corpus: Path, items: list[Sample], repeat: int, cpu: bool, runs: int = 5) -> Timings:
    """Seconds per file for each variant (best of ``runs`` back-to-back runs in each of
    ``repeat`` rounds), interleaved file by file."""
    clock = _clock(cpu)
    for s in items:  # warm up: compile schemas, import rule packs, fill caches
        validate_bytes(s.data)
    saxon = _saxon(corpus, {sheet for s in items for sheet in s.stylesheets})
    variants: dict[str, Callable[[Sample], object]] = {
        "native": lambda s: validate_bytes(s.data, xsd=False),
        "native+xsd": lambda s: validate_bytes(s.data),
        "oracle packs+xsd": lambda s: validate_bytes(s.data, peppol=False),
        "xsd": lambda s: schema.validate_schema(parse_xml(s.data), s.syntax),
    }
    if saxon is not None:
        variants["saxon"], variants["saxon oracle"] = saxon
    best: dict[str, list[float]] = {name: [float("inf")] * len(items) for name in variants}
    first: dict[str, list[float]] = {name: [float("inf")] * len(items) for name in variants}
    names = list(variants)
    shuffle = random.Random(0).shuffle
    for _ in range(repeat):
        for i, s in enumerate(items):
            # Whatever runs right after Saxon finds the CPU caches filled with Saxon's data (and
            # Saxon after native with native's), so each variant first runs once untimed on the
            # file and is then timed ``runs`` times in a row: every side is measured warm, on the
            # same file, in the same moment of machine load. The order is shuffled per file so
            # that no variant always follows the same other one.
            shuffle(names)
            for name in names:
                fn = variants[name]
                fn(s)
                for run in range(runs):
                    t = clock()
                    fn(s)
                    elapsed = clock() - t
                    best[name][i] = min(best[name][i], elapsed)
                    if run == 0:
                        first[name][i] = min(first[name][i], elapsed)
    if saxon is not None:
        for table in (best, first):
            for name in ("saxon", "saxon oracle"):
                table[f"{name}+xsd"] = [a + b for a, b in zip(table[name], table["xsd"], strict=True)]
    return Timings(best, first)


def throughput(items: list[Sample], count: int) -> tuple[float, float]:
    """Seconds and invoices per second for ``validate_path`` over ``count`` files on one core."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(count):
            src = items[i % len(items)]
            (folder / f"{i:05d}_{src.path.name}").write_bytes(src.data)
        paths = sorted(folder.iterdir())
        t = time.perf_counter()
        for p in paths:
            validate_path(p)
        elapsed = time.perf_counter() - t
    return elapsed, count / elapsed


def reading(items: list[Sample], repeat: int) -> dict[str, float]:
    """Median milliseconds over files (each the best of ``repeat``) to read a file into the EN 16931
    model (``loader.load``: detect the syntax, parse, fill every business term), per syntax."""
    from belegwerk.einvoice.loader import load

    per_file: dict[str, list[float]] = {}
    for s in items:
        load(s.data)
        per_file.setdefault("CII" if s.syntax == "cii" else "UBL", []).append(_best(lambda s=s: load(s.data), repeat))
    return {family: _ms(times) for family, times in sorted(per_file.items())}


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def stage_times(sample: Sample, repeat: int) -> dict[str, float]:
    """Seconds per stage of ``validate_bytes`` for one file (best of ``repeat``)."""
    from belegwerk.rules.engine import RuleSet, document_session
    from belegwerk.rules.scan import document_scan
    from belegwerk.rules.scenarios import load_ruleset, select

    root = parse_xml(sample.data)
    selection = select(root)
    if selection is None:
        raise ValueError(f"{sample.path} is no invoice")
    out = {
        "parse": _best(lambda: parse_xml(sample.data), repeat),
        "scenario": _best(lambda: select(root), repeat),
        "xsd": _best(lambda: schema.validate_schema(root, selection.syntax), repeat),
    }

    def scanned() -> None:
        with document_session(root):
            document_scan(root)

    out["scan"] = _best(scanned, repeat)
    for module in selection.modules:
        pack = load_ruleset(module)

        def run(pack: RuleSet = pack) -> None:
            with document_session(root):
                document_scan(root)
                pack.evaluate(root)

        out[module] = max(0.0, _best(run, repeat) - out["scan"])
    out["validate_bytes"] = _best(lambda: validate_bytes(sample.data), repeat)
    return out


def report_stages(items: list[Sample], repeat: int) -> None:
    """Median microseconds per stage and group, and the stages of the smallest file."""
    for s in items:  # warm up
        validate_bytes(s.data)
    per_file = [stage_times(s, repeat) for s in items]
    groups = sorted({s.group for s in items})
    print(f"native stages, µs: median over the group's files of the best of {repeat} (packs without the scan)\n")
    for group in groups:
        rows = [t for s, t in zip(items, per_file, strict=True) if s.group == group]
        names = list(dict.fromkeys(k for t in rows for k in t))
        cells = ", ".join(f"{k} {statistics.median([t[k] for t in rows if k in t]) * 1e6:.0f}" for k in names)
        print(f"{group:<15} {len(rows):>3} files: {cells}")
    smallest = min(items, key=lambda s: len(s.data))
    cells = ", ".join(f"{k} {v * 1e6:.0f}" for k, v in stage_times(smallest, repeat).items())
    print(f"\nsmallest file ({smallest.path.name}, {len(smallest.data):,} bytes): {cells}")


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(items: list[Sample], measured: Timings) -> None:
    best = measured.best
    groups = sorted({s.group for s in items})
    rows = [(g, [i for i, s in enumerate(items) if s.group == g]) for g in groups]
    ubl = [i for i, s in enumerate(items) if s.syntax != "cii"]
    cii = [i for i, s in enumerate(items) if s.syntax == "cii"]
    rows += [("all UBL", ubl), ("all CII", cii), ("overall", list(range(len(items))))]
    has_saxon = "saxon" in best

    def med(key: str, idx: list[int]) -> float:
        return _ms([best[key][i] for i in idx])

    print("the same rules on both sides (Saxon also runs the official Peppol BIS schematron on Peppol files):")
    head = (
        f"{'group':<15} {'files':>5}  {'native':>7} {'saxon':>7} {'ratio':>6}   {'native':>7} {'saxon':>7} {'ratio':>6}"
    )
    print(f"{'':<22}{'--- without XSD ---':^23}   {'--- with XSD (lxml) ---':^23}")
    print(head)
    print("-" * len(head))
    for name, idx in rows:
        n0, n1 = med("native", idx), med("native+xsd", idx)
        if has_saxon:
            s0, s1 = med("saxon", idx), med("saxon+xsd", idx)
            print(
                f"{name:<15} {len(idx):>5}  {n0:>7.3f} {s0:>7.3f} {s0 / n0:>5.1f}x   {n1:>7.3f} {s1:>7.3f} {s1 / n1:>5.1f}x"
            )
        else:
            print(f"{name:<15} {len(idx):>5}  {n0:>7.3f} {'-':>7} {'-':>6}   {n1:>7.3f} {'-':>7} {'-':>6}")
    if not has_saxon:
        print("\nsaxonche is not installed: no comparison")
        return
    for title, native_key, saxon_key in (
        (
            "the oracle's packs on both sides (validate_bytes(peppol=False); Peppol files get EN 16931 only)",
            "oracle packs+xsd",
            "saxon oracle+xsd",
        ),
        (
            "native with the Peppol packs, Saxon without them (the comparison made before 2026-12-04)",
            "native+xsd",
            "saxon oracle+xsd",
        ),
    ):
        print(f"\n{title}, with XSD:")
        for name, idx in rows:
            n2, s2 = med(native_key, idx), med(saxon_key, idx)
            print(f"{name:<15} {len(idx):>5}  {n2:>7.3f} {s2:>7.3f} {s2 / n2:>5.1f}x")
    # Ratio of medians hides the spread; also show the median of the per-file ratios.
    per_file = [best["saxon+xsd"][i] / best["native+xsd"][i] for i in range(len(items))]
    print(
        f"\nper-file ratio, same rules, with XSD: median {statistics.median(per_file):.1f}x,"
        f" lowest {min(per_file):.1f}x"
    )
    first = measured.first
    n0, s0 = _ms(first["native"]), _ms(first["saxon"])
    n1, s1 = _ms(first["native+xsd"]), _ms(first["saxon+xsd"])
    print(
        "first timed run only (right after the untimed run that follows another variant), same rules, overall:"
        f"\n  without XSD {n0:.3f} / {s0:.3f} ms = {s0 / n0:.1f}x, with XSD {n1:.3f} / {s1:.3f} ms = {s1 / n1:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("BELEGWERK_CORPUS", "../shared/corpus")))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5, help="timed runs in a row per variant, file and round")
    parser.add_argument("--throughput", type=int, default=1000)
    parser.add_argument("--cpu", action="store_true", help="CPU time of the process instead of wall clock")
    parser.add_argument("--src", type=Path, help="import belegwerk from this source tree (default: src/)")
    parser.add_argument("--stages", action="store_true", help="where the native time goes, per stage and group")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    corpus: Path = args.corpus.resolve()
    os.environ.setdefault("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))
    items = samples(corpus)
    if not items:
        sys.exit(f"no sample files under {corpus}")
    if args.stages:
        print(f"rule packs: {native.status().describe()}")
        report_stages(items, args.repeat)
        return
    measured = timings(corpus, items, args.repeat, args.cpu, args.runs)
    clock = "CPU time" if args.cpu else "wall clock"
    print(f"rule packs: {native.status().describe()}")
    print(
        f"{len(items)} files, ms per file: median over files of the best of {args.repeat} rounds"
        f" x {args.runs} runs in a row ({clock}),"
    )
    print(
        "native = validate_bytes (its scenario's packs), saxon = Saxon parse + official rules (see below); compile excluded\n"
    )
    report(items, measured)
    read = reading(items, args.repeat)
    print(
        "\nreading into the EN 16931 model (loader.load, no validation), median per file: "
        + ", ".join(f"{family} {ms:.3f} ms" for family, ms in read.items())
    )
    if args.throughput:
        elapsed, rate = throughput(items, args.throughput)
        print(
            f"\nthroughput, one core, {args.throughput} files via validate_path (full validation): "
            f"{elapsed:.2f} s, {rate:,.0f} invoices/s"
        )


if __name__ == "__main__":
    main()
