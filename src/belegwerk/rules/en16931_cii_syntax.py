
"""EN 16931 CII syntax rules (pattern "EN16931-CII-Syntax"): CII-SR-* and CII-DT-*.

Most of these ~580 rules say that an element or attribute the CII D16B schema allows is not
used by EN 16931 ("should not be present", usually a warning) or may occur only once. They are
written below as data: for each context, one line per rule ``ID SEVERITY KIND PATH`` where
KIND is ``-`` (path must be absent), ``<=1`` (at most once) or ``=1`` (exactly once). The few
rules with a real condition are Python functions (:data:`_CUSTOM`). Contexts appear in the
order of the official pattern, which matters: a node is checked only by the first context that
selects it (so ``ExchangedDocument/ram:TypeCode`` is covered by the general ``//ram:TypeCode``
context, and the three CII-DT rules specific to it can never fire, exactly as in the official
pack).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from belegwerk.rules.en16931_cii_index import (
    P,
    TableContext,
    absent_test,
    clark,
    count_test,
    doc,
    kids,
    select,
    string_value,
    xs_boolean,
)
from belegwerk.rules.engine import Context, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space

_TX: Final = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"

# fmt: off
_TABLE: Final[dict[str, str]] = {
    "//ram:SpecifiedTradeSettlementPaymentMeans": """
        SR-464 w - ram:PayerSpecifiedDebtorFinancialInstitution
    """,
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext": """
        SR-001 w - ram:SpecifiedTransactionID
        SR-002 w - ram:TestIndicator
        SR-003 w <=1 ram:BusinessProcessSpecifiedDocumentContextParameter
        SR-006 w - ram:BIMSpecifiedDocumentContextParameter
        SR-007 w - ram:ScenarioSpecifiedDocumentContextParameter
        SR-008 w - ram:ApplicationSpecifiedDocumentContextParameter
        SR-009 f =1 ram:GuidelineSpecifiedDocumentContextParameter
        SR-010 f =1 ram:GuidelineSpecifiedDocumentContextParameter/ram:ID
        SR-011 w - ram:SubsetSpecifiedDocumentContextParameter
        SR-012 w - ram:MessageStandardSpecifiedDocumentContextParameter
    """,
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument": """
        SR-013 w - ram:Name
        SR-014 f =1 ram:TypeCode
        SR-015 w - ram:IssueDateTime/udt:DateTime
        SR-016 w - ram:CopyIndicator
        SR-017 w - ram:Purpose
        SR-018 w - ram:ControlRequirementIndicator
        SR-019 w - ram:LanguageID
        SR-020 w - ram:PurposeCode
        SR-021 w - ram:RevisionDateTime
        SR-022 w - ram:VersionID
        SR-023 w - ram:GlobalID
        SR-024 w - ram:RevisionID
        SR-025 w - ram:PreviousRevisionID
        SR-026 w - ram:CategoryCode
        SR-027 w - ram:IncludedNote/ram:Subject
        SR-028 w - ram:IncludedNote/ram:ContentCode
        SR-032 w - ram:IncludedNote/ram:ID
        SR-033 w - ram:EffectiveSpecifiedPeriod
        SR-034 w - ram:IssuerTradeParty
    """,
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IncludedNote": """
        SR-030 w <=1 ram:Content
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem": """
        SR-035 w - ram:DescriptionCode
        SR-036 w - ram:ParentLineID
        SR-037 w - ram:LineStatusCode
        SR-038 w - ram:LineStatusReasonCode
        SR-221 w - ram:IncludedSubordinateTradeLineItem
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:AssociatedDocumentLineDocument": """
        SR-039 w <=1 ram:IncludedNote
        SR-040 w <=1 ram:IncludedNote/ram:Content
        SR-041 w - ram:IncludedNote/ram:SubjectCode
        SR-042 w - ram:IncludedNote/ram:ID
        SR-043 w - ram:IncludedNote/ram:Subject
        SR-044 w - ram:IncludedNote/ram:ContentCode
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct": """
        SR-045 w - ram:ID
        SR-048 w - ram:ManufacturerAssignedID
        SR-049 w - ram:TradeName
        SR-050 w - ram:TypeCode
        SR-051 w - ram:NetWeightMeasure
        SR-052 w - ram:GrossWeightMeasure
        SR-053 w - ram:ProductGroupID
        SR-054 w - ram:EndItemTypeCode
        SR-055 w - ram:EndItemName
        SR-056 w - ram:AreaDensityMeasure
        SR-057 w - ram:UseDescription
        SR-058 w - ram:BrandName
        SR-059 w - ram:SubBrandName
        SR-060 w - ram:DrainedNetWeightMeasure
        SR-061 w - ram:VariableMeasureIndicator
        SR-062 w - ram:ColourCode
        SR-063 w - ram:ColourDescription
        SR-064 w - ram:Designation
        SR-065 w - ram:FormattedCancellationAnnouncedLaunchDateTime
        SR-066 w - ram:FormattedLatestProductDataChangeDateTime
        SR-067 w - ram:ApplicableProductCharacteristic/ram:ID
        SR-068 w - ram:ApplicableProductCharacteristic/ram:TypeCode
        SR-070 w - ram:ApplicableProductCharacteristic/ram:ValueMeasure
        SR-071 w - ram:ApplicableProductCharacteristic/ram:MeasurementMethodCode
        SR-073 w - ram:ApplicableProductCharacteristic/ram:ValueCode
        SR-074 w - ram:ApplicableProductCharacteristic/ram:ValueDateTime
        SR-075 w - ram:ApplicableProductCharacteristic/ram:ValueIndicator
        SR-076 w - ram:ApplicableProductCharacteristic/ram:ContentTypeCode
        SR-077 w - ram:ApplicableProductCharacteristic/ram:ValueSpecifiedBinaryFile
        SR-078 w - ram:ApplicableProductCharacteristic/ram:ApplicableProductCharacteristicCondition
        SR-079 w - ram:ApplicableProductCharacteristic/ram:ApplicableReferencedStandard
        SR-080 w - ram:ApplicableMaterialGoodsCharacteristic
        SR-081 w - ram:DesignatedProductClassification/ram:SystemID
        SR-082 w - ram:DesignatedProductClassification/ram:SystemName
        SR-083 w - ram:DesignatedProductClassification/ram:ClassName
        SR-084 w - ram:DesignatedProductClassification/ram:SubClassCode
        SR-085 w - ram:DesignatedProductClassification/ram:ClassProductCharacteristic
        SR-086 w - ram:DesignatedProductClassification/ram:ApplicableReferencedStandard
        SR-087 w - ram:IndividualTradeProductInstance
        SR-088 w - ram:CertificationEvidenceReferenceReferencedDocument
        SR-089 w - ram:InspectionReferenceReferencedDocument
        SR-091 w - ram:OriginTradeCountry/ram:Name
        SR-092 w - ram:OriginTradeCountry/ram:SubordinateTradeCountrySubDivision
        SR-093 w - ram:LinearSpatialDimension
        SR-094 w - ram:MinimumLinearSpatialDimension
        SR-095 w - ram:MaximumLinearSpatialDimension
        SR-096 w - ram:ManufacturerTradeParty
        SR-097 w - ram:PresentationSpecifiedBinaryFile
        SR-098 w - ram:MSDSReferenceReferencedDocument
        SR-099 w - ram:AdditionalReferenceReferencedDocument
        SR-100 w - ram:LegalRightsOwnerTradeParty
        SR-101 w - ram:BrandOwnerTradeParty
        SR-102 w - ram:IncludedReferencedProduct
        SR-103 w - ram:InformationNote
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:ApplicableProductCharacteristic": """
        SR-069 f =1 ram:Description
        SR-072 f =1 ram:Value
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement": """
        SR-104 w - ram:BuyerReference
        SR-105 w - ram:BuyerRequisitionerTradeParty
        SR-106 w - ram:ApplicableTradeDeliveryTerms
        SR-107 w - ram:SellerOrderReferencedDocument
        SR-108 w - ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID
        SR-109 w - ram:QuotationReferencedDocument
        SR-110 w - ram:ContractReferencedDocument
        SR-111 w - ram:DemandForecastReferencedDocument
        SR-112 w - ram:PromotionalDealReferencedDocument
        SR-113 w - ram:AdditionalReferencedDocument
        SR-114 w - ram:GrossPriceProductTradePrice/ram:TypeCode
        SR-115 w - ram:GrossPriceProductTradePrice/ram:MinimumQuantity
        SR-116 w - ram:GrossPriceProductTradePrice/ram:MaximumQuantity
        SR-117 w - ram:GrossPriceProductTradePrice/ram:ChangeReason
        SR-118 w - ram:GrossPriceProductTradePrice/ram:OrderUnitConversionFactorNumeric
        SR-439 f =1 ram:NetPriceProductTradePrice/ram:ChargeAmount
        SR-120 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ID
        SR-121 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:SequenceNumeric
        SR-122 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:CalculationPercent
        SR-123 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:BasisAmount
        SR-124 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:BasisQuantity
        SR-125 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:PrepaidIndicator
        SR-126 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:UnitBasisAmount
        SR-127 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ReasonCode
        SR-128 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:Reason
        SR-129 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:TypeCode
        SR-130 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:CategoryTradeTax
        SR-131 w - ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualTradeCurrencyExchange
        SR-445 w - ram:GrossPriceProductTradePrice/ram:IncludedTradeTax
        SR-132 w - ram:GrossPriceProductTradePrice/ram:ValiditySpecifiedPeriod
        SR-133 w - ram:GrossPriceProductTradePrice/ram:DeliveryTradeLocation
        SR-134 w - ram:GrossPriceProductTradePrice/ram:TradeComparisonReferencePrice
        SR-135 w - ram:GrossPriceProductTradePrice/ram:AssociatedReferencedDocument
        SR-136 w - ram:NetPriceProductTradePrice/ram:TypeCode
        SR-138 w - ram:NetPriceProductTradePrice/ram:MinimumQuantity
        SR-139 w - ram:NetPriceProductTradePrice/ram:MaximumQuantity
        SR-140 w - ram:NetPriceProductTradePrice/ram:ChangeReason
        SR-141 w - ram:NetPriceProductTradePrice/ram:OrderUnitConversionFactorNumeric
        SR-142 w - ram:NetPriceProductTradePrice/ram:AppliedTradeAllowanceCharge
        SR-446 w - ram:NetPriceProductTradePrice/ram:IncludedTradeTax
        SR-143 w - ram:NetPriceProductTradePrice/ram:ValiditySpecifiedPeriod
        SR-144 w - ram:NetPriceProductTradePrice/ram:DeliveryTradeLocation
        SR-145 w - ram:NetPriceProductTradePrice/ram:TradeComparisonReferencePrice
        SR-146 w - ram:NetPriceProductTradePrice/ram:AssociatedReferencedDocument
        SR-441 f <=1 ram:NetPriceProductTradePrice/ram:ChargeAmount
        SR-147 w - ram:RequisitionerReferencedDocument
        SR-148 w - ram:ItemSellerTradeParty
        SR-149 w - ram:ItemBuyerTradeParty
        SR-150 w - ram:IncludedSpecifiedMarketplace
        SR-447 w - ram:UltimateCustomerOrderReferencedDocument
    """,
    "//ram:SpecifiedTradeAllowanceCharge": """
        SR-471 f <=1 ram:RateApplicablePercent
        SR-472 f <=1 ram:CategoryTradeTax
        SR-473 f <=1 ram:ActualAmount
    """,
    "//ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge": """
        SR-440 f <=1 ram:ActualAmount
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeDelivery": """
        SR-151 w - ram:RequestedQuantity
        SR-152 w - ram:ReceivedQuantity
        SR-153 w - ram:ChargeFreeQuantity
        SR-154 w - ram:PackageQuantity
        SR-155 w - ram:ProductUnitQuantity
        SR-156 w - ram:PerPackageUnitQuantity
        SR-157 w - ram:NetWeightMeasure
        SR-158 w - ram:GrossWeightMeasure
        SR-159 w - ram:TheoreticalWeightMeasure
        SR-160 w - ram:DespatchedQuantity
        SR-161 w - ram:SpecifiedDeliveryAdjustment
        SR-162 w - ram:IncludedSupplyChainPackaging
        SR-163 w - ram:RelatedSupplyChainConsignment
        SR-164 w - ram:ShipToTradeParty
        SR-165 w - ram:UltimateShipToTradeParty
        SR-166 w - ram:ShipFromTradeParty
        SR-167 w - ram:ActualDespatchSupplyChainEvent
        SR-168 w - ram:ActualPickUpSupplyChainEvent
        SR-169 w - ram:RequestedDeliverySupplyChainEvent
        SR-170 w - ram:ActualDeliverySupplyChainEvent
        SR-171 w - ram:ActualReceiptSupplyChainEvent
        SR-172 w - ram:AdditionalReferencedDocument
        SR-173 w - ram:DespatchAdviceReferencedDocument
        SR-174 w - ram:ReceivingAdviceReferencedDocument
        SR-175 w - ram:DeliveryNoteReferencedDocument
        SR-176 w - ram:ConsumptionReportReferencedDocument
        SR-177 w - ram:PackingListReferencedDocument
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement": """
        SR-178 w - ram:PaymentReference
        SR-179 w - ram:InvoiceIssuerReference
        SR-180 w - ram:TotalAdjustmentAmount
        SR-181 w - ram:DiscountIndicator
        SR-182 w - ram:ApplicableTradeTax/ram:CalculatedAmount
        SR-183 w - ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator/udt:IndicatorString
        SR-184 w - ram:SpecifiedTradeAllowanceCharge/ram:ID
        SR-185 w - ram:SpecifiedTradeAllowanceCharge/ram:SequenceNumeric
        SR-186 w - ram:SpecifiedTradeAllowanceCharge/ram:CalculationPercent/@format
        SR-187 w - ram:SpecifiedTradeAllowanceCharge/ram:BasisQuantity
        SR-188 w - ram:SpecifiedTradeAllowanceCharge/ram:PrepaidIndicator
        SR-189 w - ram:SpecifiedTradeAllowanceCharge/ram:UnitBasisAmount
        SR-190 w - ram:SpecifiedTradeAllowanceCharge/ram:TypeCode
        SR-191 w - ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax
        SR-192 w - ram:SpecifiedTradeAllowanceCharge/ram:ActualTradeCurrencyExchange
        SR-193 w - ram:SpecifiedTradeAllowanceCharge/ram:ID
        SR-194 w - ram:SubtotalCalculatedTradeTax
        SR-195 w - ram:SpecifiedLogisticsServiceCharge
        SR-196 w - ram:SpecifiedTradePaymentTerms
        SR-197 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:ChargeTotalAmount
        SR-198 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:AllowanceTotalAmount
        SR-199 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TaxBasisTotalAmount
        SR-200 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TaxTotalAmount
        SR-201 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:GrandTotalAmount
        SR-202 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:InformationAmount
        SR-203 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TotalAllowanceChargeAmount
        SR-204 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:TotalRetailValueInformationAmount
        SR-205 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:GrossLineTotalAmount
        SR-206 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:NetLineTotalAmount
        SR-207 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:NetIncludingTaxesLineTotalAmount
        SR-208 w - ram:SpecifiedTradeSettlementLineMonetarySummation/ram:ProductWeightLossInformationAmount
        SR-209 w - ram:SpecifiedFinancialAdjustment
        SR-210 w - ram:InvoiceReferencedDocument
        SR-212 w - ram:PayableSpecifiedTradeAccountingAccount
        SR-213 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:SetTriggerCode
        SR-214 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:TypeCode
        SR-215 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:AmountTypeCode
        SR-216 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:Name
        SR-217 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:CostReferenceDimensionPattern
        SR-218 w - ram:PurchaseSpecifiedTradeAccountingAccount
        SR-219 w - ram:SalesSpecifiedTradeAccountingAccount
        SR-220 w - ram:SpecifiedTradeSettlementFinancialCard
        SR-454 w =1 ram:ApplicableTradeTax
    """,
    "{TX}/ram:ApplicableHeaderTradeAgreement": """
        SR-442 w - ram:Reference
        SR-222 w - ram:SellerTradeParty/ram:RoleCode
        SR-223 w - ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:LegalClassificationCode
        SR-224 w - ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:Name
        SR-225 w - ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:PostalTradeAddress
        SR-226 w - ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:AuthorizedLegalRegistration
        SR-227 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:ID
        SR-228 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:TypeCode
        SR-229 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:JobTitle
        SR-230 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:Responsibility
        SR-231 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonID
        SR-232 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:URIID
        SR-233 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:ChannelCode
        SR-234 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:DirectTelephoneUniversalCommunication
        SR-235 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:MobileTelephoneUniversalCommunication
        SR-236 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:FaxUniversalCommunication
        SR-237 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:ChannelCode
        SR-238 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:CompleteNumber
        SR-239 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelexUniversalCommunication
        SR-240 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:VOIPUniversalCommunication
        SR-241 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:InstantMessagingUniversalCommunication
        SR-242 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:SpecifiedNote
        SR-243 w - ram:SellerTradeParty/ram:DefinedTradeContact/ram:SpecifiedContactPerson
        SR-244 w - ram:SellerTradeParty/ram:URIUniversalCommunication/ram:ChannelCode
        SR-245 w - ram:SellerTradeParty/ram:URIUniversalCommunication/ram:CompleteNumber
        SR-246 w - ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:AssociatedRegisteredTax
        SR-247 w - ram:SellerTradeParty/ram:EndPointURIUniversalCommunication
        SR-248 w - ram:SellerTradeParty/ram:LogoAssociatedSpecifiedBinaryFile
        SR-249 w - ram:BuyerTradeParty/ram:RoleCode
        SR-250 w - ram:BuyerTradeParty/ram:Description
        SR-251 w - ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:LegalClassificationCode
        SR-252 w - ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:Name
        SR-254 w - ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:PostalTradeAddress
        SR-255 w - ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:AuthorizedLegalRegistration
        SR-256 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:ID
        SR-257 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TypeCode
        SR-258 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:JobTitle
        SR-259 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:Responsibility
        SR-260 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:PersonID
        SR-261 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:URIID
        SR-262 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:ChannelCode
        SR-263 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:DirectTelephoneUniversalCommunication
        SR-264 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:MobileTelephoneUniversalCommunication
        SR-265 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:FaxUniversalCommunication
        SR-266 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:ChannelCode
        SR-267 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:CompleteNumber
        SR-268 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:TelexUniversalCommunication
        SR-269 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:VOIPUniversalCommunication
        SR-270 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:InstantMessagingUniversalCommunication
        SR-271 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:SpecifiedNote
        SR-272 w - ram:BuyerTradeParty/ram:DefinedTradeContact/ram:SpecifiedContactPerson
        SR-273 w - ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:ChannelCode
        SR-274 w - ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:CompleteNumber
        SR-275 w - ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:AssociatedRegisteredTax
        SR-276 w - ram:BuyerTradeParty/ram:EndPointURIUniversalCommunication
        SR-277 w - ram:BuyerTradeParty/ram:LogoAssociatedSpecifiedBinaryFile
        SR-278 w - ram:SalesAgentTradeParty
        SR-279 w - ram:BuyerRequisitionerTradeParty
        SR-280 w - ram:BuyerAssignedAccountantTradeParty
        SR-281 w - ram:SellerAssignedAccountantTradeParty
        SR-282 w - ram:SellerTaxRepresentativeTradeParty/ram:ID
        SR-283 w - ram:SellerTaxRepresentativeTradeParty/ram:GlobalID
        SR-284 w - ram:SellerTaxRepresentativeTradeParty/ram:RoleCode
        SR-285 w - ram:SellerTaxRepresentativeTradeParty/ram:Description
        SR-286 w - ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedLegalOrganization
        SR-287 w - ram:SellerTaxRepresentativeTradeParty/ram:DefinedTradeContact
        SR-288 w - ram:SellerTaxRepresentativeTradeParty/ram:URIUniversalCommunication
        SR-289 w - ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration/ram:AssociatedRegisteredTax
        SR-290 w - ram:SellerTaxRepresentativeTradeParty/ram:EndPointURIUniversalCommunication
        SR-291 w - ram:SellerTaxRepresentativeTradeParty/ram:LogoAssociatedSpecifiedBinaryFile
        SR-292 w - ram:ProductEndUserTradeParty
        SR-293 w - ram:ApplicableTradeDeliveryTerms
        SR-294 w - ram:SellerOrderReferencedDocument/ram:LineID
        SR-295 w - ram:BuyerOrderReferencedDocument/ram:LineID
        SR-296 w - ram:QuotationReferencedDocument
        SR-297 w - ram:OrderResponseReferencedDocument
        SR-298 w - ram:ContractReferencedDocument/ram:LineID
        SR-299 w - ram:DemandForecastReferencedDocument
        SR-300 w - ram:SupplyInstructionReferencedDocument
        SR-301 w - ram:PromotionalDealReferencedDocument
        SR-302 w - ram:PriceListReferencedDocument
        SR-303 w - ram:AdditionalReferencedDocument/ram:LineID
        SR-304 w - ram:RequisitionerReferencedDocument
        SR-305 w - ram:BuyerAgentTradeParty
        SR-306 w - ram:PurchaseConditionsReferencedDocument
        SR-307 w - ram:SpecifiedProcuringProject/ram:Description
        SR-448 w - ram:UltimateCustomerOrderReferencedDocument
        SR-455 f <=1 ram:SellerTradeParty/ram:DefinedTradeContact
        SR-456 f <=1 ram:BuyerTradeParty/ram:DefinedTradeContact
        SR-459 f <=1 ram:SellerTradeParty/ram:URIUniversalCommunication
        SR-460 f <=1 ram:BuyerTradeParty/ram:URIUniversalCommunication
    """,
    "{TX}/ram:ApplicableHeaderTradeDelivery": """
        SR-308 w - ram:RelatedSupplyChainConsignment
        SR-309 w - ram:ShipToTradeParty/ram:RoleCode
        SR-310 w - ram:ShipToTradeParty/ram:Description
        SR-311 w - ram:ShipToTradeParty/ram:SpecifiedLegalOrganization
        SR-312 w - ram:ShipToTradeParty/ram:DefinedTradeContact
        SR-313 w - ram:ShipToTradeParty/ram:URIUniversalCommunication
        SR-314 w - ram:ShipToTradeParty/ram:SpecifiedTaxRegistration
        SR-315 w - ram:ShipToTradeParty/ram:EndPointURIUniversalCommunication
        SR-316 w - ram:ShipToTradeParty/ram:LogoAssociatedSpecifiedBinaryFile
        SR-317 w - ram:UltimateShipToTradeParty
        SR-318 w - ram:ShipFromTradeParty
        SR-319 w - ram:ActualDespatchSupplyChainEvent
        SR-320 w - ram:ActualPickUpSupplyChainEvent
        SR-321 w - ram:ActualDeliverySupplyChainEvent/ram:ID
        SR-322 w - ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTime
        SR-323 w - ram:ActualDeliverySupplyChainEvent/ram:TypeCode
        SR-324 w - ram:ActualDeliverySupplyChainEvent/ram:Description
        SR-325 w - ram:ActualDeliverySupplyChainEvent/ram:DescriptionBinaryObject
        SR-326 w - ram:ActualDeliverySupplyChainEvent/ram:UnitQuantity
        SR-327 w - ram:ActualDeliverySupplyChainEvent/ram:LatestOccurrenceDateTime
        SR-328 w - ram:ActualDeliverySupplyChainEvent/ram:EarliestOccurrenceDateTime
        SR-329 w - ram:ActualDeliverySupplyChainEvent/ram:OccurrenceSpecifiedPeriod
        SR-330 w - ram:ActualDeliverySupplyChainEvent/ram:OccurrenceLogisticsLocation
        SR-331 w - ram:ActualReceiptSupplyChainEvent
        SR-332 w - ram:AdditionalReferencedDocument
        SR-333 w - ram:DespatchAdviceReferencedDocument/ram:LineID
        SR-334 w - ram:DespatchAdviceReferencedDocument/ram:LineID
        SR-335 w - ram:DeliveryNoteReferencedDocument
        SR-336 w - ram:ConsumptionReportReferencedDocument
        SR-337 w - ram:PreviousDeliverySupplyChainEvent
        SR-338 w - ram:PackingListReferencedDocument
    """,
    "{TX}/ram:ApplicableHeaderTradeSettlement": """
        SR-339 w - ram:DuePayableAmount
        SR-340 w - ram:CreditorReferenceTypeCode
        SR-341 w - ram:CreditorReferenceType
        SR-342 w - ram:CreditorReferenceIssuerID
        SR-344 w - ram:PaymentCurrencyCode
        SR-345 w - ram:InvoiceIssuerReference
        SR-346 w - ram:InvoiceDateTime
        SR-347 w - ram:NextInvoiceDateTime
        SR-348 w - ram:CreditReasonCode
        SR-349 w - ram:CreditReason
        SR-350 w - ram:InvoicerTradeParty
        SR-351 w - ram:InvoiceeTradeParty
        SR-352 w - ram:PayeeTradeParty/ram:RoleCode
        SR-353 w - ram:PayeeTradeParty/ram:Description
        SR-354 w - ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:LegalClassificationCode
        SR-355 w - ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:Name
        SR-356 w - ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:TradingBusinessName
        SR-357 w - ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:PostalTradeAddress
        SR-358 w - ram:PayeeTradeParty/ram:SpecifiedLegalOrganization/ram:AuthorizedLegalRegistration
        SR-359 w - ram:PayeeTradeParty/ram:DefinedTradeContact
        SR-360 w - ram:PayeeTradeParty/ram:PostalTradeAddress
        SR-361 w - ram:PayeeTradeParty/ram:URIUniversalCommunication
        SR-362 w - ram:PayeeTradeParty/ram:SpecifiedTaxRegistration
        SR-363 w - ram:PayeeTradeParty/ram:EndPointURIUniversalCommunication
        SR-364 w - ram:PayeeTradeParty/ram:LogoAssociatedSpecifiedBinaryFile
        SR-365 w - ram:PayerTradeParty
        SR-366 w - ram:TaxApplicableTradeCurrencyExchange
        SR-367 w - ram:InvoiceApplicableTradeCurrencyExchange
        SR-368 w - ram:PaymentApplicableTradeCurrencyExchange
        SR-369 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PaymentChannelCode
        SR-370 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:GuaranteeMethodCode
        SR-371 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PaymentMethodCode
        SR-443 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ID
        SR-372 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:MicrochipIndicator
        SR-373 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:TypeCode
        SR-375 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:ExpiryDate
        SR-376 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:VerificationNumeric
        SR-377 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:ValidFromDateTime
        SR-378 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:CreditLimitAmount
        SR-379 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:CreditAvailableAmount
        SR-380 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:InterestRatePercent
        SR-381 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:ApplicableTradeSettlementFinancialCard/ram:Description
        SR-382 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:AccountName
        SR-444 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:ProprietaryID
        SR-384 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerSpecifiedDebtorFinancialInstitution/ram:ClearingSystemName
        SR-385 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerSpecifiedDebtorFinancialInstitution/ram:Name
        SR-386 w - ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerSpecifiedDebtorFinancialInstitution/ram:LocationFinancialInstitutionAddress
        SR-388 w - ram:SpecifiedTradeAllowanceCharge/ram:ID
        SR-389 w - ram:SpecifiedTradeAllowanceCharge/ram:SequenceNumeric
        SR-390 w - ram:SpecifiedTradeAllowanceCharge/ram:BasisQuantity
        SR-391 w - ram:SpecifiedTradeAllowanceCharge/ram:PrepaidIndicator
        SR-392 w - ram:SpecifiedTradeAllowanceCharge/ram:UnitBasisAmount
        SR-393 w - ram:SpecifiedTradeAllowanceCharge/ram:TypeCode
        SR-394 w - ram:SpecifiedTradeAllowanceCharge/ram:ActualTradeCurrencyExchange
        SR-395 w - ram:SubtotalCalculatedTradeTax
        SR-396 w - ram:SpecifiedLogisticsServiceCharge
        SR-397 w - ram:SpecifiedTradePaymentTerms/ram:ID
        SR-398 w - ram:SpecifiedTradePaymentTerms/ram:FromEventCode
        SR-399 w - ram:SpecifiedTradePaymentTerms/ram:SettlementPeriodMeasure
        SR-400 w - ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTime
        SR-401 w - ram:SpecifiedTradePaymentTerms/ram:TypeCode
        SR-402 w - ram:SpecifiedTradePaymentTerms/ram:InstructionTypeCode
        SR-404 w - ram:SpecifiedTradePaymentTerms/ram:PartialPaymentPercent
        SR-405 w - ram:SpecifiedTradePaymentTerms/ram:PaymentMeansID
        SR-406 w - ram:SpecifiedTradePaymentTerms/ram:PartialPaymentAmount
        SR-407 w - ram:SpecifiedTradePaymentTerms/ram:ApplicableTradePaymentPenaltyTerms
        SR-408 w - ram:SpecifiedTradePaymentTerms/ram:ApplicableTradePaymentDiscountTerms
        SR-409 w - ram:SpecifiedTradePaymentTerms/ram:PayeeTradeParty
        SR-421 w - ram:SpecifiedFinancialAdjustment
        SR-422 w - ram:InvoiceReferencedDocument/ram:LineID
        SR-423 w - ram:ProFormaInvoiceReferencedDocument
        SR-424 w - ram:LetterOfCreditReferencedDocument
        SR-425 w - ram:FactoringAgreementReferencedDocument
        SR-426 w - ram:FactoringListReferencedDocument
        SR-427 w - ram:PayableSpecifiedTradeAccountingAccount
        SR-428 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:SetTriggerCode
        SR-429 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:TypeCode
        SR-430 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:AmountTypeCode
        SR-431 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:Name
        SR-432 w - ram:ReceivableSpecifiedTradeAccountingAccount/ram:CostReferenceDimensionPattern
        SR-433 w - ram:PurchaseSpecifiedTradeAccountingAccount
        SR-434 w - ram:SalesSpecifiedTradeAccountingAccount
        SR-435 w - ram:SpecifiedTradeSettlementFinancialCard
        SR-436 w - ram:SpecifiedAdvancePayment
        SR-437 w - ram:UltimatePayeeTradeParty
        SR-452 w <=1 ram:SpecifiedTradePaymentTerms
        SR-453 w <=1 ram:SpecifiedTradePaymentTerms/ram:Description
        SR-461 f <=1 ram:ApplicableTradeTax/ram:TaxPointDate
    """,
    "{TX}/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation": """
        SR-411 w - ram:InformationAmount
        SR-412 w - ram:TotalDiscountAmount
        SR-413 w - ram:TotalAllowanceChargeAmount
        SR-414 w - ram:RetailValueExcludingTaxInformationAmount
        SR-415 w - ram:TotalDepositFeeInformationAmount
        SR-416 w - ram:ProductValueExcludingTobaccoTaxInformationAmount
        SR-417 w - ram:TotalRetailValueInformationAmount
        SR-418 w - ram:GrossLineTotalAmount
        SR-419 w - ram:NetLineTotalAmount
        SR-420 w - ram:NetIncludingTaxesLineTotalAmount
        SR-477 f <=1 ram:LineTotalAmount
        SR-478 f <=1 ram:ChargeTotalAmount
        SR-479 f <=1 ram:AllowanceTotalAmount
        SR-480 f <=1 ram:TaxBasisTotalAmount
        SR-481 f <=1 ram:RoundingAmount
        SR-482 f <=1 ram:GrandTotalAmount
        SR-483 f <=1 ram:InformationAmount
        SR-484 f <=1 ram:TotalPrepaidAmount
        SR-485 f <=1 ram:TotalDiscountAmount
        SR-486 f <=1 ram:TotalAllowanceChargeAmount
        SR-487 f <=1 ram:DuePayableAmount
        SR-488 f <=1 ram:RetailValueExcludingTaxInformationAmount
        SR-489 f <=1 ram:TotalDepositFeeInformationAmount
        SR-490 f <=1 ram:ProductValueExcludingTobaccoTaxInformationAmount
        SR-491 f <=1 ram:TotalRetailValueInformationAmount
        SR-492 f <=1 ram:GrossLineTotalAmount
        SR-493 f <=1 ram:NetLineTotalAmount
        SR-494 f <=1 ram:NetIncludingTaxesLineTotalAmount
    """,
    "/rsm:CrossIndustryInvoice": """
        DT-013 f - @languageID
        DT-014 f - @languageLocaleID
        SR-438 w - ram:ValuationBreakdownStatement
    """,
    "//*:*DocumentContextParameter": """
        SR-04 w - ram:Value
        SR-05 w - ram:SpecifiedDocumentVersion
    """,
    "ids": """
        DT-001 f - @schemeName
        DT-002 f - @schemeAgencyName
        DT-003 f - @schemeDataURI
        DT-004 f - @schemeURI
        DT-005 f - @schemeID
        DT-006 f - @schemeAgencyID
        DT-007 f - @schemeVersionID
    """,
    "//ram:*ID": """
        DT-101 f - @schemeName
        DT-102 f - @schemeAgencyName
        DT-103 f - @schemeDataURI
        DT-104 f - @schemeURI
    """,
    "//ram:TypeCode": """
        DT-008 f - @name
        DT-009 f - @listURI
    """,
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode": """
        DT-010 f - @listID
        DT-011 f - @listAgencyID
        DT-012 f - @listVersionID
    """,
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode": """
        DT-045 w - @listID
        DT-046 w - @listAgencyID
        DT-047 w - @listVersionID
        DT-048 w - @listURI
    """,
    "//ram:*ReferencedDocument": """
        DT-016 f - ram:StatusCode
        DT-017 f - ram:CopyIndicator
        DT-019 f - ram:GlobalID
        DT-020 f - ram:RevisionID
        DT-023 f - ram:Information
        DT-025 f - ram:SectionName
        DT-026 f - ram:PreviousRevisionID
        DT-028 f - ram:EffectiveSpecifiedPeriod
        DT-029 f - ram:IssuerTradeParty
        DT-030 f - ram:AttachedSpecifiedBinaryFile
    """,
    "amounts": """
        DT-031 f - @currencyID
        DT-032 f - @currencyCodeListVersionID
    """,
    "//ram:*Quantity": """
        DT-034 f - @unitCodeListID
        DT-035 f - @unitCodeListAgencyID
        DT-036 f - @unitCodeListAgencyName
    """,
    "//ram:*TradeTax": """
        DT-038 w - ram:CalculatedRate
        DT-039 w - ram:CalculationSequenceNumeric
        DT-040 w - ram:BasisQuantity
        DT-042 w - ram:UnitBasisAmount
        DT-043 w - ram:LineTotalBasisAmount
        DT-044 w - ram:AllowanceChargeBasisAmount
        DT-049 w - ram:CurrencyCode
        DT-050 w - ram:Jurisdiction
        DT-051 w - ram:CustomsDutyIndicator
        DT-053 w - ram:TaxBasisAllowanceRate
        DT-055 w - ram:Type
        DT-056 w - ram:InformationAmount
        DT-057 w - ram:CategoryName
        DT-059 w - ram:RateApplicablePercent/@format
        DT-060 w - ram:SpecifiedTradeAccountingAccount
        DT-061 w - ram:ServiceSupplyTradeCountry
        DT-062 w - ram:BuyerRepayableTaxSpecifiedTradeAccountingAccount
        DT-063 w - ram:SellerPayableTaxSpecifiedTradeAccountingAccount
        DT-064 w - ram:SellerRefundableTaxSpecifiedTradeAccountingAccount
        DT-065 w - ram:BuyerDeductibleTaxSpecifiedTradeAccountingAccount
        DT-066 w - ram:BuyerNonDeductibleTaxSpecifiedTradeAccountingAccount
        DT-067 w - ram:PlaceApplicableTradeLocation
    """,
    "//ram:BillingSpecifiedPeriod": """
        DT-068 f - ram:StartDateTime/udt:DateTime
        DT-069 f - ram:DurationMeasure
        DT-070 f - ram:InclusiveIndicator
        DT-071 f - ram:Description
        DT-072 f - ram:EndDateTime/udt:DateTime
        DT-073 f - ram:CompleteDateTime
        DT-074 f - ram:OpenIndicator
        DT-075 f - ram:SeasonCode
        DT-076 f - ram:ID
        DT-077 f - ram:Name
        DT-078 f - ram:SequenceNumeric
        DT-079 f - ram:StartDateFlexibilityCode
        DT-080 f - ram:ContinuousIndicator
        DT-081 f - ram:PurposeCode
    """,
    "//ram:PostalTradeAddress": """
        DT-082 f - ram:ID
        DT-083 f - ram:PostOfficeBox
        DT-084 f - ram:BuildingName
        DT-086 f - ram:LineFour
        DT-087 f - ram:LineFive
        DT-088 f - ram:StreetName
        DT-089 f - ram:CitySubDivisionName
        DT-090 f - ram:CountryName
        DT-091 f - ram:CountrySubDivisionID
        DT-092 f - ram:AttentionOf
        DT-093 f - ram:CareOf
        DT-094 f - ram:BuildingNumber
        DT-095 f - ram:DepartmentName
        DT-096 f - ram:AdditionalStreetName
    """,
}
# fmt: on

_SEVERITY: Final = {"f": Severity.FATAL, "w": Severity.WARNING}
_KIND_TEXT: Final = {"-": "should not be present", "<=1": "may occur at most once", "=1": "must occur exactly once"}


def _selector(key: str) -> Callable[[Element], list[Element]]:
    if key == "ids":
        return select(
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID",
            f"{_TX}/ram:IncludedSupplyChainTradeLineItem/ram:AssociatedDocumentLineDocument/ram:LineID",
            f"{_TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:SellerAssignedID",
        )
    if key == "amounts":
        tax_total = clark("ram:TaxTotalAmount")
        return select("//ram:*Amount", exclude=tax_total)
    return select(key.replace("{TX}", _TX))


def _where(key: str) -> str:
    return {"ids": "identifiers of the document, its lines and products", "amounts": "amounts"}.get(
        key, key.replace("{TX}/", "").rsplit("/", 1)[-1]
    )


def _table_rows(key: str, text: str) -> list[tuple[Rule, str, str]]:
    rows = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        short, sev, kind, path = line.split()
        message = f"{path} {_KIND_TEXT[kind]} in {_where(key)} (EN 16931 does not use it this way)."
        test = absent_test(path) if kind == "-" else count_test(path, 1 if kind == "=1" else 0, 1)
        rows.append((Rule(f"CII-{short}", _SEVERITY[sev], message, test), kind, path))
    return rows


# --------------------------------------------------------------------------------------------
# rules with a condition beyond presence and counts


def _both_ids_absent_or_one(party: str) -> Callable[[Element], bool]:
    """A party may carry a seller-assigned identifier or a global one, not both."""
    pid, gid = P(f"ram:{party}/ram:ID"), P(f"ram:{party}/ram:GlobalID")
    return lambda n: not (pid.exists(n) and gid.exists(n))


def _contact_not_both(party: str) -> Callable[[Element], bool]:
    person = P(f"ram:{party}/ram:DefinedTradeContact/ram:PersonName")
    dept = P(f"ram:{party}/ram:DefinedTradeContact/ram:DepartmentName")
    return lambda n: not (person.exists(n) and dept.exists(n))


def _count_docs(type_code: str, normalized: bool, below: str = "") -> Callable[[Element], bool]:
    """At most one AdditionalReferencedDocument of ``type_code`` (or one ``below`` child of them)."""
    ard = clark("ram:AdditionalReferencedDocument")
    tc = P("ram:TypeCode")
    sub = P(below) if below else None

    def test(n: Element) -> bool:
        count = 0
        for d in kids(n, ard):
            hit = tc.ns(d) == type_code if normalized else type_code in tc.values(d)
            if hit:
                count += sub.count(d) if sub else 1
        return count <= 1

    return test


_GROSS_AC: Final = "ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge"
_gross_indicator: Final = P(f"{_GROSS_AC}/ram:ChargeIndicator")
_gross_amount: Final = P(f"{_GROSS_AC}/ram:ActualAmount")
_gross_indicator_value: Final = P(f"{_GROSS_AC}/ram:ChargeIndicator/udt:Indicator")


def _sr_119(n: Element) -> bool:
    """A price discount on the gross price must be an allowance (indicator false) with an amount."""
    allowance = any(xs_boolean(v) is False for v in _gross_indicator_value.values(n))
    if allowance and _gross_amount.exists(n):
        return True
    return not _gross_indicator.exists(n) and not _gross_amount.exists(n)


def _sr_462(n: Element) -> bool:
    """All VAT breakdowns share one VAT point date code."""
    values = {string_value(e) for t in doc(n).tagged("ram:ApplicableTradeTax") for e in kids(t, _DUE_DATE_CODE)}
    return len(values) <= 1


_DUE_DATE_CODE: Final = clark("ram:DueDateTypeCode")
_pm_type: Final = P("ram:TypeCode")
_pm_account: Final = P("ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
_pm_proprietary: Final = P("ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID")


def _sr_470(n: Element) -> bool:
    """Credit transfers (30, 58) name the account to pay to."""
    for pm in kids(n, clark("ram:SpecifiedTradeSettlementPaymentMeans")):
        if _pm_type.ns(pm) in ("30", "58") and not (_pm_account.exists(pm) or _pm_proprietary.exists(pm)):
            return False
    return True


def _all_equal(child: str) -> Callable[[Element], bool]:
    """Every payment means carries the same (normalized) ``child`` value as the first one."""
    tag = clark(child)

    def test(n: Element) -> bool:
        values = [
            normalize_space(string_value(e))
            for pm in doc(n).tagged("ram:SpecifiedTradeSettlementPaymentMeans")
            for e in kids(pm, tag)
        ]
        return all(v == values[0] for v in values)

    return test


def _sr_469(n: Element) -> bool:
    ref = clark("ram:PaymentReference")
    return sum(1 for s in doc(n).tagged("ram:ApplicableHeaderTradeSettlement") for _ in kids(s, ref)) <= 1


_ARD: Final = clark("ram:AdditionalReferencedDocument")
_IRD: Final = clark("ram:InvoiceReferencedDocument")
_ref_type: Final = P("ram:TypeCode")


def _ref_doc_allows(child: str, *codes: str) -> Callable[[Element], bool]:
    """``child`` is only allowed on an additional document with one of the type ``codes``."""
    path = P(child)
    return lambda n: not path.exists(n) or (n.tag == _ARD and any(v in codes for v in _ref_type.values(n)))


def _dt_027(n: Element) -> bool:
    return not P("ram:FormattedIssueDateTime").exists(n) or n.tag == _IRD


_LINES: Final = select(f"{_TX}/ram:IncludedSupplyChainTradeLineItem")
_billed_unit: Final = P("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode")


def _dt_033(n: Element) -> bool:
    if n.get("unitCode") is None:
        return True
    d = doc(n)
    return d.memo("billed-unit", lambda: any(_billed_unit.exists(li) for li in _LINES(d.root)))


_ATT: Final = clark("ram:ApplicableTradeTax")
_HEADER_SETTLEMENT: Final = clark("ram:ApplicableHeaderTradeSettlement")


def _in_header_settlement(n: Element) -> bool:
    return next(n.iterancestors(_HEADER_SETTLEMENT), None) is not None


def _only_in_header(child: str) -> Callable[[Element], bool]:
    path = P(child)
    return lambda n: not path.exists(n) or _in_header_settlement(n)


def _only_on_applicable_tax(child: str) -> Callable[[Element], bool]:
    path = P(child)
    return lambda n: not path.exists(n) or n.tag == _ATT


_DATE_102: Final = re.compile(r"[ \t\n\r]*\d{4}(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])[ \t\n\r]*\Z")


def _r(rule_id: str, sev: str, message: str, test: Callable[[Element], bool]) -> Rule:
    return Rule(rule_id, _SEVERITY[sev], message, test)


_product_gid: Final = P("ram:GlobalID")
_product_gid_scheme: Final = P("ram:GlobalID/@schemeID")
_origin: Final = P("ram:OriginTradeCountry")
_origin_id: Final = P("ram:OriginTradeCountry/ram:ID")
_type_code: Final = P("ram:TypeCode")

_CUSTOM: Final[dict[str, list[Rule]]] = {
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct": [
        _r(
            "CII-SR-046",
            "f",
            "An item standard identifier needs its scheme identifier.",
            lambda n: not _product_gid.exists(n) or _product_gid_scheme.exists(n),
        ),
        _r(
            "CII-SR-090",
            "f",
            "An item country of origin carries exactly one country code.",
            lambda n: not _origin.exists(n) or _origin_id.count(n) == 1,
        ),
    ],
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement": [
        _r("CII-SR-119", "w", "A price discount on the gross price must be an allowance with an amount.", _sr_119),
    ],
    "//ram:SpecifiedTradeAllowanceCharge": [
        _r(
            "CII-SR-463",
            "f",
            "Every allowance or charge states whether it is a charge (ChargeIndicator).",
            P("ram:ChargeIndicator").exists,
        ),
    ],
    "{TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement": [
        _r(
            "CII-SR-474",
            "w",
            "A line refers to at most one invoiced object (document type 130).",
            _count_docs("130", normalized=True),
        ),
    ],
    "{TX}/ram:ApplicableHeaderTradeAgreement": [
        _r(
            "CII-SR-450",
            "w",
            "The buyer should have either an identifier or a global identifier, not both.",
            _both_ids_absent_or_one("BuyerTradeParty"),
        ),
        _r("CII-SR-457", "w", "At most one tender or lot reference (document type 50).", _count_docs("50", False)),
        _r("CII-SR-458", "w", "At most one invoiced object identifier (document type 130).", _count_docs("130", False)),
        _r(
            "CII-SR-465",
            "w",
            "The seller contact should be a person name or a department name, not both.",
            _contact_not_both("SellerTradeParty"),
        ),
        _r(
            "CII-SR-466",
            "w",
            "The buyer contact should be a person name or a department name, not both.",
            _contact_not_both("BuyerTradeParty"),
        ),
        _r(
            "CII-SR-475",
            "w",
            "A supporting document (type 916) has at most one description.",
            _count_docs("916", True, "ram:Name"),
        ),
        _r(
            "CII-SR-476",
            "w",
            "A supporting document (type 916) has at most one attached binary object.",
            _count_docs("916", True, "ram:AttachmentBinaryObject"),
        ),
    ],
    "{TX}/ram:ApplicableHeaderTradeDelivery": [
        _r(
            "CII-SR-449",
            "w",
            "The deliver-to party should have either an identifier or a global identifier, not both.",
            _both_ids_absent_or_one("ShipToTradeParty"),
        ),
    ],
    "{TX}/ram:ApplicableHeaderTradeSettlement": [
        _r(
            "CII-SR-451",
            "w",
            "The payee should have either an identifier or a global identifier, not both.",
            _both_ids_absent_or_one("PayeeTradeParty"),
        ),
        _r("CII-SR-462", "f", "All VAT breakdowns must use the same VAT point date code.", _sr_462),
        _r(
            "CII-SR-470",
            "f",
            "A credit transfer (payment means 30 or 58) needs an IBAN or proprietary account id.",
            _sr_470,
        ),
    ],
    "/rsm:CrossIndustryInvoice": [
        _r(
            "CII-SR-467",
            "f",
            "All payment means must have the same payment means type code.",
            _all_equal("ram:TypeCode"),
        ),
        _r(
            "CII-SR-468", "f", "All payment means must have the same payment means text.", _all_equal("ram:Information")
        ),
        _r("CII-SR-469", "f", "There is at most one remittance information (PaymentReference).", _sr_469),
    ],
    "//ram:*ReferencedDocument": [
        _r(
            "CII-DT-015",
            "f",
            "A referenced document carries a URI only as a supporting document (type 916).",
            _ref_doc_allows("ram:URIID", "916"),
        ),
        _r(
            "CII-DT-018",
            "f",
            "Only additional documents of type 50, 130 or 916 carry a type code.",
            _ref_doc_allows("ram:TypeCode", "50", "130", "916"),
        ),
        _r(
            "CII-DT-021",
            "f",
            "A referenced document carries a name only as a supporting document (type 916).",
            _ref_doc_allows("ram:Name", "916"),
        ),
        _r(
            "CII-DT-022",
            "f",
            "Only supporting documents (type 916) carry an attached binary object.",
            _ref_doc_allows("ram:AttachmentBinaryObject", "916"),
        ),
        _r(
            "CII-DT-024",
            "f",
            "Only invoiced object references (type 130) carry a reference type code.",
            _ref_doc_allows("ram:ReferenceTypeCode", "130"),
        ),
        _r("CII-DT-027", "f", "Only a preceding invoice reference carries an issue date.", _dt_027),
    ],
    "//ram:*Quantity": [
        _r(
            "CII-DT-033",
            "f",
            "A unit code on a quantity is only allowed where invoice lines have billed units.",
            _dt_033,
        ),
    ],
    "//ram:*TradeTax": [
        _r(
            "CII-DT-037",
            "f",
            "The tax type code must be VAT.",
            lambda n: not _type_code.exists(n) or "VAT" in _type_code.values(n),
        ),
        _r(
            "CII-DT-041",
            "w",
            "A VAT basis amount belongs to the document-level VAT breakdown only.",
            _only_in_header("ram:BasisAmount"),
        ),
        _r(
            "CII-DT-052",
            "w",
            "A VAT exemption reason code belongs to an applicable trade tax only.",
            _only_on_applicable_tax("ram:ExemptionReasonCode"),
        ),
        _r(
            "CII-DT-098",
            "w",
            "A VAT exemption reason text belongs to an applicable trade tax only.",
            _only_on_applicable_tax("ram:ExemptionReason"),
        ),
        _r(
            "CII-DT-054",
            "w",
            "A VAT point date belongs to the document-level VAT breakdown only.",
            _only_in_header("ram:TaxPointDate"),
        ),
        _r(
            "CII-DT-058",
            "w",
            "A VAT point date code belongs to the document-level VAT breakdown only.",
            _only_in_header("ram:DueDateTypeCode"),
        ),
    ],
}


def _date_context(root: Element) -> list[Element]:
    return [e for e in doc(root).tagged("udt:DateTimeString") if e.get("format") == "102"]


def _pattern() -> Pattern:
    contexts: list[Context] = []
    for key, text in _TABLE.items():
        rows = _table_rows(key, text)
        contexts.append(TableContext(_selector(key), rows, extra=_CUSTOM.get(key, ())))
    assert set(_CUSTOM) <= set(_TABLE), "custom rules must attach to a context of the table"
    contexts.append(
        Context(
            select=_date_context,
            rules=[
                _r(
                    "CII-DT-097",
                    "f",
                    "A date with format 102 must be written YYYYMMDD and be a plausible date.",
                    lambda n: _DATE_102.match(string_value(n)) is not None,
                ),
            ],
        )
    )
    return Pattern(contexts, name="EN16931-CII-Syntax")


PATTERN: Final = _pattern()
