"""The API reference page of the built book lists exactly the public names of each module.

It reads the built HTML (the ``built_book`` fixture builds the book if it is missing), so it runs with the
other tests of the built book, after the build in ``make test``. The modules are imported by the test itself,
not when pytest collects this file: importing lossbook (SymPy, SciPy, matplotlib) takes a second of CPU,
which only the xdist worker that runs the test then spends.
"""

import importlib
import re

import pytest


@pytest.fixture(scope="module")
def documented(built_book):
    page = built_book / "api.html"
    ids = re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', page.read_text(encoding="utf-8"))
    return {i for i in ids if i.count(".") == 2}


@pytest.mark.parametrize("name", ["lossbook.symbolic", "lossbook.numeric", "lossbook.plots"])
def test_api_page_lists_exactly_the_public_names(documented, name):
    module = importlib.import_module(name)
    listed = {i.rsplit(".", 1)[1] for i in documented if i.startswith(name + ".")}
    assert listed == set(module.__all__)
