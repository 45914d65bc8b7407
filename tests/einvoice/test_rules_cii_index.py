"""The CII index's shared scan equals the definition the XRechnung and Peppol packs rely on."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from belegwerk.rules.en16931_cii_index import DocIndex
from belegwerk.rules.engine import SCAN_KEY, document_session, shared

pytestmark = pytest.mark.einvoice

_DOC = b"""<r xmlns="urn:x">
  <a/>
  <b>  </b>
  <c>text</c>
  <d><!-- first --><e/></d>
  <f><g/><!-- later --></f>
  <h><?pi x?></h>
  <i><!-- only --></i>
  <j><k>1</k><?pi y?><l/></j>
  <m>x<!-- after text --></m>
</r>"""


def _definition(root: Any) -> tuple[dict[str, list[Any]], list[Any]]:
    """Elements by tag, and leaves with only whitespace plus elements whose first child node
    is a comment or processing instruction — read with lxml, element by element."""
    by_tag: dict[str, list[Any]] = {}
    maybe_empty: list[Any] = []
    for e in root.iter(etree.Element):
        by_tag.setdefault(e.tag, []).append(e)
        if len(e) == 0:
            if not e.text or not e.text.strip(" \t\n\r"):
                maybe_empty.append(e)
        elif not isinstance(e[0].tag, str):
            maybe_empty.append(e)
    return by_tag, maybe_empty


def test_shared_scan_matches_the_definition() -> None:
    root = etree.fromstring(_DOC)
    with document_session(root):
        DocIndex(root)
        by_tag, maybe_empty = shared(root, SCAN_KEY)
    expected_tags, expected_empty = _definition(root)
    assert by_tag == expected_tags
    assert [e.tag.split("}")[1] for e in maybe_empty] == [e.tag.split("}")[1] for e in expected_empty]
    assert maybe_empty == expected_empty
