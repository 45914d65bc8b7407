#!/usr/bin/env bash
# Shared by scripts/demo.sh and scripts/test.sh: a virtualenv in .venv with Belegwerk installed,
# and the rule packs compiled with mypyc (tools/build_native_rules.py; about two minutes the first
# time, skipped while the sources are unchanged). BELEGWERK_NATIVE=0 keeps the pure-Python packs.
#   bash scripts/setup-env.sh [EXTRAS]     EXTRAS: "test" for the test suite's packages
# Idempotent: re-running only installs and compiles what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extras=${1:-}
all_extras="native${extras:+,$extras}"
stamp=".venv/.installed-${all_extras//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[$all_extras]"
  touch "$stamp"
fi

if [ "${BELEGWERK_NATIVE:-1}" != "0" ]; then
  if ! .venv/bin/python tools/build_native_rules.py >/tmp/belegwerk-native-build.$$.log 2>&1; then
    cat /tmp/belegwerk-native-build.$$.log >&2
    rm -f /tmp/belegwerk-native-build.$$.log
    if [ "$extras" = "test" ]; then
      echo "compiling the rule packs failed (see above); BELEGWERK_NATIVE=0 tests the pure-Python packs" >&2
      exit 1
    fi
    .venv/bin/python tools/build_native_rules.py --clean >/dev/null
    echo "warning: compiling the rule packs failed (see above); running the pure-Python packs" >&2
  else
    tail -n 1 /tmp/belegwerk-native-build.$$.log
    rm -f /tmp/belegwerk-native-build.$$.log
  fi
fi
