"""Capture benchmark: throughput, OCR time per page on one core, peak memory, field accuracy tables.

Run from the repository root::

    PYTHONPATH=src BELEGWERK_CORPUS=/path/to/corpus python benchmarks/capture.py [--text 40] [--scans 12]

Text-PDF throughput is measured in-process (pages/s); OCR runs Tesseract single-threaded
(``OMP_THREAD_LIMIT=1``), so "s/page" is the cost on one core. Peak memory is the maximum resident set
of this process and of its children (Tesseract), from ``resource.getrusage``. Accuracy tables cover the
generated test sets and, when ``BELEGWERK_CORPUS`` is set, the invoice2data comparison set.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

from belegwerk.capture.evaluate import AccuracyTable, generated_truth, invoice2data_truth
from belegwerk.capture.pipeline import capture_bytes, capture_file
from belegwerk.capture.testdata import LAYOUTS, ScanOptions, generate_invoice, generate_set, scanned_image, scanned_pdf

SCAN_VARIANTS = [
    ("pdf", ScanOptions(dpi=200, rotation=0.8, noise=0.3)),
    ("PNG", ScanOptions(dpi=200, rotation=-1.2, noise=0.5)),
    ("JPEG", ScanOptions(dpi=200, rotation=0.4, blur=True)),
    ("TIFF", ScanOptions(dpi=300, noise=0.2)),
    ("pdf", ScanOptions(dpi=200, quarter_turns=1, noise=0.2)),
    ("pdf", ScanOptions(dpi=150, rotation=2.0, noise=0.4)),
]


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def bench_text(count: int) -> tuple[AccuracyTable, dict[str, float]]:
    invoices = generate_set(count)
    table = AccuracyTable()
    pages = 0
    start = time.perf_counter()
    for inv in invoices:
        result = capture_bytes(inv.pdf)
        pages += result.pages
        table.add(inv.name, generated_truth(inv.truth), result)
    elapsed = time.perf_counter() - start
    return table, {"documents": count, "pages": pages, "seconds": elapsed, "pages_per_s": pages / elapsed}


def bench_scans(count: int) -> tuple[AccuracyTable, dict[str, float]]:
    table = AccuracyTable()
    single = [layout for layout in LAYOUTS if layout != "multipage"]
    pages = 0
    elapsed = 0.0
    for i in range(count):
        inv = generate_invoice(100 + i, single[i % len(single)])
        fmt, options = SCAN_VARIANTS[i % len(SCAN_VARIANTS)]
        options.seed = i
        data = scanned_pdf(inv.pdf, options) if fmt == "pdf" else scanned_image(inv.pdf, options, fmt)
        start = time.perf_counter()
        result = capture_bytes(data)
        elapsed += time.perf_counter() - start
        pages += result.pages
        table.add(f"{inv.name}/{fmt}", generated_truth(inv.truth), result)
    return table, {"documents": count, "pages": pages, "seconds": elapsed, "s_per_page": elapsed / max(pages, 1)}


def bench_tesseract(pages: int = 3, dpi: int = 200) -> float:
    """Seconds per page for Tesseract alone (one process, one thread) on clean 200 dpi renders."""
    from belegwerk.capture.ocr import ocr_images
    from belegwerk.capture.settings import DEFAULT_SETTINGS
    from belegwerk.capture.testdata import scan_images

    images = [scan_images(generate_invoice(200 + i, "din").pdf, ScanOptions(dpi=dpi))[0] for i in range(pages)]
    start = time.perf_counter()
    ocr_images(images, list(range(1, pages + 1)), dpi, DEFAULT_SETTINGS)
    return (time.perf_counter() - start) / pages


def bench_invoice2data(corpus: Path) -> AccuracyTable:
    table = AccuracyTable()
    folder = corpus / "invoice2data" / "compare"
    for expected in sorted(folder.glob("*.json")):
        truth = json.loads(expected.read_text(encoding="utf-8"))[0]
        for suffix in (".pdf", ".png"):
            doc = expected.with_suffix(suffix)
            if doc.exists():
                table.add(doc.name, invoice2data_truth(truth), capture_file(doc))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--text", type=int, default=40, help="generated text PDFs to capture")
    parser.add_argument("--scans", type=int, default=12, help="generated scan pages to OCR")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    text_table, text_stats = bench_text(args.text)
    print(
        f"text PDFs: {text_stats['documents']} documents, {text_stats['pages']} pages in "
        f"{text_stats['seconds']:.1f} s = {text_stats['pages_per_s']:.1f} pages/s"
    )
    scan_table, scan_stats = bench_scans(args.scans)
    print(
        f"scans (OCR, one core): {scan_stats['pages']} pages in {scan_stats['seconds']:.1f} s = "
        f"{scan_stats['s_per_page']:.2f} s/page"
    )
    print(f"Tesseract alone (one process, OMP_THREAD_LIMIT=1, 200 dpi): {bench_tesseract():.2f} s/page")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    own, children = _peak_mb()
    print(f"peak memory: {own:.0f} MB (this process), {children:.0f} MB (largest child: Tesseract/OCRmyPDF)")
    print()
    print(text_table.render(f"generated text PDFs ({args.text})"))
    print()
    print(scan_table.render(f"generated scans ({args.scans} pages)"))
    corpus = os.environ.get("BELEGWERK_CORPUS")
    if corpus:
        print()
        table = bench_invoice2data(Path(corpus))
        print(table.render("invoice2data compare set (11 PDF + 4 PNG)"))
        for miss in table.misses:
            print("  miss:", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
