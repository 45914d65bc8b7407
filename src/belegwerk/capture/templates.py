"""Optional user templates: for one vendor, fixed regular expressions or page areas per field.

The generic extractor needs no templates; a template is the escape hatch for a vendor whose layout it
keeps misreading. A template applies when *all* its keywords occur in the document text (and none of its
exclude keywords), and then its fields override the generic ones. Format (YAML)::

    issuer: Müller Bürotechnik GmbH
    keywords: ["Müller Bürotechnik", "DE123456789"]
    exclude_keywords: ["Gutschrift"]
    fields:
      BT-1: 'Beleg\\s*:\\s*(\\S+)'             # first group (or whole match) is the value
      BT-2: {regex: 'vom\\s+(\\d{2}\\.\\d{2}\\.\\d{4})', type: date}
      BT-112: {regex: 'Endsumme\\s+([\\d.,]+)', type: amount}
      BT-13: {area: [400, 120, 560, 140], page: 1}   # words inside this box (points, top-left origin)

Types: ``text`` (default), ``date``, ``amount``; fields named like amounts (BT-106..BT-115) default to
``amount`` and date terms (BT-2, BT-7, BT-9, BT-72..74) to ``date``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from belegwerk.capture.errors import CaptureError
from belegwerk.capture.model import CaptureResult, Field
from belegwerk.capture.parse import detect_month_first, detect_number_style, find_amounts, find_dates

_AMOUNT_KEYS = {f"BT-{n}" for n in range(106, 116)}
_DATE_KEYS = {"BT-2", "BT-7", "BT-9", "BT-72", "BT-73", "BT-74"}
TEMPLATE_CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How a template reads one field: a regex over the full text, or the words inside a page area."""

    key: str
    kind: str
    regex: re.Pattern[str] | None = None
    area: tuple[float, float, float, float] | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class Template:
    """A vendor template (see the module docstring for the YAML format)."""

    name: str
    issuer: str
    keywords: tuple[str, ...]
    exclude_keywords: tuple[str, ...] = ()
    rules: tuple[FieldRule, ...] = field(default_factory=tuple)

    def matches(self, text: str) -> bool:
        """All keywords present, no exclude keyword present (case-sensitive, like the vendor prints them)."""
        return all(k in text for k in self.keywords) and not any(k in text for k in self.exclude_keywords)


def _kind(key: str, spec: dict[str, Any]) -> str:
    kind = str(spec.get("type") or ("amount" if key in _AMOUNT_KEYS else "date" if key in _DATE_KEYS else "text"))
    if kind not in ("text", "date", "amount"):
        raise CaptureError(f"field {key}: type must be text, date or amount, not {kind!r}")
    return kind


def parse_template(data: dict[str, Any], name: str) -> Template:
    """A template from its parsed YAML mapping; raises :class:`CaptureError` saying what is wrong."""
    if not isinstance(data, dict):
        raise CaptureError(f"template {name}: expected a mapping at the top level")
    keywords = data.get("keywords")
    if isinstance(keywords, str):
        keywords = [keywords]
    if not keywords or not all(isinstance(k, str) for k in keywords):
        raise CaptureError(f"template {name}: 'keywords' must list at least one text")
    rules = []
    for key, spec in (data.get("fields") or {}).items():
        if isinstance(spec, str):
            spec = {"regex": spec}
        if not isinstance(spec, dict):
            raise CaptureError(f"template {name}: field {key} must be a regex or a mapping")
        regex = None
        if "regex" in spec:
            try:
                regex = re.compile(str(spec["regex"]), re.MULTILINE)
            except re.error as exc:
                raise CaptureError(f"template {name}: field {key} has an invalid regex: {exc}") from exc
        area = spec.get("area")
        if regex is None and area is None:
            raise CaptureError(f"template {name}: field {key} needs 'regex' or 'area'")
        if area is not None and (not isinstance(area, list) or len(area) != 4):
            raise CaptureError(f"template {name}: field {key} area must be [x0, y0, x1, y1] in points")
        box = tuple(float(a) for a in area) if area is not None else None
        rules.append(FieldRule(str(key), _kind(str(key), spec), regex, box, int(spec.get("page", 1))))  # type: ignore[arg-type]
    excludes = data.get("exclude_keywords") or []
    if isinstance(excludes, str):
        excludes = [excludes]
    return Template(name, str(data.get("issuer", name)), tuple(keywords), tuple(excludes), tuple(rules))


def load_templates(folder: Path) -> list[Template]:
    """Every ``*.yml``/``*.yaml`` template in ``folder``, sorted by file name."""
    out = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CaptureError(f"cannot read template {path.name}: {exc}") from exc
        out.append(parse_template(data, path.stem))
    return out


def apply_templates(result: CaptureResult, templates: list[Template]) -> Template | None:
    """Apply the first matching template to ``result``; returns it (or None when none matched)."""
    if result.text is None:
        return None
    pages_text = ["\n".join(_lines(p.words)) for p in result.text.pages]
    full = "\n".join(pages_text)
    for template in templates:
        if template.matches(full):
            _apply(result, template, full)
            result.warnings.append(f"vendor template {template.name!r} applied")
            return template
    return None


def _lines(words: list[Any]) -> list[str]:
    rows: dict[int, list[Any]] = {}
    for w in words:
        rows.setdefault(round((w.y0 + w.y1) / 2 / 4), []).append(w)
    return [" ".join(w.text for w in sorted(ws, key=lambda w: w.x0)) for _, ws in sorted(rows.items())]


def _convert(kind: str, raw: str, full: str) -> Any:
    if kind == "amount":
        found = list(find_amounts(raw, detect_number_style(full)))
        return found[-1].value if found else None
    if kind == "date":
        dates = list(find_dates(raw, detect_month_first(full)))
        return dates[0].value if dates else None
    return raw.strip() or None


def _apply(result: CaptureResult, template: Template, full: str) -> None:
    assert result.text is not None
    for rule in template.rules:
        raw: str | None = None
        page: int | None = None
        bbox = None
        if rule.regex is not None:
            m = rule.regex.search(full)
            if m:
                raw = m.group(1) if m.groups() else m.group(0)
        elif rule.area is not None and 1 <= rule.page <= len(result.text.pages):
            x0, y0, x1, y1 = rule.area
            inside = [
                w
                for w in result.text.pages[rule.page - 1].words
                if w.x0 >= x0 - 1 and w.x1 <= x1 + 1 and w.y0 >= y0 - 1 and w.y1 <= y1 + 1
            ]
            if inside:
                raw = " ".join(_lines(inside))
                page, bbox = rule.page, rule.area
        value = _convert(rule.kind, raw, full) if raw is not None else None
        if value is None:
            continue
        result.fields[rule.key] = Field(value, TEMPLATE_CONFIDENCE, page, bbox, [f"template {template.name}"])
    if "BT-27" not in {r.key for r in template.rules}:
        result.fields["BT-27"] = Field(template.issuer, TEMPLATE_CONFIDENCE, None, None, [f"template {template.name}"])
