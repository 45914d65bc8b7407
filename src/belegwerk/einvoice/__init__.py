"""E-invoices: syntax detection, UBL/CII read and write, Factur-X PDFs, human-readable rendering.

Everything converges on :class:`belegwerk.domain.invoice.InvoiceData`; start with
:func:`belegwerk.einvoice.loader.load`.
"""
