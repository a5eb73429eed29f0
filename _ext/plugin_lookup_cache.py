"""Look up the bibliography's plugins once per build instead of once per citation.

Every ``{footcite}`` makes sphinxcontrib-bibtex build the bibliography style through pybtex's ``find_plugin``,
and the style finds its label, name and sorting styles the same way: four calls of
``importlib.metadata.entry_points(group=..., name=...)``, each of which reads the metadata of every installed
distribution. Over the book's citations that was a quarter of the build's time (about 15 s of 60). Installed
entry points do not change while Sphinx runs, so each lookup is kept by its arguments; plugins registered at
run time are still looked up first, as before, since both libraries consult their own registries before
the entry points.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from sphinx.application import Sphinx


def cached_lookup(entry_points: Callable) -> Callable:
    """``entry_points`` with each result kept by its keyword arguments (results are tuples, so unchangeable).

    Examples
    --------
    >>> calls = []
    >>> def entry_points(**selection):
    ...     calls.append(selection)
    ...     return ["plugin"]
    >>> lookup = cached_lookup(entry_points)
    >>> lookup(group="pybtex.style.formatting", name="plain"), lookup(group="pybtex.style.formatting", name="plain")
    (('plugin',), ('plugin',))
    >>> len(calls)
    1
    """
    if getattr(entry_points, "cached_lookup", False):
        return entry_points

    @functools.lru_cache(maxsize=None)
    def by_selection(selection: tuple) -> tuple:
        return tuple(entry_points(**dict(selection)))

    @functools.wraps(entry_points)
    def lookup(**selection):
        return by_selection(tuple(sorted(selection.items())))

    lookup.cached_lookup = True
    return lookup


def setup(app: Sphinx) -> dict:
    pybtex.plugin.entry_points = cached_lookup(pybtex.plugin.entry_points)
    sphinxcontrib.bibtex.plugin.entry_points = cached_lookup(sphinxcontrib.bibtex.plugin.entry_points)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
