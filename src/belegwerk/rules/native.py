"""Compiled rule packs: which modules are compiled, and a guard against stale binaries.

``tools/build_native_rules.py`` compiles the modules in :data:`COMPILED_MODULES` with mypyc into
C extension modules beside their sources (``engine.cpython-311-….so`` next to ``engine.py``);
Python then imports the extension instead of the source, which makes validation about twice as
fast with identical findings. The build records the SHA-256 of every compiled source in
:data:`MANIFEST`.

A binary built from older sources must never run instead of an edited rule, and mypyc's compiled
modules call each other directly (C to C), so they are used all together or not at all:
:func:`install_guard` (run by ``belegwerk/rules/__init__.py`` before anything else of the package
is imported) compares the digests and, when any compiled source changed or
``BELEGWERK_PURE_PYTHON`` is set, installs an import hook that loads every compiled module from
its ``.py`` file. :func:`status` says which build is in use and why.

This module itself is never compiled and imports nothing of the package.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

PACKAGE = "belegwerk.rules"
RULES_DIR = Path(__file__).resolve().parent

#: The modules compiled by the native build: the engine and every module the invoice packs
#: (EN 16931, XRechnung, Peppol BIS; UBL and CII) run during validation.
COMPILED_MODULES: tuple[str, ...] = (
    "engine",
    "functions",
    "en16931_ubl_support",
    "en16931_ubl_model",
    "en16931_ubl_syntax",
    "en16931_ubl_codes",
    "en16931_cii_index",
    "en16931_cii_numbers",
    "en16931_cii_model",
    "en16931_cii_syntax",
    "en16931_cii_codes",
    "xrechnung_common",
    "xrechnung_ubl",
    "xrechnung_cii",
    "peppol_common",
    "peppol_ubl",
    "peppol_cii",
    "scan",
)
#: mypyc's shared library for the group (``_native__mypyc.….so`` in this directory).
GROUP = f"{PACKAGE}._native"
#: Digests of the compiled sources, written by the build.
MANIFEST = "_native.json"
#: Set to a non-empty value other than "0" to run the sources even when a current build exists.
PURE_PYTHON_ENV = "BELEGWERK_PURE_PYTHON"
#: The C document scanner (``_scan.c``, see :func:`decide_scanner`).
SCANNER = "_scan"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NativeStatus:
    """Which implementation of the rule packs this process uses."""

    compiled: bool
    reason: str
    stale: tuple[str, ...] = ()

    def describe(self) -> str:
        return ("compiled (mypyc): " if self.compiled else "pure Python: ") + self.reason


def source_digests(directory: Path = RULES_DIR) -> dict[str, str]:
    """SHA-256 of each compiled module's source, keyed by module name."""
    return {
        name: hashlib.sha256((directory / f"{name}.py").read_bytes()).hexdigest()
        for name in COMPILED_MODULES
        if (directory / f"{name}.py").exists()
    }


def compiled_files(directory: Path = RULES_DIR) -> list[Path]:
    """The extension modules of a build in ``directory`` (any Python version's suffix)."""
    names = {*COMPILED_MODULES, GROUP.rsplit(".", 1)[1] + "__mypyc", SCANNER}
    return sorted(p for p in directory.glob("*.so") if p.name.split(".", 1)[0] in names) + sorted(
        p for p in directory.glob("*.pyd") if p.name.split(".", 1)[0] in names
    )


def decide(directory: Path, environ: Mapping[str, str] | None = None) -> NativeStatus:
    """Whether the build in ``directory`` may be used, from its manifest and the current sources."""
    env = os.environ if environ is None else environ
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    built = [name for name in COMPILED_MODULES if (directory / f"{name}{suffix}").exists()]
    if not built:
        return NativeStatus(False, "the rule packs are not compiled (python tools/build_native_rules.py)")
    if env.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return NativeStatus(False, f"{PURE_PYTHON_ENV} is set")
    if len(built) != len(COMPILED_MODULES):
        missing = sorted(set(COMPILED_MODULES) - set(built))
        return NativeStatus(False, f"the compiled build is incomplete (missing {', '.join(missing)})")
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return NativeStatus(False, f"the compiled build has no readable {MANIFEST}")
    recorded = manifest.get("sources", {})
    current = source_digests(directory)
    stale = tuple(sorted(name for name in COMPILED_MODULES if recorded.get(name) != current.get(name)))
    if stale:
        return NativeStatus(
            False,
            f"sources changed since the build ({', '.join(stale)}); run python tools/build_native_rules.py",
            stale,
        )
    return NativeStatus(True, f"{len(built)} modules, {manifest.get('build', 'plain')} build")


def build_kind(directory: Path = RULES_DIR) -> str | None:
    """How the build in ``directory`` was made — "profile-guided", "optimised", "plain" or, while a
    profile-guided build is being made, "instrumented" — per its manifest; None without one."""
    try:
        kind = json.loads((directory / MANIFEST).read_text(encoding="utf-8")).get("build", "plain")
    except (OSError, ValueError):
        return None
    return str(kind)


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Loads the compiled modules from their ``.py`` files, ignoring the extension modules."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names = {f"{PACKAGE}.{name}" for name in COMPILED_MODULES}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        source = self.directory / f"{fullname.rsplit('.', 1)[1]}.py"
        return importlib.util.spec_from_file_location(fullname, source)


_STATUS: NativeStatus | None = None


def install_guard(directory: Path = RULES_DIR) -> NativeStatus:
    """Decide once per process; when the build may not be used, make imports take the sources."""
    global _STATUS
    if _STATUS is not None:
        return _STATUS
    status = decide(directory)
    if not status.compiled and any(f"{PACKAGE}.{name}" in sys.modules for name in COMPILED_MODULES):
        # cannot happen through the package's __init__; said plainly in case it ever does
        status = NativeStatus(False, status.reason + " (some modules were imported before the guard)")
    if not status.compiled and compiled_files(directory):
        sys.meta_path.insert(0, _SourceFinder(directory))
        if status.stale:
            _log.warning("compiled rule packs not used: %s", status.reason)
    _STATUS = status
    return status


def status() -> NativeStatus:
    """The decision :func:`install_guard` made for this process (made now if it was not yet)."""
    return _STATUS if _STATUS is not None else install_guard()


# --------------------------------------------------------------------------------------------
# The C scanner (``_scan.c``): one pass over an lxml tree for the packs' indexes. It reads lxml's
# C structures, so a build is used only with the lxml version it was compiled against and while
# its source is unchanged; otherwise :mod:`belegwerk.rules.scan` runs its Python reference.


def scanner_digest(directory: Path = RULES_DIR) -> str | None:
    """SHA-256 of the scanner's C source (None when the source is absent)."""
    source = directory / f"{SCANNER}.c"
    return hashlib.sha256(source.read_bytes()).hexdigest() if source.exists() else None


def lxml_version() -> str:
    from lxml import etree

    return ".".join(str(part) for part in etree.LXML_VERSION)


def decide_scanner(directory: Path = RULES_DIR, environ: Mapping[str, str] | None = None) -> NativeStatus:
    """Whether the compiled scanner in ``directory`` may be used."""
    env = os.environ if environ is None else environ
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    if not (directory / f"{SCANNER}{suffix}").exists():
        return NativeStatus(False, "the scanner is not compiled (python tools/build_native_rules.py)")
    if env.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return NativeStatus(False, f"{PURE_PYTHON_ENV} is set")
    try:
        recorded = json.loads((directory / MANIFEST).read_text(encoding="utf-8")).get("scanner", {})
    except (OSError, ValueError):
        return NativeStatus(False, f"the compiled build has no readable {MANIFEST}")
    if recorded.get("source") != scanner_digest(directory):
        return NativeStatus(
            False, f"{SCANNER}.c changed since the build; run python tools/build_native_rules.py", (SCANNER,)
        )
    if recorded.get("lxml") != lxml_version():
        return NativeStatus(
            False,
            f"the scanner was built for lxml {recorded.get('lxml')}, this is lxml {lxml_version()};"
            " run python tools/build_native_rules.py",
            (SCANNER,),
        )
    return NativeStatus(True, "C scanner")


def scanner_module(directory: Path = RULES_DIR) -> ModuleType | None:
    """The compiled scanner module when :func:`decide_scanner` allows it, else None."""
    verdict = decide_scanner(directory)
    if not verdict.compiled:
        if verdict.stale:
            _log.warning("compiled document scanner not used: %s", verdict.reason)
        return None
    import importlib

    return importlib.import_module(f"{PACKAGE}.{SCANNER}")


def describe_build() -> str:
    """One line for ``config show``, ``serve`` and ``worker``: the packs' build and the scanner's."""
    scanner = decide_scanner()
    return f"{status().describe()}; document scan: " + ("C" if scanner.compiled else f"Python ({scanner.reason})")
