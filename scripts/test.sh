#!/usr/bin/env bash
# Install everything the tests need (Debian + Python packages) and run the whole suite:
# ruff, mypy, pytest. Idempotent. Honours BELEGWERK_TEST_DATABASE_URL (PostgreSQL) and
# BELEGWERK_CORPUS (reference corpus); without them those parts run on SQLite / are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/debian-packages.sh
install_debian_packages "${RUNTIME_DEBIAN_PACKAGES[@]}" "${TEST_DEBIAN_PACKAGES[@]}"

if [ -n "${BELEGWERK_TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

bash scripts/setup-env.sh test
# the suite runs on the compiled rule packs unless BELEGWERK_NATIVE=0; tests/einvoice/test_native_build.py
# then checks that it really did and that the sources give the same findings
if [ "${BELEGWERK_NATIVE:-1}" != "0" ]; then export BELEGWERK_EXPECT_NATIVE=1; fi

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy src
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
