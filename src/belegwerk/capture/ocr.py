"""OCR with Tesseract, producing the same words-with-positions as a PDF text layer.

Tesseract runs as one subprocess per document (a list file names every page image), single-threaded
(``OMP_THREAD_LIMIT=1``: threads do not speed it up, and workers run one process per core), with a
timeout that grows with the page count. Pages are straightened before OCR: a coarse rotation (90/180/270)
from Tesseract's orientation detection when the first pass reads poorly, and a small-angle deskew from
the horizontal projection profile, computed with Pillow alone.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageOps

from belegwerk.capture.errors import CaptureError
from belegwerk.capture.model import PageText, Word
from belegwerk.capture.settings import CaptureSettings

TESSERACT = "tesseract"


class OcrFailed(CaptureError):
    """Tesseract could not read the pages (missing, crashed or timed out)."""


_NOISE = re.compile(r"[.,:;'’`´\"°^~_!|()\[\]{}<>]+|[a-zA-Z]")
"""Words that are only punctuation, or one lone letter: mostly specks and table rules read as text."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def prepare(image: Image.Image, settings: CaptureSettings) -> Image.Image:
    """Grey-scale, small-angle deskewed copy of a page image, ready for Tesseract."""
    img = ImageOps.exif_transpose(image) or image
    img = img.convert("L")
    if settings.deskew:
        angle = estimate_skew(img)
        if abs(angle) >= 0.3:
            img = img.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    return img


def estimate_skew(img: Image.Image, max_angle: float = 5.0, step: float = 0.5) -> float:
    """The rotation (degrees) that makes text lines most horizontal.

    Rotating a binarised thumbnail and measuring how "peaky" the row sums are (their variance) is the
    classic projection-profile method; lines of text give sharp peaks only when level.
    """
    small = img.copy()
    small.thumbnail((600, 600))
    bw = small.point(lambda p: 255 if p < 160 else 0)  # ink = white on black, so sums count ink

    def score(angle: float) -> float:
        rot = bw.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0)
        rows = list(rot.resize((1, rot.height), Image.Resampling.BOX).tobytes())
        mean = sum(rows) / len(rows)
        return sum((r - mean) ** 2 for r in rows)

    n = int(max_angle / step)
    coarse = [i * step for i in range(-n, n + 1)]
    best = max(coarse, key=lambda a: (score(a), -abs(a)))
    fine = [best + d * step / 4 for d in (-3, -2, -1, 0, 1, 2, 3)]
    return max(fine, key=lambda a: (score(a), -abs(a)))


def detect_rotation(img: Image.Image, settings: CaptureSettings) -> int:
    """Degrees (0/90/180/270) Tesseract's OSD says the page must be rotated clockwise to be upright."""
    with tempfile.TemporaryDirectory(prefix="bw-osd-") as tmp:
        path = Path(tmp) / "page.png"
        img.save(path)
        try:
            proc = subprocess.run(
                [TESSERACT, str(path), "stdout", "--psm", "0", "-l", "osd"],
                capture_output=True,
                timeout=settings.ocr_timeout_s,
                env=_env(),
                check=False,
            )
        except (subprocess.TimeoutExpired, OSError):
            return 0
    m = re.search(rb"Rotate:\s*(\d+)", proc.stdout)
    return int(m.group(1)) if m else 0


def ocr_images(
    images: Sequence[Image.Image], numbers: Sequence[int], dpi: int, settings: CaptureSettings, psm: int = 3
) -> list[PageText]:
    """OCR page images (already prepared) in one Tesseract process; positions converted to points."""
    if not images:
        return []
    scale = 72.0 / dpi
    with tempfile.TemporaryDirectory(prefix="bw-ocr-") as tmp:
        paths = []
        for i, img in enumerate(images):
            p = Path(tmp) / f"p{i:04d}.png"
            img.save(p)
            paths.append(str(p))
        listing = Path(tmp) / "pages.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        cmd = [
            TESSERACT,
            str(listing),
            "stdout",
            "-l",
            settings.ocr_languages,
            "--psm",
            str(psm),
            "--dpi",
            str(dpi),
            "tsv",
        ]
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                timeout=settings.ocr_timeout_s * len(images),
                env=_env(),
                check=False,
            )
        except FileNotFoundError as exc:
            raise OcrFailed("Tesseract is not installed; install tesseract-ocr with the deu and eng languages") from exc
        except subprocess.TimeoutExpired as exc:
            raise OcrFailed(
                f"OCR took longer than {settings.ocr_timeout_s:.0f} s per page and was stopped; "
                "the image may be too large or not a document"
            ) from exc
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed(f"Tesseract failed: {msg[-1] if msg else 'exit code ' + str(proc.returncode)}")
    pages = [
        PageText(number=n, width=img.width * scale, height=img.height * scale)
        for n, img in zip(numbers, images, strict=True)
    ]
    reader = csv.DictReader(io.StringIO(proc.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        if not text or _NOISE.fullmatch(text):
            continue
        idx = int(row["page_num"]) - 1
        if not 0 <= idx < len(pages):
            continue
        left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
        conf = max(0.0, min(1.0, float(row.get("conf") or 0) / 100.0))
        pages[idx].words.append(
            Word(
                text,
                pages[idx].number,
                (
                    round(left * scale, 2),
                    round(top * scale, 2),
                    round((left + width) * scale, 2),
                    round((top + height) * scale, 2),
                ),
                conf,
            )
        )
    return pages


def add_sparse_words(page: PageText, image: Image.Image, dpi: int, settings: CaptureSettings) -> int:
    """Re-read a page in sparse-text mode and add the words the first pass missed.

    Page segmentation sometimes drops or garbles a text block (a value inside a dotted frame, a stamp);
    Tesseract's "sparse text" mode finds such islands. A sparse word is added where the first pass read
    nothing or only low-confidence text (which it replaces). Returns how many words were added.
    """
    sparse = ocr_images([image], [page.number], dpi, settings, psm=11)[0]
    added = 0
    for w in sparse.words:
        if w.conf < 0.6:
            continue
        clash = [o for o in page.words if _overlaps(w.bbox, o.bbox)]
        if clash and max(o.conf for o in clash) >= 0.5:
            continue
        # what the first pass read there was unreliable: take the sparse reading instead
        page.words = [o for o in page.words if not any(o is c for c in clash)]
        page.words.append(w)
        added += 1
    return added


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def mean_conf(page: PageText) -> float:
    """Average word confidence of an OCR'd page (0 when nothing was read)."""
    if not page.words:
        return 0.0
    return sum(w.conf for w in page.words) / len(page.words)


def ocr_pages(
    images: Sequence[Image.Image], numbers: Sequence[int], dpi: int, settings: CaptureSettings
) -> list[PageText]:
    """Prepare, OCR, and re-OCR pages that read poorly after correcting their orientation."""
    prepared = [prepare(img, settings) for img in images]
    pages = ocr_images(prepared, numbers, dpi, settings)
    if not settings.osd:
        return pages
    redo: list[int] = []
    for i, page in enumerate(pages):
        if len(page.words) < 15 or mean_conf(page) < 0.6:
            rot = detect_rotation(prepared[i], settings)
            if rot:
                # OSD says rotate clockwise by ``rot``; PIL rotates counter-clockwise.
                prepared[i] = prepared[i].rotate(-rot, expand=True, fillcolor=255)
                redo.append(i)
    if redo:
        again = ocr_images([prepared[i] for i in redo], [numbers[i] for i in redo], dpi, settings)
        for i, page in zip(redo, again, strict=True):
            if mean_conf(page) * len(page.words) > mean_conf(pages[i]) * len(pages[i].words):
                pages[i] = page
    return pages
