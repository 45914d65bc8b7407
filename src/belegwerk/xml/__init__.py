"""Safe XML handling shared by every module that reads XML."""

from belegwerk.xml.safe import MAX_XML_BYTES, UnreadableXML, parse_xml

__all__ = ["MAX_XML_BYTES", "UnreadableXML", "parse_xml"]
