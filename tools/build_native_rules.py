"""Compile the e-invoice rule packs with mypyc, in place, next to their sources.

    python tools/build_native_rules.py            # build (skipped when up to date)
    python tools/build_native_rules.py --force    # rebuild
    python tools/build_native_rules.py --clean    # remove the compiled modules
    python tools/build_native_rules.py --no-pgo   # without the profile-guided steps

The rule packs are ordinary, fully typed Python; mypyc turns them into C extension modules that
Python imports instead of the ``.py`` files (an extension module wins over a source file in the
same directory). Validation gives the same findings either way; the compiled build is about
twice as fast (see docs/validation.md). ``scripts/setup-env.sh`` runs this after installing, so
both the product and the test suite use the compiled packs; set ``BELEGWERK_NATIVE=0`` to skip.

With GCC the build is optimised and profile-guided: link-time optimisation across mypyc's C
files, only the module init functions exported (:data:`OPTIMISE`), and a first, instrumented
build that validates a fixed set of generated invoices (``tools/pgo_training.py``) so the final
build can lay out and optimise the code by how often it runs. That roughly doubles the build time
and makes validation 5–8% faster; ``--no-pgo`` or ``BELEGWERK_NATIVE_PGO=0`` skips the
profile, and any failure of the optimised build falls back to mypyc's default flags. The profile
steers only the compiler's choices; the test suite compares compiled and source packs finding for
finding on the whole corpus.

The same build compiles ``_scan.c``, the C document scanner (one pass over an lxml tree for the
packs' indexes, through lxml's public C API; see :mod:`belegwerk.rules.scan`).

The build writes ``src/belegwerk/rules/_native.json``: the SHA-256 of every compiled source,
and of the scanner's source with the lxml version it was built against, and the kind of build.
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
import subprocess
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


def up_to_date(rules: Path = RULES) -> bool:
    """Whether the compiled modules and the C scanner exist and were built from the current
    sources (the same decisions the package makes at import, minus ``BELEGWERK_PURE_PYTHON``),
    and the build is a finished one (not the instrumented step of a profile-guided build)."""
    current = _native.decide(rules, {}).compiled and _native.decide_scanner(rules, {}).compiled
    return bool(current) and _native.build_kind(rules) != "instrumented"


def clean() -> None:
    """Remove compiled modules, the shared library, the manifest and the C build directory."""
    for path in compiled_files(RULES):
        path.unlink()
    (RULES / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(BUILD, ignore_errors=True)


def gcc_like() -> bool:
    """Whether the C compiler Python builds extensions with is GCC (the optimised build's flags are GCC's)."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    try:
        out = subprocess.run([*cc, "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return False
    return "Free Software Foundation" in out and "clang" not in out.lower()


#: Flags of the optimised build, for compiling and linking: link-time optimisation across mypyc's
#: C files (calls between rule modules get inlined), and no symbol exported but the module init
#: functions (calls inside the library then need no indirection through the symbol table).
OPTIMISE = ["-flto=auto", "-fvisibility=hidden", "-fno-semantic-interposition"]


def scanner_extension(flags: list[str]) -> Any:
    """The C document scanner (``_scan.c``): built against the installed lxml's public C API
    and the libxml2 headers lxml ships (``lxml.get_include()``)."""
    import lxml
    from setuptools import Extension  # type: ignore[import-untyped]

    return Extension(
        f"belegwerk.rules.{_native.SCANNER}",
        [f"belegwerk/rules/{_native.SCANNER}.c"],
        include_dirs=lxml.get_include(),
        extra_compile_args=["-O2", *flags],
        extra_link_args=flags,
    )


def compile_all(flags: list[str]) -> None:
    """Generate the C code of :data:`COMPILED_MODULES` with mypyc and compile it and the scanner
    in place with the extra compiler and linker ``flags`` (replacing any earlier binaries; the
    mypy cache and a recorded profile stay)."""
    from mypyc.build import mypycify
    from setuptools import setup  # type: ignore[import-untyped]

    for path in compiled_files(RULES):
        path.unlink()
    for stale in ("c", "temp", "lib"):
        shutil.rmtree(BUILD / stale, ignore_errors=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    paths = [f"belegwerk/rules/{name}.py" for name in COMPILED_MODULES]
    cwd = Path.cwd()
    os.environ["MYPY_CACHE_DIR"] = str(BUILD / "mypy_cache")  # not under src/
    os.chdir(SRC)  # mypyc derives module names from paths relative to the working directory
    try:
        extensions = mypycify(paths, group_name=GROUP, target_dir=str(BUILD / "c"), multi_file=True)
        for extension in extensions:  # multi_file puts the group's headers beside its C files
            extension.include_dirs.append(str(BUILD / "c" / "belegwerk" / "rules"))
            extension.extra_compile_args.extend(flags)
            extension.extra_link_args.extend(flags)
        setup(
            name="belegwerk-native-rules",
            ext_modules=[*extensions, scanner_extension(flags)],
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


def write_manifest(kind: str) -> None:
    """Record what was built from which sources (:mod:`belegwerk.rules.native` checks it at import)."""
    record = {
        "sources": source_digests(RULES),
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "scanner": {"source": _native.scanner_digest(RULES), "lxml": _native.lxml_version()},
        "build": kind,
    }
    (RULES / MANIFEST).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def train(profile: Path) -> str | None:
    """Run ``pgo_training.py`` against the instrumented build; its last line, or None when it
    failed or left no profile (the build then goes on without one)."""
    env = {k: v for k, v in os.environ.items() if k != _native.PURE_PYTHON_ENV}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "pgo_training.py")], env=env, capture_output=True, text=True, check=False
    )
    if run.returncode != 0 or not any(profile.rglob("*.gcda")):
        print(f"warning: the training run failed, building without a profile\n{run.stdout}{run.stderr}", file=sys.stderr)
        return None
    return run.stdout.strip().splitlines()[-1]


def build(pgo: bool = True) -> str:
    """Compile :data:`COMPILED_MODULES` and the scanner in place; returns what kind of build it is.

    With GCC the build is optimised (:data:`OPTIMISE`) and, unless ``pgo`` is off, profile-guided:
    an instrumented build runs ``pgo_training.py`` once, then the final build uses the recorded
    profile. Other compilers, or a GCC that cannot do this (no LTO plugin, say), get mypyc's
    default flags.
    """
    clean()
    if gcc_like():
        try:
            return optimised_build(pgo)
        except (Exception, SystemExit) as exc:  # setuptools reports a failed compile as SystemExit
            print(f"warning: the optimised build failed ({exc}); building with mypyc's defaults", file=sys.stderr)
            clean()
    compile_all([])
    write_manifest("plain")
    return "plain"


def optimised_build(pgo: bool) -> str:
    """The GCC build: :data:`OPTIMISE`, profile-guided when ``pgo`` and the training run succeed."""
    if pgo:
        profile = BUILD / "profile"
        compile_all([*OPTIMISE, f"-fprofile-generate={profile}", "-fprofile-update=single"])
        write_manifest("instrumented")
        trained = train(profile)
        if trained is not None:
            compile_all([*OPTIMISE, f"-fprofile-use={profile}", "-fprofile-correction", "-Wno-missing-profile"])
            write_manifest("profile-guided")
            return f"profile-guided ({trained})"
    compile_all(OPTIMISE)
    write_manifest("optimised")
    return "optimised"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules and stop")
    parser.add_argument(
        "--no-pgo",
        action="store_true",
        help="skip the profile-guided steps (also BELEGWERK_NATIVE_PGO=0): a minute quicker, validation 2-3%% slower",
    )
    args = parser.parse_args()
    if args.clean:
        clean()
        print("compiled rule packs removed; Python uses the sources")
        return
    if not args.force and up_to_date():
        print("compiled rule packs are up to date")
        return
    pgo = not args.no_pgo and os.environ.get("BELEGWERK_NATIVE_PGO", "1") != "0"
    try:
        kind = build(pgo)
    except BaseException:
        clean()  # never leave an instrumented or half-built library behind
        raise
    print(
        f"compiled {len(COMPILED_MODULES)} rule modules with mypyc and the C document scanner"
        f" into {RULES.relative_to(ROOT)}, {kind}"
    )


if __name__ == "__main__":
    main()
