"""The compiled (mypyc) rule packs: used only when current, and identical in their findings.

``tools/build_native_rules.py`` compiles the packs beside their sources; ``belegwerk.rules.native``
decides at import time whether the binaries may run. The test command builds them and sets
``BELEGWERK_EXPECT_NATIVE=1``, so in CI the suite runs on the compiled packs and the tests here
check that it really did, that the pure-Python sources give finding-for-finding the same reports
on every corpus file, and that an edited source is never shadowed by an older binary.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest

from belegwerk.rules import native
from belegwerk.rules.validate import validate_bytes, validate_path
from support import ROOT, cli_env

pytestmark = pytest.mark.einvoice

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
EXPECT_NATIVE = os.environ.get("BELEGWERK_EXPECT_NATIVE", "") not in ("", "0")


def _fake_build(directory: Path, modules: tuple[str, ...] = native.COMPILED_MODULES) -> None:
    """Sources, placeholder extension files and a manifest, as the build leaves them."""
    for name in native.COMPILED_MODULES:
        (directory / f"{name}.py").write_text(f"# {name}\n", encoding="utf-8")
    for name in modules:
        (directory / f"{name}{SUFFIX}").write_bytes(b"")
    record = {"sources": native.source_digests(directory), "ext_suffix": SUFFIX}
    (directory / native.MANIFEST).write_text(json.dumps(record), encoding="utf-8")


def test_no_build_means_sources(tmp_path: Path) -> None:
    for name in native.COMPILED_MODULES:
        (tmp_path / f"{name}.py").write_text("", encoding="utf-8")
    status = native.decide(tmp_path, {})
    assert not status.compiled
    assert "not compiled" in status.reason


def test_current_build_is_used(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    status = native.decide(tmp_path, {})
    assert status.compiled, status.reason
    assert status.describe().startswith("compiled (mypyc)")


def test_edited_source_disables_the_whole_build(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    (tmp_path / "peppol_ubl.py").write_text("# edited after the build\n", encoding="utf-8")
    status = native.decide(tmp_path, {})
    assert not status.compiled
    assert status.stale == ("peppol_ubl",)
    assert "tools/build_native_rules.py" in status.reason


def test_incomplete_build_and_missing_manifest_are_refused(tmp_path: Path) -> None:
    _fake_build(tmp_path, native.COMPILED_MODULES[:-1])
    assert "incomplete" in native.decide(tmp_path, {}).reason
    _fake_build(tmp_path)
    (tmp_path / native.MANIFEST).unlink()
    assert not native.decide(tmp_path, {}).compiled


def test_pure_python_switch(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    assert not native.decide(tmp_path, {native.PURE_PYTHON_ENV: "1"}).compiled
    assert native.decide(tmp_path, {native.PURE_PYTHON_ENV: "0"}).compiled


def test_the_manifest_names_the_kind_of_build(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    assert native.build_kind(tmp_path) == "plain"  # manifests from before the kind was recorded
    assert native.decide(tmp_path, {}).describe() == f"compiled (mypyc): {len(native.COMPILED_MODULES)} modules, plain build"
    record = json.loads((tmp_path / native.MANIFEST).read_text(encoding="utf-8"))
    (tmp_path / native.MANIFEST).write_text(json.dumps({**record, "build": "profile-guided"}), encoding="utf-8")
    assert native.build_kind(tmp_path) == "profile-guided"
    assert native.decide(tmp_path, {}).describe().endswith("modules, profile-guided build")
    (tmp_path / native.MANIFEST).unlink()
    assert native.build_kind(tmp_path) is None


def _tool(name: str) -> ModuleType:
    """A script of ``tools/`` loaded as a module (they are not part of the package)."""
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unfinished_profile_guided_build_is_rebuilt(tmp_path: Path) -> None:
    """The instrumented step of a profile-guided build is current by its digests, but never
    counts as up to date: the next build run replaces it."""
    tool = _tool("build_native_rules")
    _fake_build(tmp_path)
    (tmp_path / f"{native.SCANNER}.c").write_text("/* scanner */\n", encoding="utf-8")
    (tmp_path / f"{native.SCANNER}{SUFFIX}").write_bytes(b"")
    record = json.loads((tmp_path / native.MANIFEST).read_text(encoding="utf-8"))
    record["scanner"] = {"source": native.scanner_digest(tmp_path), "lxml": native.lxml_version()}
    for kind, current in (("profile-guided", True), ("optimised", True), ("instrumented", False)):
        (tmp_path / native.MANIFEST).write_text(json.dumps({**record, "build": kind}), encoding="utf-8")
        assert tool.up_to_date(tmp_path) is current, kind


@pytest.mark.skipif(not EXPECT_NATIVE, reason="the compiled packs are not built (BELEGWERK_EXPECT_NATIVE unset)")
def test_the_suite_runs_on_a_profile_guided_build() -> None:
    """With GCC (the test machines' compiler) the build the suite runs is the profile-guided one."""
    tool = _tool("build_native_rules")
    if not tool.gcc_like() or os.environ.get("BELEGWERK_NATIVE_PGO", "1") == "0":
        pytest.skip("no GCC, or the profile-guided steps are switched off")
    assert native.build_kind() == "profile-guided"


def test_the_training_set_is_fixed_and_covers_both_syntaxes_and_all_scenarios() -> None:
    training = _tool("pgo_training")
    documents = list(training.documents(12))
    assert documents == list(training.documents(12)), "the same documents on every machine"
    reports = [validate_bytes(data) for data in documents]
    assert {r.syntax for r in reports} == {"ubl-invoice", "ubl-creditnote", "cii"}
    scenarios = {r.scenario for r in reports if r.scenario}
    for syntax in ("UBL", "CII"):
        for kind in ("EN16931 (", "XRechnung", "Peppol"):
            assert any(kind in s and syntax in s for s in scenarios), (kind, syntax, scenarios)
    intact, damaged = reports[::2], reports[1::2]
    assert sum(r.valid for r in intact) >= len(intact) // 3, "most intact documents pass"
    assert sum(not r.valid for r in damaged) >= len(damaged) // 2, "most damaged documents fail"
    assert all(r.readable for r in reports)


def _loaded_from(env: dict[str, str], src: Path = ROOT / "src") -> dict[str, str]:
    code = (
        "import json, belegwerk.rules.engine as e, belegwerk.rules.peppol_ubl as p;"
        "from belegwerk.rules import native;"
        "print(json.dumps({'engine': e.__file__, 'peppol': p.__file__, 'status': native.status().describe()}))"
    )
    env = {**env, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, str] = json.loads(out.stdout)
    return result


@pytest.mark.skipif(not EXPECT_NATIVE, reason="the compiled packs are not built (BELEGWERK_EXPECT_NATIVE unset)")
def test_the_suite_runs_on_the_compiled_packs() -> None:
    assert native.status().compiled, native.status().reason
    from belegwerk.rules import en16931_cii_model, en16931_ubl_model, engine, xrechnung_ubl

    for module in (engine, en16931_ubl_model, en16931_cii_model, xrechnung_ubl):
        assert str(module.__file__).endswith(SUFFIX), module.__file__
    forced = _loaded_from(cli_env(**{native.PURE_PYTHON_ENV: "1"}))
    assert forced["engine"].endswith("engine.py") and forced["peppol"].endswith("peppol_ubl.py")
    assert forced["status"] == f"pure Python: {native.PURE_PYTHON_ENV} is set"


@pytest.mark.skipif(not EXPECT_NATIVE, reason="the compiled packs are not built (BELEGWERK_EXPECT_NATIVE unset)")
def test_stale_binaries_are_not_used(tmp_path: Path) -> None:
    """A copy of the built package with one edited rule module runs entirely from its sources."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "belegwerk", src / "belegwerk", ignore=shutil.ignore_patterns("__pycache__"))
    engine_py = src / "belegwerk" / "rules" / "engine.py"
    engine_py.write_text(engine_py.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    loaded = _loaded_from(cli_env(), src)
    assert loaded["engine"] == str(engine_py)
    assert loaded["peppol"].endswith("peppol_ubl.py"), "all compiled modules fall back together"
    assert "sources changed since the build (engine)" in loaded["status"]


_DUMP = """
import json, sys
from pathlib import Path
from belegwerk.rules.validate import validate_path
for line in sys.stdin:
    r = validate_path(Path(line.strip()))
    print(json.dumps(sorted((f.rule_id, str(f.severity), f.location, f.message, f.ruleset) for f in r.findings)))
"""


def _differing(files: list[Path], corpus: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """(files whose findings differ, compiled findings per file): the compiled packs in this
    process against the sources in a subprocess (``BELEGWERK_PURE_PYTHON=1``)."""
    env = cli_env(**{native.PURE_PYTHON_ENV: "1", "BELEGWERK_XSD_DIR": str(corpus / "rules/xsd")})
    out = subprocess.run(
        [sys.executable, "-c", _DUMP],
        input="\n".join(map(str, files)),
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    monkeypatch.setenv("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))
    compiled = [
        json.dumps(
            sorted((f.rule_id, str(f.severity), f.location, f.message, f.ruleset) for f in validate_path(p).findings)
        )
        for p in files
    ]
    pure = out.stdout.splitlines()
    return [str(p) for p, a, b in zip(files, compiled, pure, strict=True) if a != b], compiled


@pytest.mark.skipif(not EXPECT_NATIVE, reason="the compiled packs are not built (BELEGWERK_EXPECT_NATIVE unset)")
def test_compiled_and_source_packs_agree_on_every_corpus_file(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [corpus / json.loads(line)["file"] for line in (corpus / "oracle-verdicts.jsonl").read_text().splitlines()]
    assert len(files) > 500
    differing, compiled = _differing(files, corpus, monkeypatch)
    assert not differing, f"{len(differing)} files differ, first: {differing[:3]}"
    assert sum(1 for line in compiled if line != "[]") > 200, "the comparison covers files with findings"


def _variants(data: bytes) -> dict[str, bytes]:
    """The same document with nodes lxml's type stubs do not describe: comments and processing
    instructions as first children (their ``tag`` is a function), elements without a namespace
    (``prefix``/``namespace`` are None) — what compiled code must read without type errors."""
    from lxml import etree

    out: dict[str, bytes] = {}
    for kind in ("comment", "pi", "plain"):
        root = etree.fromstring(data)
        for el in list(root.iter(etree.Element)):
            if kind == "comment":
                el.insert(0, etree.Comment(" inserted "))
            elif kind == "pi":
                el.insert(0, etree.ProcessingInstruction("belegwerk", "inserted"))
            elif len(el):
                el.append(etree.Element("Unqualified"))
        out[kind] = etree.tostring(root)
    return out


@pytest.mark.skipif(not EXPECT_NATIVE, reason="the compiled packs are not built (BELEGWERK_EXPECT_NATIVE unset)")
def test_odd_nodes_give_the_same_findings_compiled_and_from_source(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [json.loads(line) for line in (corpus / "oracle-verdicts.jsonl").read_text().splitlines()]
    picked = [r["file"] for r in rows if r["file"].startswith(("xrechnung-testsuite/business-cases/", "peppol-bis/"))]
    files: list[Path] = []
    for rel in picked[::4]:
        for kind, data in _variants((corpus / rel).read_bytes()).items():
            target = tmp_path / f"{len(files):04d}-{kind}.xml"
            target.write_bytes(data)
            files.append(target)
    assert len(files) > 60
    differing, _ = _differing(files, corpus, monkeypatch)
    assert not differing, f"{len(differing)} files differ, first: {differing[:3]}"


def test_config_show_names_the_rule_pack_build(tmp_path: Path) -> None:
    env = cli_env(BELEGWERK_DATA_DIR=str(tmp_path), **{native.PURE_PYTHON_ENV: "1"})
    out = subprocess.run(
        [sys.executable, "-m", "belegwerk", "config", "show"], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    expected = "pure Python: BELEGWERK_PURE_PYTHON is set" if EXPECT_NATIVE else "pure Python: "
    assert f"rule packs: {expected}" in out.stdout
