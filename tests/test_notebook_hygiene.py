"""Chapter notebooks are stored as one clean top-to-bottom run with deterministic outputs.

Strict nbval compares only executed cells, so an unexecuted cell would be an untested cell; outputs holding
memory addresses, absolute paths, warnings or machine details would make the comparison flaky or leak the
author's machine into the book.
"""

import base64
import json
import re
import socket
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(path):
    return [cell for cell in _load(path)["cells"] if cell["cell_type"] == "code"]


def _output_texts(path):
    for cell in _code_cells(path):
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            texts += [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
            for text in texts:
                yield "".join(text) if isinstance(text, list) else text


def test_there_are_chapters():
    assert NOTEBOOKS, "no chapter notebooks found under chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernelspec_is_python3(path):
    assert _load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_were_executed_in_order_from_one(path):
    counts = [cell["execution_count"] for cell in _code_cells(path) if "".join(cell["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_error_outputs(path):
    kinds = [o["output_type"] for cell in _code_cells(path) for o in cell.get("outputs", [])]
    assert "error" not in kinds


VOLATILE = {
    "memory address": re.compile(r"0x[0-9a-fA-F]{6,}"),
    "absolute path": re.compile(r"(/home/|/root/|/tmp/|/work/|/Users/|[A-Z]:\\\\)"),
    "warning": re.compile(r"\b\w*Warning\b"),
    "date or time": re.compile(r"\b20\d\d-\d\d-\d\d\b|\b\d\d:\d\d:\d\d\b"),
    "timing": re.compile(r"\b(Wall time|CPU times|\d+(\.\d+)? ?(ms|µs) per loop)\b"),
    "version string": re.compile(r"\b(version|v)?\s?\d+\.\d+\.\d+(rc\d+|\.post\d+)?\b(?!\d)"),
    "host name": re.compile(re.escape(socket.gethostname())) if len(socket.gethostname()) > 3 else re.compile(r"(?!)"),
    "thread count": re.compile(r"\b(threads?|cores?|cpu_count)\s*[:=]\s*\d+", re.IGNORECASE),
}


@pytest.mark.parametrize("kind", VOLATILE, ids=str)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_hold_nothing_volatile(path, kind):
    pattern = VOLATILE[kind]
    hits = [text[:120] for text in _output_texts(path) if pattern.search(text)]
    assert not hits, f"{path.name}: {kind} in stored outputs: {hits}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stderr_output(path):
    streams = [o.get("name") for cell in _code_cells(path) for o in cell.get("outputs", []) if o["output_type"] == "stream"]
    assert "stderr" not in streams


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_alt_text_and_a_caption(path):
    for cell in _code_cells(path):
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            mystnb = cell["metadata"].get("mystnb", {})
            alt = mystnb.get("image", {}).get("alt", "")
            assert len(alt) >= 40 and not re.search(r"\.(png|svg|jpg)$", alt), f"{path.name}: alt text {alt!r}"
            assert mystnb.get("figure", {}).get("caption"), f"{path.name}: a figure without a caption"
            assert mystnb["figure"].get("name", "").startswith("fig-"), f"{path.name}: a figure without a label"


def _png_size(encoded):
    """Width and height in pixels of a base64-encoded PNG, read from its IHDR chunk."""
    header = base64.b64decode(encoded[:64])
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_is_stored_at_twice_its_display_size(path):
    """Figures are stored as retina PNGs (200 dpi), so they stay sharp on dense screens and in the PDF edition."""
    for cell in _code_cells(path):
        for output in cell.get("outputs", []):
            if "image/png" not in output.get("data", {}):
                continue
            data = output["data"]["image/png"]
            width, height = _png_size(data if isinstance(data, str) else "".join(data))
            shown = output.get("metadata", {}).get("image/png", {})
            assert (shown.get("width"), shown.get("height")) == (width // 2, height // 2), (
                f"{path.name}: a {width} x {height} figure displayed at {shown or 'its pixel size'}"
            )
