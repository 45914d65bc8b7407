"""Words grouped into lines and phrases ("segments"), the units field extraction reasons about.

A segment is a run of words on one line with no wide gap: a label ("Rechnungsnr."), a value ("30064443")
or both ("Invoice No: 4711"). Column gaps split segments, so a label and its value in the next column are
two segments side by side, and a value printed under its column header is the segment below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from belegwerk.capture.model import BBox, PageText, Word


@dataclass(slots=True)
class Segment:
    """Words of one line without a column gap between them."""

    words: list[Word]
    line_index: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return (
            min(w.x0 for w in self.words),
            min(w.y0 for w in self.words),
            max(w.x1 for w in self.words),
            max(w.y1 for w in self.words),
        )

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def conf(self) -> float:
        return min(w.conf for w in self.words)

    @property
    def height(self) -> float:
        b = self.bbox
        return b[3] - b[1]


@dataclass(slots=True)
class Line:
    """Words sharing a baseline, left to right, split into segments."""

    words: list[Word]
    segments: list[Segment] = field(default_factory=list)
    index: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)


@dataclass(slots=True)
class PageLayout:
    """The lines of one page, top to bottom."""

    number: int
    width: float
    height: float
    lines: list[Line]


def build_layout(page: PageText, gap_factor: float = 1.4) -> PageLayout:
    """Group a page's words into lines (by vertical overlap) and segments (by horizontal gaps)."""
    words = sorted(page.words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0))
    lines: list[list[Word]] = []
    for w in words:
        placed = False
        cy = (w.y0 + w.y1) / 2
        h = max(w.y1 - w.y0, 1.0)
        for ln in reversed(lines[-4:]):
            ly0 = min(x.y0 for x in ln)
            ly1 = max(x.y1 for x in ln)
            lh = max(ly1 - ly0, 1.0)
            lc = (ly0 + ly1) / 2
            if abs(cy - lc) < 0.5 * min(h, lh) + 0.5:
                ln.append(w)
                placed = True
                break
        if not placed:
            lines.append([w])
    result: list[Line] = []
    for i, ln in enumerate(lines):
        ln.sort(key=lambda w: w.x0)
        line = Line(words=ln, index=i)
        line.segments = _segments(ln, i, gap_factor)
        result.append(line)
    return PageLayout(page.number, page.width, page.height, result)


def _segments(words: list[Word], line_index: int, gap_factor: float) -> list[Segment]:
    segs: list[Segment] = []
    current: list[Word] = []
    for w in words:
        if current:
            prev = current[-1]
            h = max(min(prev.y1 - prev.y0, w.y1 - w.y0), 4.0)
            if w.x0 - prev.x1 > gap_factor * h:
                segs.append(Segment(current, line_index))
                current = []
        current.append(w)
    if current:
        segs.append(Segment(current, line_index))
    return segs


def segments_below(layout: PageLayout, seg: Segment, max_lines: int = 2) -> list[Segment]:
    """Segments on the next lines that overlap ``seg`` horizontally (values under a column header)."""
    x0, _, x1, y1 = seg.bbox
    out: list[Segment] = []
    seen_lines = 0
    for line in layout.lines[seg.line_index + 1 :]:
        if line.y0 - y1 > 4 * max(seg.height, 6.0) or seen_lines >= max_lines:
            break
        hits = [s for s in line.segments if s.bbox[0] <= x1 + 2 and s.bbox[2] >= x0 - 2]
        if hits:
            out.extend(hits)
            seen_lines += 1
    return out


def segments_right(layout: PageLayout, seg: Segment) -> list[Segment]:
    """Segments to the right of ``seg`` on the same line, nearest first."""
    line = layout.lines[seg.line_index]
    return [s for s in line.segments if s.bbox[0] >= seg.bbox[2] - 0.5 and s is not seg]
