"""The API reference page of the built book lists exactly the public names of each module.

It reads the built HTML (the ``built_book`` fixture builds the book if it is missing), so it runs with the
other tests of the built book, after the build in ``make test``.
"""

import re

import pytest

from lossbook import numeric, plots, symbolic


@pytest.fixture(scope="module")
def documented(built_book):
    page = built_book / "api.html"
    ids = re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', page.read_text(encoding="utf-8"))
    return {i for i in ids if i.count(".") == 2}


@pytest.mark.parametrize("module", [symbolic, numeric, plots], ids=lambda m: m.__name__)
def test_api_page_lists_exactly_the_public_names(documented, module):
    listed = {i.rsplit(".", 1)[1] for i in documented if i.startswith(module.__name__ + ".")}
    assert listed == set(module.__all__)
