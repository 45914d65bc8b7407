"""Compile an ISO Schematron schema (query binding ``xslt2``) into an XSLT 2.0 stylesheet that writes SVRL.

Some official rule packs are published as Schematron source only (the Peppol BIS Billing rules,
``PEPPOL-EN16931-UBL.sch`` / ``-CII.sch``); Saxon runs XSLT. This compiler turns such a schema
into the stylesheet shape the published XSLT packs have (the CEN EN 16931 and KoSIT XRechnung
stylesheets), so that :mod:`belegwerk.rules.official` can run them as a second opinion and the
benchmark can give Saxon the same rules our native packs check:

* one template mode per pattern, applied to the document node; within a pattern one template per
  rule, matching the rule's context, with priorities falling in document order (schematron's
  *first matching rule wins*); each template reports ``svrl:fired-rule``, binds the rule's
  ``let`` variables, checks its assertions and reports, and goes on with ``@*|*``;
* a failed ``assert`` (or a successful ``report``) becomes ``svrl:failed-assert`` (or
  ``svrl:successful-report``) with the rule's ``id``, ``flag``, ``test``, the node's location as a
  namespace-qualified full path, and the message (``sch:value-of`` and ``sch:name`` evaluated);
* schema- and pattern-level ``let`` become global variables, ``sch:ns`` namespace declarations, and the
  foreign XSLT at schema level (``xsl:function``, ``xsl:key``) is copied as it is.

Supported: what the official e-invoicing packs use. Abstract patterns and rules, ``extends``,
phases and ``sch:include`` are refused with :class:`SchematronError`, never silently skipped.
The schema is read with the hardened parser (no DTD, no entities, no network).
"""

from __future__ import annotations

import copy
from typing import Final

from lxml import etree

from belegwerk.xml.safe import UnreadableXML, parse_xml

SCH: Final = "http://purl.oclc.org/dsdl/schematron"
XSL: Final = "http://www.w3.org/1999/XSL/Transform"
SVRL: Final = "http://purl.oclc.org/dsdl/svrl"
_S: Final = f"{{{SCH}}}"
_X: Final = f"{{{XSL}}}"
_V: Final = f"{{{SVRL}}}"
#: Modes and names this compiler uses for itself (not valid as a schema's own names).
_PATH_MODE: Final = "belegwerk-location"
_RESERVED_PREFIXES: Final = {"xsl", "svrl"}


class SchematronError(ValueError):
    """The schema is not ISO Schematron this compiler can translate; the message says why."""


def compile_schematron(data: bytes) -> bytes:
    """The XSLT 2.0 stylesheet (UTF-8 bytes) for the Schematron schema ``data``."""
    try:
        schema = parse_xml(data)
    except UnreadableXML as exc:
        raise SchematronError(f"the schema cannot be read: {exc.reason}") from exc
    if schema.tag != f"{_S}schema":
        raise SchematronError(f"the root element is {schema.tag}, not an ISO Schematron sch:schema")
    binding = (schema.get("queryBinding") or "xslt").lower()
    if binding not in ("xslt2", "xslt3", "xpath2", "xpath3", "xslt", "xpath"):
        raise SchematronError(f"query binding {binding!r} is not supported (XSLT/XPath 1-3 are)")
    _refuse_unsupported(schema)
    namespaces = _namespaces(schema)
    sheet = etree.Element(f"{_X}stylesheet", nsmap={"xsl": XSL, "svrl": SVRL, **namespaces})
    sheet.set("version", "2.0")
    output = etree.SubElement(sheet, f"{_X}output")
    output.set("method", "xml")
    output.set("indent", "no")
    for child in schema:
        if isinstance(child.tag, str) and child.tag.startswith(_X):
            sheet.append(copy.deepcopy(child))
    patterns = schema.findall(f"{_S}pattern")
    # schema-level and pattern-level lets: global variables (a pattern's rules all see its lets,
    # and XSLT has no scope per mode), so their names must be unique
    names: set[str] = set()
    for let in [*schema.findall(f"{_S}let"), *(let for p in patterns for let in p.findall(f"{_S}let"))]:
        if let.get("name") in names:
            raise SchematronError(f"the variable {let.get('name')!r} is declared twice at schema or pattern level")
        names.add(let.get("name") or "")
        _variable(sheet, let)
    _location_templates(sheet)
    _root_template(sheet, schema, patterns, namespaces)
    for number, pattern in enumerate(patterns, 1):
        _pattern_templates(sheet, pattern, f"M{number}")
    return etree.tostring(sheet, xml_declaration=True, encoding="UTF-8")


def _refuse_unsupported(schema: etree._Element) -> None:
    if schema.find(f".//{_S}include") is not None or schema.find(f".//{_S}extends") is not None:
        raise SchematronError("sch:include and sch:extends are not supported; give the schema with inclusions resolved")
    for el in schema.iter(f"{_S}pattern", f"{_S}rule"):
        if el.get("abstract") == "true" or el.get("is-a"):
            raise SchematronError("abstract patterns and rules are not supported; give the schema expanded")


def _namespaces(schema: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for ns in schema.findall(f"{_S}ns"):
        prefix, uri = ns.get("prefix"), ns.get("uri")
        if not prefix or uri is None:
            raise SchematronError("an sch:ns element needs a prefix and a uri")
        if prefix in _RESERVED_PREFIXES:
            raise SchematronError(f"the prefix {prefix!r} is reserved for the compiled stylesheet")
        found[prefix] = uri
    return found


def _variable(parent: etree._Element, let: etree._Element) -> None:
    """``sch:let`` as ``xsl:variable``: the ``value`` expression, or the let's content."""
    name = let.get("name")
    if not name:
        raise SchematronError("an sch:let needs a name")
    variable = etree.SubElement(parent, f"{_X}variable")
    variable.set("name", name)
    value = let.get("value")
    if value is not None:
        variable.set("select", value)
        return
    variable.text = let.text
    for child in let:
        variable.append(copy.deepcopy(child))


def _location_templates(sheet: etree._Element) -> None:
    """A mode that writes the full path of a node, every step namespace-qualified and indexed:
    ``/*:Invoice[namespace-uri()='…'][1]/*:ID[namespace-uri()='…'][1]`` (attributes as ``@name``)."""
    _path_step(
        sheet,
        "*",
        "if (namespace-uri() = '') then concat('/', name())"
        " else concat('/*:', local-name(), '[namespace-uri()=''', namespace-uri(), ''']')",
        "concat('[', 1 + count(preceding-sibling::*[local-name() = local-name(current())"
        " and namespace-uri() = namespace-uri(current())]), ']')",
    )
    _path_step(
        sheet,
        "@*",
        "if (namespace-uri() = '') then concat('/@', name())"
        " else concat('/@*[local-name()=''', local-name(), ''' and namespace-uri()=''', namespace-uri(), ''']')",
    )
    etree.SubElement(sheet, f"{_X}template", match="/", mode=_PATH_MODE)


def _path_step(sheet: etree._Element, match: str, *selects: str) -> None:
    """A template of the location mode: the parent's path, then this node's step."""
    template = etree.SubElement(sheet, f"{_X}template", match=match, mode=_PATH_MODE)
    etree.SubElement(template, f"{_X}apply-templates", select="parent::*", mode=_PATH_MODE)
    for select in selects:
        etree.SubElement(template, f"{_X}value-of", select=select)


def _root_template(
    sheet: etree._Element, schema: etree._Element, patterns: list[etree._Element], namespaces: dict[str, str]
) -> None:
    template = etree.SubElement(sheet, f"{_X}template", match="/")
    output = etree.SubElement(template, f"{_V}schematron-output")
    title = schema.find(f"{_S}title")
    output.set("title", "" if title is None else " ".join(_text(title).split()))
    output.set("schemaVersion", schema.get("schemaVersion") or "")
    for prefix, uri in namespaces.items():
        etree.SubElement(output, f"{_V}ns-prefix-in-attribute-values", prefix=prefix, uri=uri)
    for number, pattern in enumerate(patterns, 1):
        active = etree.SubElement(output, f"{_V}active-pattern")
        for attr in ("id", "name"):
            if pattern.get("id"):
                active.set(attr, pattern.get("id") or "")
        etree.SubElement(output, f"{_X}apply-templates", select="/", mode=f"M{number}")


def _pattern_templates(sheet: etree._Element, pattern: etree._Element, mode: str) -> None:
    rules = pattern.findall(f"{_S}rule")
    for index, rule in enumerate(rules):
        context = rule.get("context")
        if not context:
            raise SchematronError("an sch:rule needs a context")
        template = etree.SubElement(sheet, f"{_X}template", match=context, mode=mode)
        template.set("priority", str(1000 + len(rules) - index))
        fired = etree.SubElement(template, f"{_V}fired-rule", context=context)
        if rule.get("id"):
            fired.set("id", rule.get("id") or "")
        for child in rule:
            if child.tag == f"{_S}let":
                _variable(template, child)
        for child in rule:
            if child.tag in (f"{_S}assert", f"{_S}report"):
                _check(template, child, rule)
        etree.SubElement(template, f"{_X}apply-templates", select="@*|*", mode=mode)
    etree.SubElement(sheet, f"{_X}template", match="text()", mode=mode, priority="-1")
    rest = etree.SubElement(sheet, f"{_X}template", match="@*|node()", mode=mode, priority="-2")
    etree.SubElement(rest, f"{_X}apply-templates", select="@*|*", mode=mode)


def _check(template: etree._Element, check: etree._Element, rule: etree._Element) -> None:
    """An assertion fails when its test is false, a report fires when its test is true."""
    test = check.get("test")
    if not test:
        raise SchematronError("an sch:assert or sch:report needs a test")
    is_assert = check.tag == f"{_S}assert"
    if is_assert:
        choose = etree.SubElement(template, f"{_X}choose")
        etree.SubElement(choose, f"{_X}when", test=test)
        body = etree.SubElement(choose, f"{_X}otherwise")
    else:
        body = etree.SubElement(template, f"{_X}if", test=test)
    result = etree.SubElement(body, f"{_V}failed-assert" if is_assert else f"{_V}successful-report", test=test)
    for attr in ("id", "flag", "role"):
        value = check.get(attr) or (rule.get(attr) if attr != "id" else None)
        if value:
            result.set(attr, value)
    location = etree.SubElement(result, f"{_X}attribute", name="location")
    etree.SubElement(location, f"{_X}apply-templates", select=check.get("subject") or ".", mode=_PATH_MODE)
    text = etree.SubElement(result, f"{_V}text")
    _message(text, check)


def _message(target: etree._Element, check: etree._Element) -> None:
    """The assertion's text with ``sch:value-of`` and ``sch:name`` evaluated, other markup as text."""
    target.text = check.text
    last: etree._Element | None = None
    for child in check:
        if child.tag == f"{_S}value-of":
            last = etree.SubElement(target, f"{_X}value-of", select=child.get("select") or ".")
        elif child.tag == f"{_S}name":
            last = etree.SubElement(target, f"{_X}value-of", select=f"name({child.get('path') or '.'})")
        else:
            last = etree.SubElement(target, f"{_X}text")
            last.text = _text(child)
        last.tail = child.tail


def _text(el: etree._Element) -> str:
    """The element's text content (lxml's ``itertext`` yields ``str`` for parsed documents)."""
    return "".join(str(t) for t in el.itertext())
