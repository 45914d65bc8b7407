"""Compile the e-invoice rule packs with mypyc, in place, next to their sources.

    python tools/build_native_rules.py            # build (skipped when up to date)
    python tools/build_native_rules.py --force    # rebuild
    python tools/build_native_rules.py --clean    # remove the compiled modules

The rule packs are ordinary, fully typed Python; mypyc turns them into C extension modules that
Python imports instead of the ``.py`` files (an extension module wins over a source file in the
same directory). Validation gives the same findings either way; the compiled build is about
twice as fast (see docs/validation.md). ``scripts/setup-env.sh`` runs this after installing, so
both the product and the test suite use the compiled packs; set ``BELEGWERK_NATIVE=0`` to skip.

The same build compiles ``_scan.c``, the C document scanner (one pass over an lxml tree for the
packs' indexes, through lxml's public C API; see :mod:`belegwerk.rules.scan`).

The build writes ``src/belegwerk/rules/_native.json``: the SHA-256 of every compiled source,
and of the scanner's source with the lxml version it was built against.
:mod:`belegwerk.rules.native` compares it at import time and falls back to the sources (for all
compiled modules together) when any of them has changed since the build, so an edited rule is
never shadowed by a stale binary. ``BELEGWERK_PURE_PYTHON=1`` forces the sources.

Everything the build produces (``*.so``, the manifest, ``build/mypyc``) is ignored by git.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
RULES = SRC / "belegwerk" / "rules"
BUILD = ROOT / "build" / "mypyc"


def _load_native() -> ModuleType:
    """``belegwerk.rules.native`` loaded by path: importing it through the package would run the
    package's guard (and, with a current build, load the binaries this tool is about to replace)."""
    spec = importlib.util.spec_from_file_location("belegwerk_native_build", RULES / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


_native = _load_native()
COMPILED_MODULES: tuple[str, ...] = _native.COMPILED_MODULES
GROUP: str = _native.GROUP
MANIFEST: str = _native.MANIFEST
compiled_files = _native.compiled_files
source_digests = _native.source_digests


def up_to_date() -> bool:
    """Whether the compiled modules and the C scanner exist and were built from the current
    sources (the same decisions the package makes at import, minus ``BELEGWERK_PURE_PYTHON``)."""
    return bool(_native.decide(RULES, {}).compiled and _native.decide_scanner(RULES, {}).compiled)


def clean() -> None:
    """Remove compiled modules, the shared library, the manifest and the C build directory."""
    for path in compiled_files(RULES):
        path.unlink()
    (RULES / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(BUILD, ignore_errors=True)


def scanner_extension() -> Any:
    """The C document scanner (``_scan.c``): built against the installed lxml's public C API
    and the libxml2 headers lxml ships (``lxml.get_include()``)."""
    import lxml
    from setuptools import Extension  # type: ignore[import-untyped]

    return Extension(
        f"belegwerk.rules.{_native.SCANNER}",
        [f"belegwerk/rules/{_native.SCANNER}.c"],
        include_dirs=lxml.get_include(),
        extra_compile_args=["-O2"],
    )


def build() -> None:
    """Compile :data:`COMPILED_MODULES` and the scanner in place and record the sources' digests."""
    from mypyc.build import mypycify
    from setuptools import setup  # type: ignore[import-untyped]

    clean()
    BUILD.mkdir(parents=True, exist_ok=True)
    paths = [f"belegwerk/rules/{name}.py" for name in COMPILED_MODULES]
    cwd = Path.cwd()
    os.environ["MYPY_CACHE_DIR"] = str(BUILD / "mypy_cache")  # not under src/
    os.chdir(SRC)  # mypyc derives module names from paths relative to the working directory
    try:
        extensions = mypycify(paths, group_name=GROUP, target_dir=str(BUILD / "c"), multi_file=True)
        for extension in extensions:  # multi_file puts the group's headers beside its C files
            extension.include_dirs.append(str(BUILD / "c" / "belegwerk" / "rules"))
        setup(
            name="belegwerk-native-rules",
            ext_modules=[*extensions, scanner_extension()],
            script_args=[
                "-q",
                "build_ext",
                "--inplace",
                "--build-temp",
                str(BUILD / "temp"),
                "--build-lib",
                str(BUILD / "lib"),
                "-j",
                str(os.cpu_count() or 1),
            ],
        )
    finally:
        os.chdir(cwd)
    record = {
        "sources": source_digests(RULES),
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "scanner": {"source": _native.scanner_digest(RULES), "lxml": _native.lxml_version()},
    }
    (RULES / MANIFEST).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules and stop")
    args = parser.parse_args()
    if args.clean:
        clean()
        print("compiled rule packs removed; Python uses the sources")
        return
    if not args.force and up_to_date():
        print("compiled rule packs are up to date")
        return
    build()
    print(
        f"compiled {len(COMPILED_MODULES)} rule modules with mypyc and the C document scanner"
        f" into {RULES.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
