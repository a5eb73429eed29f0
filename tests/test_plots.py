"""The book's figure style (lossbook.plots): figures are built in one style and displayed sharp."""

from __future__ import annotations

import base64
import struct
import warnings

import pytest

plots = pytest.importorskip("lossbook.plots")
InteractiveShell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell
InlineBackend = pytest.importorskip("matplotlib_inline.config").InlineBackend


@pytest.fixture
def shell():
    """An IPython shell of this process, removed again afterwards with the inline backend's settings."""
    shell = InteractiveShell.instance()
    yield shell
    InlineBackend.clear_instance()
    InteractiveShell.clear_instance()


@pytest.mark.parametrize("size", [{"width": 0}, {"height": -1.0}, {"ncols": 0}, {"nrows": -2}])
def test_new_figure_rejects_a_size_that_is_not_positive(size):
    with pytest.raises(ValueError, match=f"^{next(iter(size))}: must be positive"):
        plots.new_figure(**size)


def test_outside_ipython_the_style_leaves_display_settings_alone():
    assert InteractiveShell.initialized() is False
    plots.apply_style()
    assert InlineBackend.initialized() is False


def test_in_ipython_figures_are_displayed_at_twice_their_density(shell):
    from IPython.core.pylabtools import select_figure_formats

    fig, ax = plots.new_figure(width=4.0, height=3.0)
    ax.plot([0, 1], [0, 1])
    settings = InlineBackend.instance()
    assert settings.figure_formats == {"retina"}
    # What the inline backend does with the settings when it is activated by the kernel's first figure.
    select_figure_formats(shell, settings.figure_formats, **settings.print_figure_kwargs)
    data, metadata = shell.display_formatter.format(fig)
    width, height = struct.unpack(">II", base64.b64decode(data["image/png"])[16:24])
    assert metadata["image/png"] == {"width": width // 2, "height": height // 2}
    # the display size is the figure's size at 100 dpi (4 x 3 inches), give or take the margin that
    # bbox_inches="tight" trims or pads
    assert abs(width // 2 - 400) < 30 and abs(height // 2 - 300) < 30
    plots.plt.close(fig)


@pytest.mark.parametrize("choose", ["config", "set_matplotlib_formats"])
def test_a_format_chosen_after_the_first_figure_is_kept(shell, choose):
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    plots.apply_style()
    settings = InlineBackend.instance()
    # The inline backend, activated by the first figure: from now on a change of the setting selects formats.
    settings.shell = shell
    select_figure_formats(shell, settings.figure_formats)
    if choose == "config":
        with warnings.catch_warnings():  # matplotlib-inline's change hook is one traitlets deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            settings.figure_formats = ["png"]  # what %config InlineBackend.figure_formats = ["png"] does
    else:
        set_matplotlib_formats("png")
    fig, ax = plots.new_figure(width=4.0, height=3.0)  # applies the style again
    data, metadata = shell.display_formatter.format(fig)
    width = struct.unpack(">II", base64.b64decode(data["image/png"])[16:24])[0]
    assert "image/png" not in metadata and abs(width - 400) < 30
    plots.plt.close(fig)
