"""Words with positions from the text layer of a PDF (pypdfium2).

PDFium gives characters with boxes; we group them into words ourselves because layout PDFs often place
table cells next to each other without a space character, and a gap wider than a fraction of the font
height is as good a word break as a space.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pypdfium2 as pdfium

from belegwerk.capture.model import PageText, Word

_BREAK_CHARS = frozenset(" \t\r\n\u00a0\ufffe\x02")


#: PDFium (behind pypdfium2) is not thread-safe, and the worker analyses documents on several threads:
#: every use of it in this process goes through this lock.
PDFIUM_LOCK = threading.RLock()


def page_words(page: pdfium.PdfPage, number: int) -> PageText:
    """All words on one page, top-left origin, in reading order of the text layer."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        words = list(_words(textpage, number, height))
    finally:
        textpage.close()
    return PageText(number=number, width=width, height=height, words=words)


def page_char_count(page: pdfium.PdfPage) -> int:
    """How many non-blank characters the page's text layer holds (0 for a pure scan)."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        if n <= 0:
            return 0
        return sum(1 for c in textpage.get_text_range(0, n) if not c.isspace())
    finally:
        textpage.close()


def _words(textpage: pdfium.PdfTextPage, number: int, page_height: float) -> Iterator[Word]:
    count = textpage.count_chars()
    if count <= 0:
        return
    text = textpage.get_text_range(0, count)
    # get_text_range may drop or add generated characters; fall back to per-char reads on mismatch.
    per_char = len(text) != count
    chars: list[tuple[str, float, float, float, float]] = []

    def flush() -> Word | None:
        if not chars:
            return None
        s = "".join(c[0] for c in chars)
        x0 = min(c[1] for c in chars)
        y0 = min(c[2] for c in chars)
        x1 = max(c[3] for c in chars)
        y1 = max(c[4] for c in chars)
        chars.clear()
        return Word(s, number, (round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)))

    for i in range(count):
        ch = textpage.get_text_range(i, 1) if per_char else text[i]
        if not ch or ch in _BREAK_CHARS:
            w = flush()
            if w:
                yield w
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        y0, y1 = page_height - top, page_height - bottom
        if chars:
            prev = chars[-1]
            h = max(prev[4] - prev[2], y1 - y0, 1.0)
            same_line = abs((prev[2] + prev[4]) / 2 - (y0 + y1) / 2) < h * 0.6
            gap = left - prev[3]
            if not same_line or gap > h * 0.45 or gap < -h * 2:
                w = flush()
                if w:
                    yield w
        chars.append((ch, left, y0, right, y1))
    w = flush()
    if w:
        yield w
