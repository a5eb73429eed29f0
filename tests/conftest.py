"""Suite-wide pytest configuration.

pytest-randomly shuffles the test order on every run, which is how the suite shows that no test depends
on another's state. The one exception is a notebook: strict nbval runs its cells in one kernel, top to
bottom, so the cells of each notebook are put back in order (notebooks themselves stay shuffled).
"""

import pytest


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
