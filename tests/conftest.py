"""Suite-wide pytest configuration.

pytest-randomly shuffles the test order on every run, which is how the suite shows that no test depends
on another's state; hypothesis draws the same examples every run. The one exception to the shuffle is a
notebook: strict nbval runs its cells in one kernel, top to bottom, so the cells of each notebook are put
back in order (notebooks themselves stay shuffled).
"""

import pytest
from hypothesis import settings

import verified_notebooks

# Property tests draw the same examples on every run (derandomize), so a green run means the same thing each
# time; a new failing example is found by changing the code or the strategy, never by luck of the seed.
settings.register_profile("lossbook", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("lossbook")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    # A wrapper registered after pytest-randomly's (also a tryfirst wrapper) encloses it, so this runs
    # after the shuffle.
    result = yield
    positions = [k for k, item in enumerate(items) if item.path.suffix == ".ipynb"]
    cells = sorted(
        (items[k] for k in positions),
        key=lambda item: (_first_position(items, item.path), getattr(item, "cell_num", 0)),
    )
    for position, item in zip(positions, cells):
        items[position] = item
    return result


def _first_position(items, path):
    return next(k for k, item in enumerate(items) if item.path == path)


# `make test` hands the chapters that strict nbval verified to the book build (tests/verified_notebooks.py).
def pytest_addoption(parser):
    verified_notebooks.add_option(parser)


def pytest_configure(config):
    verified_notebooks.register(config)
