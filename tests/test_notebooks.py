"""The planners' notebooks: kept without outputs, paired with their py:percent text form, each with
a papermill ``parameters`` cell, and each running top to bottom on the bundled data with the
``python3`` kernel — which must be this very interpreter (the project's venv)."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from orgmodel import export as X
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = ["01-where-we-stand", "02-what-became-of-each-unit", "03-can-we-cut-another-10-percent", "04-what-if"]
#: Parameter overrides that keep the test short (everything else: the notebook's own defaults).
FAST = {"03-can-we-cut-another-10-percent": {"frontier_steps": 3}}
KERNEL = "python3"


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)


def test_the_notebooks_and_their_text_forms_exist():
    assert sorted(p.stem for p in NB_DIR.glob("*.ipynb")) == NOTEBOOKS
    assert sorted(p.stem for p in NB_DIR.glob("*.py")) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_without_outputs_with_a_parameters_cell(name):
    nb = read(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == KERNEL
    assert nb.metadata.jupytext.formats == "ipynb,py:percent"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    assert all(len(c.source.splitlines()) <= 8 for c in code)  # logic lives in the package
    assert nb.cells[0].cell_type == "markdown"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_paired_text_form_is_in_sync(name):
    ipynb = jupytext.read(NB_DIR / f"{name}.ipynb")
    py = jupytext.read(NB_DIR / f"{name}.py")
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [(c.cell_type, c.source) for c in py.cells]
    assert [c.metadata.get("tags", []) for c in ipynb.cells] == [c.metadata.get("tags", []) for c in py.cells]


def test_python3_kernel_is_this_interpreter():
    """jupyter_client starts a kernelspec whose argv begins with "python" with sys.executable:
    run from the venv (as make and pytest do), "python3" is the venv's own interpreter."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.executable)")])
    NotebookClient(nb, kernel_name=KERNEL, timeout=60).execute()
    assert Path(nb.cells[0].outputs[0].text.strip()).resolve() == Path(sys.executable).resolve()


def run(name: str, **overrides) -> nbformat.NotebookNode:
    nb = load_notebook_node(str(NB_DIR / f"{name}.ipynb"))  # as papermill reads it (every cell has tags)
    params = {**FAST.get(name, {}), **overrides}
    if params:
        nb = parameterize_notebook(nb, params, kernel_name=KERNEL, language="python")
    NotebookClient(nb, kernel_name=KERNEL, timeout=300, resources={"metadata": {"path": str(NB_DIR)}}).execute()
    return nb


def outputs(nb, kind: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == kind]


def figure_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(("G.", "M.", "front =", "fig ="))
            and "if G." not in c.source]


def markdown_text(nb) -> str:
    return "".join(o.get("data", {}).get("text/markdown", "") for o in outputs(nb, "display_data") + outputs(nb, "execute_result"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(name):
    nb = run(name)
    assert not outputs(nb, "error")
    assert figure_cells(nb)
    for cell in figure_cells(nb):  # each figure cell shows its figure once, as SVG (never PNG)
        images = [o for o in cell.outputs if "image/svg+xml" in o.get("data", {})]
        assert len(images) == 1, cell.source
        assert not [o for o in cell.outputs if "image/png" in o.get("data", {})], cell.source
        assert images[0]["data"]["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    if name.startswith("01"):  # the proposal sentences come out as Markdown, not as stdout
        tl = Timeline(load_registry(ROOT / "data" / "quang-ninh"))
        text = markdown_text(nb)
        assert X.summary_sentence(tl, "2015-12-31", "2021-12-31", "vi") in text
        assert "227" in text and "18,0%" in text
        assert not outputs(nb, "stream")
    if name.startswith("04"):  # the what-if controls are widgets, and the plan is solved once
        views = [o for o in outputs(nb, "execute_result") if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert len(views) == 1


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_not_marked_modified_when_opened(name):
    """JupyterLab rewrites (and marks modified) a notebook whose cells lack ids, whose format is
    older than 4.5, or whose language_info differs from the kernel's (tests/test_browser.py opens
    them for real); the prose is Vietnamese (NFC)."""
    raw = json.loads((NB_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert (raw["nbformat"], raw["nbformat_minor"]) == (4, 5)
    ids = [c.get("id") for c in raw["cells"]]
    assert all(ids) and len(set(ids)) == len(ids)
    assert set(raw["metadata"]) == {"jupytext", "kernelspec", "language_info"}  # no signature or widget state
    # what the kernel reports on start; JupyterLab rewrites (and marks modified) a notebook without it
    assert raw["metadata"]["language_info"]["name"] == "python"
    assert raw["metadata"]["language_info"]["codemirror_mode"] == {"name": "ipython", "version": 3}
    assert all(set(c["metadata"]) <= {"tags"} for c in raw["cells"])
    prose = "".join("".join(c["source"]) for c in raw["cells"] if c["cell_type"] == "markdown")
    assert prose == unicodedata.normalize("NFC", prose)
    assert sum(ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ" for ch in prose.lower()) > 0.04 * len(prose)
