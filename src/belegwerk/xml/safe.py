"""Hardened XML parsing.

Every XML Belegwerk reads comes from outside (mail, upload, network), so parsing must never
resolve entities, load a DTD or touch the network, and must refuse inputs built to exhaust
memory. Instead of trusting parser flags alone we reject any document type declaration up
front: no legitimate e-invoice or e-document carries one, and a DOCTYPE is how XXE and
entity-expansion ("billion laughs") attacks get in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from lxml import etree

#: Default upper bound for one XML document. E-invoices with embedded attachments rarely
#: exceed a few MB; 100 MB leaves ample room while bounding memory.
MAX_XML_BYTES: Final = 100 * 1024 * 1024


class UnreadableXML(ValueError):
    """The bytes are not a well-formed, safe XML document. ``reason`` says why, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Kinds of ``<!`` markup found by :func:`_bang_markup` (bit flags).
DTD: Final = 1
CDATA: Final = 2
COMMENT: Final = 4


def _bang_markup(data: bytes) -> int:
    """Which ``<!`` markup occurs in ``data``: ``<!DOCTYPE`` or ``<!ENTITY`` (any case; the scan
    stops there, the document is refused), ``<![`` (CDATA) and ``<!-`` (comments).

    Looks only where a ``!`` occurs: a one-byte ``find`` runs at memchr speed, a search for the
    two bytes ``<!`` compares byte by byte (about 1 ns per byte, as long as the rest of parsing
    for a file with a large embedded attachment). ``!`` is rare in invoices outside comments and
    CDATA sections, and base64 never contains it.
    """
    found = 0
    find = data.find
    at = find(b"!", 1)
    while at != -1:
        if data[at - 1] == 0x3C:  # "<!"
            kind = data[at + 1 : at + 2]
            if kind == b"-":
                found |= COMMENT
            elif kind == b"[":
                found |= CDATA
            elif kind in b"DdEe":
                word = data[at + 1 : at + 8].upper()
                if word == b"DOCTYPE" or word[:6] == b"ENTITY":
                    return found | DTD
        at = find(b"!", at + 1)
    return found


#: How an XML declaration starts after ``<?`` (it is no processing instruction).
_DECLARATION_STARTS: Final = (b"xml ", b"xml\t", b"xml\n", b"xml\r")


def _has_processing_instruction(data: bytes) -> bool:
    """Whether a processing instruction (``<?`` other than the XML declaration, which starts at
    0, or at 3 after a UTF-8 byte order mark) occurs; memchr speed, as in :func:`_bang_markup`."""
    find = data.find
    at = find(b"?", 1)
    while at != -1:
        if data[at - 1] == 0x3C and not (at in (1, 4) and data[at + 1 : at + 5] in _DECLARATION_STARTS):
            return True
        at = find(b"?", at + 1)
    return False


class _Parsers(threading.local):
    """Hardened parsers per thread: lxml parsers are reusable but not thread-safe."""

    parser: etree.XMLParser | None = None
    lean: etree.XMLParser | None = None


_PARSERS = _Parsers()


def _parser() -> etree.XMLParser:
    parser = _PARSERS.parser
    if parser is None:
        parser = _PARSERS.parser = _new_parser(remove_blank_text=False)
    return parser


def _lean_parser() -> etree.XMLParser:
    parser = _PARSERS.lean
    if parser is None:
        parser = _PARSERS.lean = _new_parser(remove_blank_text=True)
    return parser


def _new_parser(*, remove_blank_text: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
        remove_blank_text=remove_blank_text,
    )


def parse_xml(
    data: bytes,
    *,
    max_bytes: int = MAX_XML_BYTES,
    drop_blank_text: bool = False,
    markup_check: Callable[[etree._Element], bool] | None = None,
) -> etree._Element:
    """Parse ``data`` into an element tree, or raise :class:`UnreadableXML` with a clear reason.

    The caller keeps the original bytes; this function only decides whether they are readable.

    ``drop_blank_text=True`` leaves out the whitespace-only text between elements (the
    indentation), for readers that never look at it, such as the rule packs: a typical invoice
    has about as many such text nodes as elements, and not building them makes parsing, the
    schema check and freeing the tree cheaper. Text *values* stay exactly as written: libxml2
    keeps a whitespace-only value (``<cbc:Note> </cbc:Note>``) and whitespace beside other
    text. Its rule would also drop whitespace that belongs to a value next to a comment or
    processing instruction inside the value, before a CDATA section, or before a carriage
    return (libxml2 hands text on in runs that end at one): a document with a CDATA section or
    a carriage return (CRLF line ends), or in an encoding that is not ASCII-compatible (where
    the byte searches for such markup would be blind), keeps all its text; a lean tree with a
    comment or processing instruction inside a value (``markup_check``, default
    :func:`markup_in_value`) is parsed again with all text kept.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_xml expects bytes")
    size = len(data)
    if size == 0:
        raise UnreadableXML("the file is empty")
    if size > max_bytes:
        raise UnreadableXML(
            f"the file is {size / 1_048_576:.1f} MB, larger than the {max_bytes / 1_048_576:.0f} MB limit for XML"
        )
    raw = bytes(data)  # the same object when ``data`` is bytes already
    head = raw[:4096].lstrip()
    if head[:1] not in (b"<", b"\xef", b"\xff", b"\xfe", b"\x00"):
        raise UnreadableXML("the file is not XML (it does not start with '<')")
    # A DOCTYPE can only appear in the prolog, but entity declarations hide in internal subsets;
    # searching the whole buffer for both is cheap and closes the door completely.
    markup = _bang_markup(raw)
    if markup & DTD:
        raise UnreadableXML(
            "the XML contains a document type declaration (DOCTYPE/ENTITY); "
            "these are refused because they can be used for entity-expansion or external-entity attacks"
        )
    if drop_blank_text and not markup & CDATA and b"\r" not in raw and _ascii_compatible(head):
        root = _parse(raw, _lean_parser())
        if not (markup & COMMENT or _has_processing_instruction(raw)) or not (markup_check or markup_in_value)(root):
            return root
    return _parse(raw, _parser())


def _parse(raw: bytes, parser: etree.XMLParser) -> etree._Element:
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableXML(f"the XML is not well-formed: {exc.msg}") from exc
    except (ValueError, LookupError) as exc:  # e.g. unknown or contradictory encoding declaration
        raise UnreadableXML(f"the XML cannot be decoded: {exc}") from exc
    if root is None:
        raise UnreadableXML("the XML has no root element")
    return root


def _ascii_compatible(head: bytes) -> bool:
    """Whether the document's encoding is ASCII-compatible, so that the byte searches for
    markup above see all of it (UTF-16 and UTF-32 are not)."""
    return (head[:1] == b"<" and head[1:2] != b"\x00") or head[:3] == b"\xef\xbb\xbf"


def markup_in_value(root: etree._Element) -> bool:
    """Whether ``root`` or an element below it holds a comment or processing instruction but
    no element child: a comment inside a value, next to which a lean parse may have dropped
    whitespace that belongs to the value.

    libxml2 drops a whitespace-only run when the next markup is a tag, comment or processing
    instruction and the run is the first content of its element or follows a child that is no
    text. Between child elements that is indentation; inside an element without element
    children (``<cbc:ID> <!-- x -->A</cbc:ID>``) it is part of the value. The siblings are
    looked at first: in the lean tree a comment between child elements is usually right next
    to one. (The compiled scanner has the same check in C, ``belegwerk.rules.scan``.)
    """
    for node in root.iter(etree.Comment, etree.ProcessingInstruction):
        if not (_element_sibling(node.getnext(), forward=True) or _element_sibling(node.getprevious(), forward=False)):
            return True
    return False


def _element_sibling(node: etree._Element | None, *, forward: bool) -> bool:
    """Whether ``node`` or a sibling after it (before it, if not ``forward``) is an element."""
    while node is not None:
        if isinstance(node.tag, str):
            return True
        node = node.getnext() if forward else node.getprevious()
    return False
