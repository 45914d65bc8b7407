"""Label vocabularies (German, English, French, Dutch) that announce a field's value.

Each label is a regular expression matched at the *start* of a segment, with a weight saying how
specific it is: "Rechnungsnummer" leaves no doubt, a bare "Nr." does. Facts about invoice wording, kept as
data so adding a language means adding lines, not code.
"""

from __future__ import annotations

import re
from typing import Final

Label = tuple[re.Pattern[str], float]


def _labels(*items: tuple[str, float]) -> list[Label]:
    return [(re.compile(p, re.IGNORECASE), w) for p, w in items]


_SEP = r"\s*[:#.]?\s*"

INVOICE_NUMBER: Final = _labels(
    (r"rechnungs?[\s-]*(?:nummer|nr\.?|no\.?)" + _SEP, 1.0),
    (r"rechnung\s*(?:nr\.?|nummer|no\.?|#)" + _SEP, 1.0),
    (r"(?:beleg|dokument)[\s-]*(?:nummer|nr\.?)" + _SEP, 0.7),
    (r"invoice\s*(?:number|no\.?|nr\.?|#|num\.?|id)" + _SEP, 1.0),
    (r"inv\.?\s*(?:no\.?|#)" + _SEP, 0.9),
    (r"(?:facture|avoir)\s*(?:n°|no\.?|nº|numéro|num\.?)" + _SEP, 1.0),
    (r"(?:n°|numéro)\s*de\s*facture" + _SEP, 1.0),
    (r"factuur\s*(?:nummer|nr\.?)" + _SEP, 1.0),
    (r"(?:bill|receipt)\s*(?:number|no\.?|#)" + _SEP, 0.8),
    (r"(?:tax\s+)?invoice\s+(?=\S*\d)", 0.6),
    (r"rechnung\s+(?=\S*\d)", 0.6),
    (r"factuur$", 0.6),
    (r"#\s*", 0.5),
    (r"(?:no|nr)\.?\s*[:#]\s*", 0.4),
    (r"booking\s*id" + _SEP, 0.4),
)

INVOICE_DATE: Final = _labels(
    (r"rechnungs[\s-]*datum" + _SEP, 1.0),
    (r"(?:beleg|ausstellungs)datum" + _SEP, 0.9),
    (r"datum\s+der\s+rechnung" + _SEP, 1.0),
    (r"invoice\s*date" + _SEP, 1.0),
    (r"(?:date\s+of\s+invoice|issue\s+date|date\s+of\s+issue)" + _SEP, 1.0),
    (r"date\s+de\s+(?:la\s+)?facture?" + _SEP, 1.0),
    (r"factuur\s*datum" + _SEP, 1.0),
    (r"datum" + _SEP, 0.6),
    (r"date" + _SEP, 0.6),
    (r"dated" + _SEP, 0.6),
)

DUE_DATE: Final = _labels(
    (r"fällig(?:keit(?:sdatum)?)?(?:\s+(?:am|bis|zum))?" + _SEP, 0.9),
    (r"zahlbar\s+(?:bis|zum)(?:\s+spätestens)?" + _SEP, 0.9),
    (r"(?:payment\s+)?due\s*date" + _SEP, 1.0),
    (r"due\s+(?:on|by)" + _SEP, 0.8),
    (r"date\s+limite\s+de\s+paiement(?:\s+le)?" + _SEP, 1.0),
    (r"(?:date\s+d')?échéance" + _SEP, 0.9),
    (r"vervaldatum" + _SEP, 1.0),
)

DELIVERY_DATE: Final = _labels(
    (r"(?:liefer|leistungs)[\s-]*(?:/\s*leistungs)?[\s-]*datum" + _SEP, 1.0),
    (r"leistungszeitpunkt" + _SEP, 1.0),
    (r"(?:delivery|service|supply)\s*date" + _SEP, 1.0),
    (r"date\s+of\s+(?:supply|service|delivery)" + _SEP, 1.0),
    (r"date\s+de\s+livraison" + _SEP, 1.0),
    (r"lever(?:ings)?datum" + _SEP, 1.0),
)

PERIOD: Final = _labels(
    (r"(?:leistungs|abrechnungs|liefer)[\s-]*zeitraum" + _SEP, 1.0),
    (r"(?:billing|service|invoicing)\s+period" + _SEP, 1.0),
    (r"(?:this\s+invoice\s+is\s+for\s+the\s+)?billing\s+period" + _SEP, 1.0),
    (r"période(?:\s+de\s+facturation)?" + _SEP, 0.9),
    (r"(?:zeitraum|periode|period)" + _SEP, 0.7),
)

ORDER_REFERENCE: Final = _labels(
    (r"(?:ihre\s+)?bestell(?:ungs)?[\s-]*(?:nummer|nr\.?|no\.?)" + _SEP, 1.0),
    (r"ihre\s+bestellung(?:\s+nr\.?)?" + _SEP, 0.9),
    (r"(?:po|p\.o\.)\s*(?:number|no\.?|nr\.?|#)?" + _SEP, 0.9),
    (r"purchase\s+order(?:\s+(?:number|no\.?))?" + _SEP, 1.0),
    (r"(?:your\s+)?order\s*(?:number|no\.?|id|#)" + _SEP, 0.8),
    (r"ordernummer" + _SEP, 0.8),
    (r"(?:bon\s+de\s+)?commande\s*(?:n°|no\.?)?" + _SEP, 0.7),
)

DESPATCH_REFERENCE: Final = _labels(
    (r"lieferschein[\s-]*(?:nummer|nr\.?|no\.?)?" + _SEP, 1.0),
    (r"(?:delivery\s+note|despatch\s+advice|dispatch\s+note)(?:\s+(?:number|no\.?))?" + _SEP, 1.0),
    (r"bon\s+de\s+livraison(?:\s+n°)?" + _SEP, 1.0),
    (r"pakbon(?:nummer)?" + _SEP, 1.0),
)

BUYER_REFERENCE: Final = _labels(
    (r"leitweg[\s-]*id" + _SEP, 1.0),
    (r"(?:buyer|customer)\s+reference" + _SEP, 1.0),
    (r"(?:ihr\s+zeichen|ihre\s+referenz|käuferreferenz)" + _SEP, 0.9),
    (r"(?:your\s+)?reference" + _SEP, 0.6),
)

BUYER_ID: Final = _labels(
    (r"kunden[\s-]*(?:nummer|nr\.?)" + _SEP, 1.0),
    (r"customer\s*(?:number|no\.?|id|#)" + _SEP, 1.0),
    (r"account\s+number" + _SEP, 0.6),
    (r"klant(?:nummer)?" + _SEP, 0.8),
    (r"(?:id\.?\s*client|n°\s*client)" + _SEP, 0.9),
)

PAYMENT_TERMS: Final = _labels(
    (r"zahlungs(?:bedingungen|ziel|konditionen)" + _SEP, 1.0),
    (r"payment\s+terms?" + _SEP, 1.0),
    (r"terms(?:\s+of\s+payment)?" + _SEP, 0.6),
    (r"conditions\s+de\s+(?:paiement|règlement)" + _SEP, 1.0),
    (r"betalingsvoorwaarden" + _SEP, 1.0),
)

CURRENCY: Final = _labels(
    (r"(?:währung|currency|devise|valuta)" + _SEP, 1.0),
)

GROSS: Final = _labels(
    (r"(?:gesamt|rechnungs|brutto|end|zahl)[\s-]*(?:betrag|summe)(?:\s+brutto)?" + _SEP, 1.0),
    (r"(?:summe|gesamt)\s+brutto" + _SEP, 1.0),
    (r"zu\s+zahlen(?:der\s+betrag)?" + _SEP, 1.0),
    (
        r"(?:grand\s+total|total\s+amount(?:\s+due)?|amount\s+due|balance\s+due|total\s+due|total\s+to\s+pay)" + _SEP,
        1.0,
    ),
    (r"total\s+(?:incl\.?|including|gross)" + _SEP, 1.0),
    (r"total\s+for\s+this\s+invoice" + _SEP, 1.0),
    (r"(?:total|montant)\s+ttc" + _SEP, 1.0),
    (r"(?:somme|net)\s+à\s+payer" + _SEP, 1.0),
    (r"(?:factuur\s*)?totaal(?:\s+incl\.?(?:\s+btw)?)?" + _SEP, 0.8),
    (r"te\s+betalen" + _SEP, 1.0),
    (r"(?:total|gesamt|summe)(?!\s*(?:net|excl|ht\b|exkl|ohne))" + _SEP, 0.7),
    (r"brutto" + _SEP, 0.6),
)

NET: Final = _labels(
    (r"(?:netto|waren)[\s-]*(?:betrag|summe|wert)" + _SEP, 1.0),
    (r"(?:summe|gesamt|total)\s+(?:netto|net|exkl\.?|ohne\s+mwst\.?)" + _SEP, 1.0),
    (r"zwischensumme" + _SEP, 0.8),
    (r"sub[\s-]?total" + _SEP, 0.8),
    (r"net\s+(?:amount|total|value)" + _SEP, 1.0),
    (r"total\s+(?:excl\.?|excluding|before\s+tax)(?:\s+(?:vat|tax))?" + _SEP, 1.0),
    (r"(?:total|montant)\s+ht" + _SEP, 1.0),
    (r"(?:exclusief|excl\.?)\s+btw" + _SEP, 1.0),
    (r"subtotaal" + _SEP, 0.6),
    (r"netto" + _SEP, 0.7),
)

VAT: Final = _labels(
    (
        r"(?:zzgl\.?\s+|inkl\.?\s+|plus\s+)?(?:\d{1,2}(?:[.,]\d{1,2})?\s*%\s*)?(?:mwst|mehrwertsteuer|umsatzsteuer|ust)(?![\s.-]*(?:id|nr))\.?",
        1.0,
    ),
    (r"(?:total\s+|plus\s+)?(?:vat|sales\s+tax|gst|tax)(?!\s*(?:id|no|number|reg))", 0.9),
    (r"(?:total\s+|montant\s+)?tva(?!\s*intra)", 1.0),
    (r"btw(?:\s+bedrag)?(?!\s*(?:nummer|nr|nl))", 0.9),
    (r"\d{1,2}(?:[.,]\d{1,2})?\s*%\s*(?:mwst|ust|vat|tax|tva|btw)", 1.0),
)

SELLER_NAME: Final = _labels(
    (r"(?:sold\s+by|service\s+provider|seller|supplier|vendor)" + _SEP, 0.9),
    (r"(?:verkäufer|lieferant|rechnungssteller|leistungserbringer)" + _SEP, 0.9),
    (r"(?:titulaire\s+du\s+compte|kontoinhaber|account\s+holder|begünstigter)" + _SEP, 0.7),
    (r"all\s+payments?\s+to\s+be\s+made\s+in\s+favou?r\s+of" + _SEP, 0.8),
)

BUYER_NAME: Final = _labels(
    (r"(?:bill(?:ed)?\s+to|invoice\s+to|sold\s+to|billing\s+address|customer)" + _SEP, 0.9),
    (r"(?:rechnungs(?:empfänger|adresse|anschrift)|kunde|auftraggeber)" + _SEP, 0.9),
    (r"(?:adresse\s+de\s+facturation|client|nom\s+de\s+l.abonné)" + _SEP, 0.8),
    (r"factuuradres" + _SEP, 0.9),
)

SELLER_VAT: Final = re.compile(
    r"(?:ust[\s.-]*id(?:[\s.-]*nr)?|umsatzsteuer[\s-]*id(?:entifikationsnummer)?|ust\.?\s*idnr|vat\s*(?:id|no|number|reg)"
    r"|tva\s*intra|n°\s*de\s*tva|btw[\s-]*(?:nummer|nr|id)?|mwst[\s.-]*nr|tax\s*id)",
    re.IGNORECASE,
)
BUYER_MARKER: Final = re.compile(
    r"(?:uw|ihre?|your|votre|buyer|customer|kunden|client|käufer|empfänger)[\s-]*(?:btw|ust|vat|tva|umsatzsteuer)",
    re.IGNORECASE,
)
TAX_NUMBER: Final = re.compile(r"(?:steuer[\s-]*(?:nummer|nr\.?)|st\.?[\s-]*nr\.?)\s*:?\s*", re.IGNORECASE)
IBAN_LABEL: Final = re.compile(r"iban", re.IGNORECASE)
ACCOUNT_LABEL: Final = _labels(
    (r"(?:bank\s+account|account\s+no\.?|kontonummer|konto[\s-]*nr\.?|kto[\s-]*nr\.?|rekeningnummer)" + _SEP, 0.6),
)

LEGAL_FORM: Final = re.compile(
    r"\b(?:GmbH(?:\s*&\s*Co\.?\s*KG)?|AG|KG|OHG|UG(?:\s*\(haftungsbeschränkt\))?|e\.\s?K\.|e\.V\.|GbR|mbH|SE|"
    r"Inc\.?|Ltd\.?|LLC|Limited|Corp\.?|PLC|B\.V\.|N\.V\.|SAS|SARL|S\.A\.R\.L\.|S\.A\.|SA|Pvt\.?\s*Ltd\.?|S\.r\.l\.|"
    r"S\.p\.A\.|Sp\.\s*z\s*o\.o\.|AB|A/S|ApS|Oy)(?=$|[\s,.;)])"
)
DOCUMENT_TITLE: Final = re.compile(
    r"^(?:rechnung|invoice|tax\s+invoice|factuur|facture|gutschrift|credit\s+note|receipt|quittung|"
    r"payment\s+receipt|retail\s+invoices?|kopie|copy|seite|page)\b",
    re.IGNORECASE,
)
