"""XML namespace URIs of the document syntaxes Belegwerk reads and writes.

One place for them, so readers, writers and rules agree on prefixes.
"""

from typing import Final

UBL_INVOICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UBL_CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_EXT: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
UBL_ORDER: Final = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
UBL_ORDER_RESPONSE: Final = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
UBL_ORDER_CHANGE: Final = "urn:oasis:names:specification:ubl:schema:xsd:OrderChange-2"
UBL_ORDER_CANCELLATION: Final = "urn:oasis:names:specification:ubl:schema:xsd:OrderCancellation-2"
UBL_APPLICATION_RESPONSE: Final = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
UBL_DESPATCH_ADVICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2"
UBL_CATALOGUE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"

CII_RSM: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CII_RAM: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CII_UDT: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
CII_QDT: Final = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"

XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"

#: Prefix map used in XPath expressions throughout the code base.
NSMAP: Final[dict[str, str]] = {
    "ubl": UBL_INVOICE,
    "cn": UBL_CREDIT_NOTE,
    "cac": UBL_CAC,
    "cbc": UBL_CBC,
    "ext": UBL_EXT,
    "rsm": CII_RSM,
    "ram": CII_RAM,
    "udt": CII_UDT,
    "qdt": CII_QDT,
    "xsi": XSI,
}
