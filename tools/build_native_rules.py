"""Build an opt-in compiled copy of the rule packs with mypyc (an experiment, not the default).

    python tools/build_native_rules.py [--out build/native] [MODULE ...]

Copies ``src/`` to ``<out>/src`` and compiles the given rule modules there with mypyc (default:
the EN 16931 CII pack, the largest single pack and the one verified so far). The pure-Python
sources stay the reference; run anything against the compiled copy with
``PYTHONPATH=<out>/src`` (``benchmarks/einvoice.py --src <out>/src``), and the test suite with
``python tools/build_native_rules.py --tests`` (copies ``tests/`` and ``pyproject.toml`` too, so
``pytest`` run inside ``<out>`` imports the compiled modules).

Why only some modules: mypyc enforces declared types at run time, and the lxml stubs declare
``_Element.tag`` as ``str`` although comments and processing instructions carry a function there;
modules must read such values through ``Any`` first. Modules that subclass interpreted
dataclasses (``en16931_ubl_support``) or nest lambdas in module-level tables
(``en16931_ubl_model``) do not compile with mypyc 1.x yet.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Modules compiled by default: verified finding-for-finding against the pure-Python version.
DEFAULT_MODULES = (
    "belegwerk/rules/en16931_cii_index.py",
    "belegwerk/rules/en16931_cii_model.py",
    "belegwerk/rules/en16931_cii_syntax.py",
    "belegwerk/rules/en16931_cii_codes.py",
    "belegwerk/rules/en16931_cii_numbers.py",
)


def build(out: Path, modules: list[str], *, with_tests: bool) -> None:
    """Copy the sources to ``out`` and compile ``modules`` (paths relative to ``src``) in place there."""
    src = out / "src"
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    if with_tests:
        if (out / "tests").exists():
            shutil.rmtree(out / "tests")
        shutil.copytree(ROOT / "tests", out / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "pyproject.toml", out / "pyproject.toml")
    mypyc = Path(sys.executable).with_name("mypyc")
    command = [str(mypyc) if mypyc.exists() else "mypyc", *modules]
    subprocess.run(command, cwd=src, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "native")
    parser.add_argument("--tests", action="store_true", help="also copy tests/ and pyproject.toml")
    parser.add_argument("modules", nargs="*", help="module paths relative to src/ (default: the CII pack)")
    args = parser.parse_args()
    build(args.out.resolve(), args.modules or list(DEFAULT_MODULES), with_tests=args.tests)
    print(f"compiled copy in {args.out / 'src'}")


if __name__ == "__main__":
    main()
