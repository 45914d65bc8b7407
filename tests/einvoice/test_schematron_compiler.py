"""The Schematron-to-XSLT compiler: schematron semantics in the stylesheet Saxon runs, and clear refusals."""

from __future__ import annotations

from typing import Any

import pytest

from belegwerk.rules.official import parse_svrl
from belegwerk.rules.schematron import SchematronError, compile_schematron

pytestmark = pytest.mark.einvoice

_SCHEMA = b"""<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <title>Test rules</title>
  <ns prefix="i" uri="urn:test:invoice"/>
  <ns prefix="u" uri="urn:test:utils"/>
  <ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>
  <let name="currency" value="/i:Invoice/i:Currency"/>
  <function xmlns="http://www.w3.org/1999/XSL/Transform" name="u:cents" as="xs:integer">
    <param name="amount" as="xs:decimal"/>
    <sequence select="xs:integer($amount * 100)"/>
  </function>
  <pattern id="lines">
    <let name="limit" value="1000"/>
    <rule context="i:Line[@kind = 'special']">
      <assert id="T-1" flag="warning" test="false()">Special line <value-of select="i:Id"/> seen.</assert>
    </rule>
    <rule context="i:Line">
      <let name="amount" value="xs:decimal(i:Amount)"/>
      <assert id="T-2" flag="fatal" test="u:cents($amount) mod 5 = 0">Line <value-of select="i:Id"/>: <name/> amount not in steps of 0.05 <emph>cents</emph>.</assert>
      <assert id="T-3" flag="fatal" test="$amount &lt; $limit">Line amount below <value-of select="$limit"/>.</assert>
      <report id="T-4" flag="information" test="$currency = 'CHF'">Swiss francs.</report>
    </rule>
  </pattern>
  <pattern>
    <rule context="i:Line" flag="fatal">
      <assert id="T-5" test="i:Id">A line has an id.</assert>
    </rule>
    <rule context="@kind">
      <assert id="T-6" flag="warning" test=". = ('plain', 'special')">Known kind.</assert>
    </rule>
  </pattern>
</schema>"""

_DOC = """<Invoice xmlns="urn:test:invoice">
  <Currency>CHF</Currency>
  <Line kind="plain"><Id>1</Id><Amount>10.05</Amount></Line>
  <Line kind="special"><Id>2</Id><Amount>10.01</Amount></Line>
  <Line kind="odd"><Amount>2000.01</Amount></Line>
</Invoice>"""


@pytest.fixture(scope="module")
def processor() -> Any:
    saxonche = pytest.importorskip("saxonche")
    return saxonche.PySaxonProcessor(license=False)


def _run(processor: Any, schema: bytes, document: str) -> list[tuple[str, str, str, str]]:
    xslt = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=compile_schematron(schema).decode())
    svrl = xslt.transform_to_string(xdm_node=processor.parse_xml(xml_text=document))
    return [(f.rule_id, str(f.severity), f.location, f.message) for f in parse_svrl(svrl.encode(), "t")]


def test_compiled_rules_follow_schematron_semantics(processor: Any) -> None:
    found = _run(processor, _SCHEMA, _DOC)
    ns = "[namespace-uri()='urn:test:invoice']"
    line = [f"/*:Invoice{ns}[1]/*:Line{ns}[{n}]" for n in (1, 2, 3)]
    assert found == [
        # pattern "lines": the special line is taken by the first rule only (first match wins)
        ("T-4", "information", line[0], "Swiss francs."),
        ("T-1", "warning", line[1], "Special line 2 seen."),
        ("T-2", "fatal", line[2], "Line : Line amount not in steps of 0.05 cents."),
        ("T-3", "fatal", line[2], "Line amount below 1000."),
        ("T-4", "information", line[2], "Swiss francs."),
        # second pattern: every line, and attributes reached through @*
        ("T-5", "fatal", line[2], "A line has an id."),
        ("T-6", "warning", f"{line[2]}/@kind", "Known kind."),
    ]


def test_report_flag_and_rule_flag_are_kept(processor: Any) -> None:
    svrl_flags = {rule_id: severity for rule_id, severity, _, _ in _run(processor, _SCHEMA, _DOC)}
    assert svrl_flags["T-5"] == "fatal"  # flag inherited from the rule
    assert svrl_flags["T-1"] == "warning"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (b"<schema/>", "not an ISO Schematron"),
        (
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="exslt"><pattern/></schema>',
            "query binding",
        ),
        (
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><include href="x.sch"/></schema>',
            "sch:include",
        ),
        (
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern abstract="true" id="a"/></schema>',
            "abstract",
        ),
        (
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><ns prefix="xsl" uri="urn:x"/></schema>',
            "reserved",
        ),
        (
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule><assert test="1"/></rule>'
            b"</pattern></schema>",
            "needs a context",
        ),
        (
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron"><let name="a" value="1"/>'
            b'<pattern><let name="a" value="2"/></pattern></schema>',
            "declared twice",
        ),
        (
            b'<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<schema xmlns="http://purl.oclc.org/dsdl/schematron">&x;</schema>',
            "cannot be read",
        ),
    ],
)
def test_unsupported_schemas_are_refused_clearly(schema: bytes, message: str) -> None:
    with pytest.raises(SchematronError, match=message):
        compile_schematron(schema)
