"""Small, fast helpers for walking and building the e-invoice XML trees.

Readers use precompiled paths (tuples of Clark names) walked with ``iterchildren(tag)``, which
runs in C and needs no ElementPath compilation per call; this keeps reading a typical invoice far
below a millisecond. Writers append elements in schema order and skip absent values, so the
output never contains empty elements that the schemas would reject.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from belegwerk.domain.money import InvalidAmount, format_decimal, parse_decimal
from belegwerk.xml.ns import NSMAP

Path = tuple[str, ...]


class InvoiceReadError(ValueError):
    """The XML is a well-formed invoice document, but a value in it cannot be understood."""


def clark(name: str) -> str:
    """``"cbc:ID"`` → ``"{urn:…CommonBasicComponents-2}ID"``."""
    prefix, _, local = name.partition(":")
    return f"{{{NSMAP[prefix]}}}{local}"


def path(spec: str) -> Path:
    """Compile ``"cac:Party/cbc:ID"`` once into a tuple of Clark names."""
    return tuple(clark(step) for step in spec.split("/"))


_ChildMap = dict[Any, list[etree._Element]]
_CHILD_MAPS: ContextVar[dict[etree._Element, _ChildMap] | None] = ContextVar("_CHILD_MAPS", default=None)
_NONE: Final[list[etree._Element]] = []


@contextmanager
def child_index() -> Iterator[None]:
    """Within this block, index each element's children by tag on first look.

    A reader asks the same element for many different children; one pass over the children
    that builds a tag → elements map makes every further look-up a dict access.
    """
    token = _CHILD_MAPS.set({})
    try:
        yield
    finally:
        _CHILD_MAPS.reset(token)


def _index(node: etree._Element, maps: dict[etree._Element, _ChildMap] | None) -> _ChildMap:
    index: _ChildMap = {}
    for child in node:
        found = index.get(child.tag)
        if found is None:
            index[child.tag] = [child]
        else:
            found.append(child)
    if maps is not None:
        maps[node] = index
    return index


def _children(node: etree._Element, tag: str) -> list[etree._Element]:
    maps = _CHILD_MAPS.get()
    index = maps.get(node) if maps is not None else None
    if index is None:
        index = _index(node, maps)
    return index.get(tag, _NONE)


def first(node: etree._Element | None, steps: Path) -> etree._Element | None:
    """The first element reached by following ``steps`` (first match at every step)."""
    maps = _CHILD_MAPS.get()
    for step in steps:
        if node is None:
            return None
        index = maps.get(node) if maps is not None else None
        if index is None:
            index = _index(node, maps)
        children = index.get(step)
        node = children[0] if children else None
    return node


def every(node: etree._Element | None, steps: Path) -> Iterator[etree._Element]:
    """All elements reached by ``steps`` (every match at every step), in document order."""
    if node is None:
        return
    if len(steps) == 1:
        yield from _children(node, steps[0])
        return
    for child in _children(node, steps[0]):
        yield from every(child, steps[1:])


def text(node: etree._Element | None, steps: Path = ()) -> str | None:
    """Trimmed text of the element at ``steps``; ``None`` when absent, ``""`` when empty."""
    found = first(node, steps) if steps else node
    if found is None:
        return None
    value = found.text
    return value.strip() if value else ""


def attr(node: etree._Element | None, steps: Path, name: str) -> str | None:
    """Attribute ``name`` of the element at ``steps``."""
    found = first(node, steps) if steps else node
    if found is None:
        return None
    value = found.get(name)
    return value.strip() if value is not None else None


def where(node: etree._Element | None) -> str:
    """A readable location for error messages."""
    if node is None:
        return "?"
    return str(node.getroottree().getpath(node))


def decimal_at(node: etree._Element | None, steps: Path = ()) -> Decimal | None:
    """The element's text as a Decimal, or ``None`` when absent or empty."""
    found = first(node, steps) if steps else node
    raw = text(found)
    if not raw:
        return None
    try:
        return parse_decimal(raw)
    except InvalidAmount as exc:
        raise InvoiceReadError(f"{where(found)}: {exc}") from exc


def iso_date(node: etree._Element | None, steps: Path = ()) -> date | None:
    """An ``xs:date`` text (``YYYY-MM-DD``, optional time-zone suffix ignored) as a date."""
    found = first(node, steps) if steps else node
    raw = text(found)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise InvoiceReadError(f"{where(found)}: not a date: {raw!r}") from exc


def compact_date(node: etree._Element | None, steps: Path = ()) -> date | None:
    """A UN/CEFACT date of format 102 (``YYYYMMDD``) as a date."""
    found = first(node, steps) if steps else node
    raw = text(found)
    if not raw:
        return None
    try:
        if len(raw) == 8 and raw.isdigit():
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise InvoiceReadError(f"{where(found)}: not a date: {raw!r}") from exc


# ------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------


def sub(parent: etree._Element, tag: str, value: str | None = None, /, **attributes: str | None) -> etree._Element:
    """Append element ``tag`` (prefixed, e.g. ``"cbc:ID"``) with optional text and attributes."""
    element = etree.SubElement(parent, clark(tag))
    if value is not None:
        element.text = value
    for key, attr_value in attributes.items():
        if attr_value is not None:
            element.set(key, attr_value)
    return element


def opt(parent: etree._Element, tag: str, value: str | None, /, **attributes: str | None) -> etree._Element | None:
    """Append ``tag`` only when ``value`` is present."""
    if value is None:
        return None
    return sub(parent, tag, value, **attributes)


def root_element(tag: str, nsmap: dict[str | None, str]) -> etree._Element:
    """A new root element; ``nsmap`` may map ``None`` to the default namespace."""
    return etree.Element(tag, nsmap=nsmap)  # type: ignore[arg-type]


def dec(value: Decimal | None) -> str | None:
    """Decimal → text, keeping its scale."""
    return None if value is None else format_decimal(value)


def iso(value: date | None) -> str | None:
    """Date → ``YYYY-MM-DD``."""
    return None if value is None else value.isoformat()


def compact(value: date | None) -> str | None:
    """Date → ``YYYYMMDD`` (format 102)."""
    return None if value is None else value.strftime("%Y%m%d")


def serialize(root: etree._Element) -> bytes:
    """UTF-8 XML with declaration, indented for people who open the file."""
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
