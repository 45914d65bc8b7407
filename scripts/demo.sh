#!/usr/bin/env bash
# Run the product on the embedded default (SQLite + local files) with the demo company.
#   bash scripts/demo.sh [--port 8000]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian-packages.sh
install_debian_packages "${RUNTIME_DEBIAN_PACKAGES[@]}" \
  || echo "warning: without these, scans and photos cannot be read (OCR) and renderings use fallback fonts" >&2
bash scripts/setup-env.sh
exec .venv/bin/belegwerk demo "$@"
