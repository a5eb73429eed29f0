"""lossbook installs on its own: `pip install .` brings only what the library needs, not matplotlib."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lossbook

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"


@pytest.fixture(scope="module")
def bare_environment(tmp_path_factory):
    """A new virtual environment with `pip install .` of lossbook (versions constrained by the lock file)."""
    scratch = tmp_path_factory.mktemp("bare")
    source = scratch / "source"  # building from a copy leaves no build/ directory in the working tree
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "lossbook", source / "lossbook", ignore=shutil.ignore_patterns("__pycache__"))
    venv = scratch / "venv"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), "-c", str(ROOT / "requirements.lock"), str(source)],
        check=True,
    )
    return python


def _run(python, code):
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd="/")


def test_symbolic_and_numeric_work_without_matplotlib(bare_environment):
    code = (
        "import importlib.util, sympy as sp\n"
        "assert importlib.util.find_spec('matplotlib') is None\n"
        "from lossbook.symbolic import Normal, kl\n"
        "from lossbook.numeric import kl_normal\n"
        "m = sp.Symbol('m', real=True)\n"
        "assert kl(Normal(m, 1), Normal(0, 1)) == m**2 / 2\n"
        "assert kl_normal(1.0, 1.0, 0.0, 1.0) == 0.5\n"
    )
    result = _run(bare_environment, code)
    assert result.returncode == 0, result.stderr


def test_plots_without_matplotlib_says_which_extra_to_install(bare_environment):
    result = _run(bare_environment, "import lossbook.plots")
    assert result.returncode != 0 and "lossbook[plots]" in result.stderr


def test_installed_version_matches_the_source(bare_environment):
    result = _run(bare_environment, "import lossbook; print(lossbook.__version__)")
    assert result.stdout.strip() == lossbook.__version__


def test_public_names_are_listed_in_all():
    from lossbook import numeric, plots, symbolic

    for module in (symbolic, numeric, plots):
        public = {name for name in vars(module) if not name.startswith("_") and callable(getattr(module, name))}
        defined_here = {name for name in public if getattr(getattr(module, name), "__module__", "").startswith(module.__name__)}
        assert defined_here <= set(module.__all__), f"{module.__name__}: not in __all__: {defined_here - set(module.__all__)}"


def test_every_public_function_documents_its_chapter():
    from lossbook import numeric, symbolic

    for module in (symbolic, numeric):
        for name in module.__all__:
            doc = getattr(module, name).__doc__ or ""
            owner = getattr(getattr(module, name), "__module__", "")
            module_doc = sys.modules[owner].__doc__ or ""
            assert "chapters/" in doc or "chapters/" in module_doc, f"{module.__name__}.{name}: no chapter link"


def test_installed_package_is_marked_typed(bare_environment):
    code = "import importlib.resources as r; print(r.files('lossbook').joinpath('py.typed').is_file())"
    assert _run(bare_environment, code).stdout.strip() == "True"
