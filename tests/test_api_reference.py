"""The API reference page of the built book lists exactly the public names of each module.

`make test` builds the book before running pytest; run `make book` first when running this file alone.
"""

import re
from pathlib import Path

import pytest

from lossbook import numeric, plots, symbolic

API_PAGE = Path(__file__).resolve().parents[1] / "_build" / "html" / "api.html"


@pytest.fixture(scope="module")
def documented():
    assert API_PAGE.exists(), f"{API_PAGE} is missing: build the book first (make book)"
    ids = re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', API_PAGE.read_text(encoding="utf-8"))
    return {i for i in ids if i.count(".") == 2}


@pytest.mark.parametrize("module", [symbolic, numeric, plots], ids=lambda m: m.__name__)
def test_api_page_lists_exactly_the_public_names(documented, module):
    listed = {i.rsplit(".", 1)[1] for i in documented if i.startswith(module.__name__ + ".")}
    assert listed == set(module.__all__)
