#!/usr/bin/env bash
# Run the product on the embedded default (SQLite + local files) with the demo company.
#   bash scripts/demo.sh [--port 8000]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
exec .venv/bin/belegwerk demo "$@"
