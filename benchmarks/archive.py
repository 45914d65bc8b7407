"""Archive benchmark: filing throughput, verification speed, search latency.

    PYTHONPATH=src python benchmarks/archive.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --records 100000

With a PostgreSQL URL the script creates a fresh database next to the given one and drops it
at the end; without one it uses SQLite in a temporary directory. Filing is measured through the
real service (blob write + fsync, row, manifest chain, audit event, one transaction per record);
the search corpus is then topped up to ``--records`` rows by a bulk insert (the full-text
index is maintained by the same generated column / triggers), because filing 100k records one
by one would measure the filing path again, not search. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from belegwerk import tenancy
from belegwerk.archive import records, search, verify
from belegwerk.archive.search import SearchQuery
from belegwerk.config import Settings
from belegwerk.db.engine import transaction
from belegwerk.db.migrate import upgrade
from belegwerk.db.models import ArchiveRecord, Role
from belegwerk.runtime import Runtime

WORDS = (
    "Rechnung",
    "Lieferung",
    "Büromaterial",
    "Toner",
    "Kopierpapier",
    "Wartung",
    "Heizung",
    "Reinigung",
    "Beratung",
    "Software",
    "Lizenz",
    "Miete",
    "Strom",
    "Gas",
    "Wasser",
    "Reparatur",
    "Fahrzeug",
    "Reisekosten",
    "Hotel",
    "Bahn",
    "Druckerei",
    "Werbung",
    "Versand",
    "Porto",
    "Schrauben",
    "Muttern",
    "Stahl",
    "Holz",
    "Farbe",
    "Montage",
    "Gutschrift",
    "Mahnung",
    "Vertrag",
    "Angebot",
    "Bestellung",
    "Lieferschein",
)


def _pg_database(admin_url: str) -> str:
    name = f"bw_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg(admin_url: str, url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _index(rng: random.Random, n: int) -> dict[str, str]:
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(6 * 365))
    return {
        "vendor_no": f"7{rng.randrange(2000):04d}",
        "document_number": f"RE-{n:07d}",
        "document_date": day.isoformat(),
        "amount": str(Decimal(rng.randrange(100, 5_000_000)) / 100),
        "currency": "EUR",
    }


SYLLABLES = "ka ri to me lu sa no fe di ba ro ge ti mu la be so ne pi da".split()  # noqa: SIM905
# A Zipf-like vocabulary: a few common domain words and many rarer ones (article names, places,
# people), as in real invoice text — so word queries have realistic selectivities.
_WORD_RNG = random.Random(7)
VOCABULARY = list(WORDS) + sorted(
    {"".join(_WORD_RNG.choice(SYLLABLES) for _ in range(3 + i % 3)) for i in range(20_000)}
)
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choices(VOCABULARY, WEIGHTS, k=40))


def _timed(label: str, count: int, unit: str, func: Callable[[], None]) -> float:
    start = time.perf_counter()
    func()
    elapsed = time.perf_counter() - start
    rate = count / elapsed if elapsed else float("inf")
    print(f"{label}: {count} in {elapsed:.2f} s = {rate:,.1f} {unit}/s", flush=True)
    return rate


def file_many(rt: Runtime, rng: random.Random, count: int, size: int, start: int) -> None:
    for n in range(start, start + count):
        data = b"%PDF-1.7\n" + rng.randbytes(size - 9)
        with transaction(rt.sessions) as s:
            records.file_record(
                s,
                rt.blobs,
                company_id="BENCH",
                document_class="incoming_invoice",
                filename=f"r{n}.pdf",
                data=data,
                index=_index(rng, n),
                actor="bench",
                text_content=_text(rng),
            )


def bulk_top_up(rt: Runtime, rng: random.Random, total: int, start: int, batch: int = 5000) -> None:
    now = datetime.now(UTC)
    digest = "0" * 64
    n = start
    while n < total:
        rows = []
        for i in range(n, min(total, n + batch)):
            idx = _index(rng, i)
            derived = records.derive(idx)
            rows.append(
                {
                    "company_id": "BENCH",
                    "record_uid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "version": 1,
                    "document_class": "incoming_invoice",
                    "index_data": records.audit.canonical_json(idx),
                    "text_content": _text(rng),
                    "blob_sha256": digest,
                    "media_type": "application/pdf",
                    "filename": f"r{i}.pdf",
                    "size": 1024,
                    "retention_base": derived.doc_date,
                    "retain_until": date(2040, 12, 31),
                    "filed_at": now,
                    "filed_by": "bench",
                    **vars(derived),
                }
            )
        with transaction(rt.sessions) as s:
            s.execute(insert(ArchiveRecord), rows)
        n += len(rows)


def search_latency(rt: Runtime, rng: random.Random, queries: int) -> None:
    def word() -> str:
        return VOCABULARY[rng.randrange(len(VOCABULARY))]

    def one(kind: int) -> SearchQuery:
        if kind == 0:
            return SearchQuery(text=word())
        if kind == 1:
            start = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
            return SearchQuery(vendor_no=f"7{rng.randrange(2000):04d}", date_from=start, date_to=start + timedelta(90))
        if kind == 2:
            low = Decimal(rng.randrange(100, 40000))
            return SearchQuery(amount_min=low, amount_max=low + 50)
        if kind == 3:
            return SearchQuery(text=f"{rng.choice(WORDS)} {word()}", document_class="incoming_invoice")
        return SearchQuery(text=rng.choice(WORDS[:5]))  # a very common word: thousands of hits

    names = ["full text (1 word)", "vendor + 90-day range", "amount range", "text + class", "common word"]
    every: list[float] = []
    for kind, name in enumerate(names):
        timings: list[float] = []
        for _ in range(max(1, queries // len(names))):
            q = one(kind)
            with transaction(rt.sessions) as s:
                start = time.perf_counter()
                search.search(s, "BENCH", q, Role.POWER_USER)
                timings.append((time.perf_counter() - start) * 1000)
        every.extend(timings)
        _report(f"  {name}", timings)
    _report(f"search latency, all {len(every)} queries (first page of 50 + count up to 10,000)", every)


def _report(label: str, timings: list[float]) -> None:
    timings = sorted(timings)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"{label}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL admin URL (a fresh database is created); default SQLite")
    parser.add_argument("--records", type=int, default=100_000, help="records in the search corpus")
    parser.add_argument("--small", type=int, default=500, help="1 KB documents filed through the service")
    parser.add_argument("--large", type=int, default=20, help="1 MB documents filed through the service")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (prints its URL)")
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        url = _pg_database(args.database_url) if args.database_url else f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(data_dir=Path(tmp) / "data", database_url=url, secret_key="bench")  # noqa: S106 - throwaway key of a temporary database
        rt = Runtime.open(settings, require_migrated=False)
        try:
            upgrade(rt.engine)
            print(f"database: {rt.engine.dialect.name}", flush=True)
            with transaction(rt.sessions) as s:
                tenancy.create_company(s, "BENCH", "Benchmark GmbH", actor="bench")
            _timed("filing 1 KB documents", args.small, "records", lambda: file_many(rt, rng, args.small, 1024, 0))
            _timed(
                "filing 1 MB documents",
                args.large,
                "records",
                lambda: file_many(rt, rng, args.large, 1024 * 1024, args.small),
            )
            filed = args.small + args.large

            def full_verify() -> None:
                with transaction(rt.sessions) as s:
                    report = verify.verify_company(s, rt.blobs, "BENCH")
                assert report.ok and report.records == filed, report.problems[:3]

            _timed("verify (re-read blobs, manifests, chain)", filed, "records", full_verify)
            _timed(
                f"bulk load search corpus to {args.records} records",
                max(0, args.records - filed),
                "rows",
                lambda: bulk_top_up(rt, rng, args.records, filed),
            )
            with rt.engine.connect() as conn:
                if rt.engine.dialect.name == "postgresql":
                    conn.execute(text("ANALYZE archive_record"))
                    conn.commit()
            search_latency(rt, rng, args.queries)
        finally:
            rt.close()
            if args.database_url and not args.keep:
                _drop_pg(args.database_url, url)
            elif args.keep:
                print(f"kept database: {url}", flush=True)


if __name__ == "__main__":
    main()
