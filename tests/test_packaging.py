"""The built wheel (not the editable checkout) gives a working ``rag``.

The wheel is built from this tree, installed with ``--no-deps`` into a scratch
virtual environment that borrows the dependencies of the running interpreter,
and driven from a directory outside the checkout so nothing from the source
tree can leak onto ``sys.path``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Build from a clean copy: setuptools' build/ directory would otherwise carry stale files
    # from earlier builds into the wheel and hide a packaging mistake.
    src = tmp_path_factory.mktemp("src") / "project"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "index", "reports", "node_modules"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        check=True,
        cwd=out,
    )
    (whl,) = out.glob("rag_cite-*.whl")
    return whl


@pytest.fixture(scope="module")
def scratch_env(wheel, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("wheel-env")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    # Dependencies come from the running environment; the project itself only from the wheel.
    # A plain path line in a .pth file adds the directory without running its own .pth files,
    # so the checkout's editable-install finder is not activated.
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
    )
    work = base / "cwd"
    work.mkdir()
    return {"bin": venv / "bin", "cwd": work, "site": site}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") and k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    return env


def test_wheel_contains_every_package_and_the_sample_corpus(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for pkg in ROOT.glob("rag/**/__init__.py"):
        assert str(pkg.relative_to(ROOT)) in names, pkg
    for pkg in ("ui/__init__.py", "eval/__init__.py", "rag/py.typed"):
        assert pkg in names
    sample = {p.name for p in (ROOT / "rag" / "sample").glob("*.txt")}
    assert sample and {f"rag/sample/{n}" for n in sample} <= names


def test_installed_wheel_imports_from_site_packages(scratch_env):
    out = subprocess.run(
        [str(scratch_env["bin"] / "python"), "-c", "import rag, rag.cli, rag.answer, ui, eval; print(rag.__file__)"],
        cwd=scratch_env["cwd"], env=_env(), capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip().startswith(str(scratch_env["site"]))


@pytest.mark.e2e
def test_installed_rag_indexes_the_bundled_sample_and_answers(scratch_env):
    rag = str(scratch_env["bin"] / "rag")
    run = dict(cwd=scratch_env["cwd"], env=_env(), capture_output=True, text=True, timeout=600)
    help_ = subprocess.run([rag, "--help"], **run)
    assert help_.returncode == 0 and "index" in help_.stdout

    # With no --index-dir an installed rag writes to the user's data directory, never site-packages.
    data_home = scratch_env["cwd"] / "data"
    run["env"] = {**run["env"], "XDG_DATA_HOME": str(data_home)}
    built = subprocess.run([rag, "index"], **run)
    assert built.returncode == 0, built.stderr
    assert "indexed 5 documents" in built.stdout
    assert (data_home / "rag-cite" / "index" / "CURRENT").is_file()
    assert not list(scratch_env["site"].glob("index"))

    asked = subprocess.run([rag, "ask", "What SME financing measures were announced?", "--json"], **run)
    assert asked.returncode == 0, asked.stderr
    assert '"refused": false' in asked.stdout and '"citations": [{' in asked.stdout
