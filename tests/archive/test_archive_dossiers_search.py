"""Dossiers from master-data CSV (create, sync), registers, uploads; search and context views."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from archive_support import World, file_invoice
from typer.testing import CliRunner

from belegwerk.archive import dossiers, search
from belegwerk.archive.cli import app as archive_app
from belegwerk.archive.errors import ArchiveError
from belegwerk.archive.search import SearchQuery
from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveDossier, AuditEvent, Role
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive

VENDORS_V1 = (
    "number;name;street;postcode;city;country;vat_id;tax_number;iban;gl_account;cost_centre;payment_terms\r\n"
    "70001;Bürobedarf Schmidt GmbH;Hauptstr. 1;10115;Berlin;DE;DE123456789;;DE02 1203 0000 0000 2020 51;"
    "4930;100;30 Tage netto\r\n"
    "70002;Druckerei Weber KG;Am Markt 5;80331;München;de;DE987654321;143/123/45678;;4910;200;14 Tage 2%\r\n"
)
VENDORS_V2 = (
    "Kreditor,Firma,Strasse,PLZ,Ort,Land,UStId,Steuernummer,IBAN,Sachkonto,Kostenstelle,Zahlungsbedingung\n"
    "70001,Bürobedarf Schmidt & Söhne GmbH,Neue Allee 9,10117,Berlin,DE,DE123456789,,,4930,100,30 Tage netto\n"
    "70002,Druckerei Weber KG,Am Markt 5,80331,München,DE,DE987654321,143/123/45678,,4910,200,14 Tage 2%\n"
    "70003,Reinigung Kaya,Ring 3,50667,Köln,DE,,,,4250,,sofort\n"
)


def _env(rt: Runtime) -> dict[str, str]:
    return {
        "BELEGWERK_DATA_DIR": str(rt.settings.data_dir),
        "BELEGWERK_DATABASE_URL": rt.settings.effective_database_url,
        "BELEGWERK_SECRET_KEY": "test-secret-key",
    }


def test_masterdata_import_creates_then_syncs_dossiers(runtime: Runtime, world: World, tmp_path: Path) -> None:
    first = tmp_path / "vendors.csv"
    first.write_text(VENDORS_V1, encoding="utf-8")
    result = CliRunner().invoke(archive_app, ["import-masterdata", "-c", "ACME", str(first)], env=_env(runtime))
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.output
    with transaction(runtime.sessions) as s:
        d = dossiers.get_dossier(s, "ACME", "vendor", "70002")
        assert (d.city, d.country, d.tax_number, d.payment_terms) == ("München", "DE", "143/123/45678", "14 Tage 2%")
        assert dossiers.get_dossier(s, "ACME", "vendor", "70001").iban == "DE02120300000000202051"
    second = tmp_path / "vendors2.csv"
    second.write_text("\ufeff" + VENDORS_V2, encoding="utf-8")
    result = CliRunner().invoke(archive_app, ["import-masterdata", "-c", "ACME", str(second)], env=_env(runtime))
    assert "1 created, 1 updated, 1 unchanged" in result.output, result.output
    with transaction(runtime.sessions) as s:
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        assert (d.name, d.street, d.postcode, d.iban) == (
            "Bürobedarf Schmidt & Söhne GmbH",
            "Neue Allee 9",
            "10117",
            "",
        )
        r = dossiers.import_masterdata(
            s,
            "ACME",
            "vendor",
            VENDORS_V1.split("\r\n")[0] + "\r\n70003;Reinigung Kaya;;;;;;;;;;\r\n",
            actor="t",
            deactivate_missing=True,
        )
        assert r.deactivated == 2 and r.updated == 1
        syncs = s.query(AuditEvent).filter(AuditEvent.object_type == "archive_dossier").count()
        assert syncs == 3 + 1 + 1 + 2  # created 3, synced 1, then synced 1 and deactivated 2
        with pytest.raises(ArchiveError, match="lacks the column"):
            dossiers.import_masterdata(s, "ACME", "vendor", "foo;bar\n1;2\n", actor="t")
        assert s.query(ArchiveDossier).filter_by(company_id="GLOBEX").count() == 0


def test_records_are_filed_in_their_dossier_by_register(runtime: Runtime, world: World) -> None:
    with transaction(runtime.sessions) as s:
        dossiers.import_masterdata(s, "ACME", "vendor", VENDORS_V1, actor="t")
        dossiers.import_masterdata(s, "ACME", "customer", "number;name\nK1;Kunde Eins\n", actor="t")
    inv = file_invoice(runtime, data=b"%PDF inv", vendor_no="70001")
    file_invoice(runtime, data=b"%PDF other vendor", vendor_no="70002")
    with transaction(runtime.sessions) as s:
        dossier = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        letter = dossiers.upload_to_dossier(
            s,
            runtime.blobs,
            dossier,
            document_class="letter",
            filename="mahnung.pdf",
            data=b"%PDF letter",
            actor="clerk",
            text_content="Mahnung wegen offener Posten",
        )
        contract = dossiers.upload_to_dossier(
            s,
            runtime.blobs,
            dossier,
            document_class="contract",
            filename="rahmenvertrag.pdf",
            data=b"%PDF c",
            actor="clerk",
        )
        with pytest.raises(ArchiveError, match="uploaded into a dossier"):
            dossiers.upload_to_dossier(
                s, runtime.blobs, dossier, document_class="incoming_invoice", filename="x", data=b"x", actor="c"
            )
        regs = dossiers.registers(s, dossier, Role.POWER_USER)
        assert {k: [r.id for r in v] for k, v in regs.items()} == {
            "incoming_invoice": [inv.id],
            "letter": [letter.id],
            "contract": [contract.id],
        }
        assert dossiers.registers(s, dossier, Role.APPROVER) == {}  # an approver without grants sees nothing
        counts = {d.number: n for d, n in dossiers.list_dossiers(s, "ACME", kind="vendor")}
        assert counts == {"70001": 3, "70002": 1}
        assert [d.number for d, _ in dossiers.list_dossiers(s, "ACME", text_filter="weber")] == ["70002"]


def test_search_by_text_and_index_fields(runtime: Runtime, world: World) -> None:
    a = file_invoice(
        runtime,
        data=b"%PDF a",
        vendor_no="70001",
        document_date="2025-01-10",
        amount="100.00",
        text_content="Rechnungen für Druckerpatronen und Toner",
        order_number="PO-7",
    )
    b = file_invoice(
        runtime,
        data=b"%PDF b",
        vendor_no="70002",
        document_date="2025-05-10",
        amount="2500.00",
        text_content="Wartungsvertrag Heizung",
        posting_number="BU-2025-0042",
    )
    c = file_invoice(runtime, data=b"%PDF c", company="GLOBEX", text_content="Toner")
    with transaction(runtime.sessions) as s:

        def ids(**kw: object) -> list[int]:
            return sorted(r.id for r in search.search(s, "ACME", SearchQuery(**kw), Role.POWER_USER).records)  # type: ignore[arg-type]

        assert ids(text="toner") == [a.id]
        assert ids(text="Heizung") == [b.id]
        if s.get_bind().dialect.name == "postgresql":
            assert ids(text="Rechnung") == [a.id]  # german stemming finds "Rechnungen"
        assert ids(vendor_no="70002") == [b.id]
        assert ids(date_from=date(2025, 3, 1)) == [b.id]
        assert ids(amount_min=Decimal("50"), amount_max=Decimal("200")) == [a.id]
        assert ids(document_class="letter") == []
        assert ids(text='"); DROP TABLE x; --') == []
        assert c.id not in ids()
        saved = search.save_search(
            s, "ACME", "clerk", "Toner 2025", SearchQuery(text="toner", date_to=date(2025, 12, 31))
        )
        again = search.get_saved(s, "ACME", "clerk", saved.id)
        assert [
            r.id for r in search.search(s, "ACME", SearchQuery.from_json(again.query), Role.POWER_USER).records
        ] == [a.id]
        assert [x.name for x in search.saved_searches(s, "ACME", "clerk")] == ["Toner 2025"]
        assert [r.id for r in search.context(s, "ACME", "vendor", "70001", Role.POWER_USER)] == [a.id]
        assert [r.id for r in search.context(s, "ACME", "order", "PO-7", Role.POWER_USER)] == [a.id]
        assert [r.id for r in search.context(s, "ACME", "posting", "BU-2025-0042", Role.POWER_USER)] == [b.id]
        assert search.context(s, "ACME", "posting", "RE-2025-001", Role.POWER_USER) != []  # document number
