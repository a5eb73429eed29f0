"""The book's figure style and its recurring figures (matplotlib is imported here and nowhere else).

Every figure has an opaque white background, so it stays legible when a reader's page is in dark mode, uses
the Okabe-Ito colour-blind-safe palette, and labels its axes. Functions return the
:class:`matplotlib.figure.Figure`; they never call ``plt.show()``.

Install with ``pip install "lossbook[plots]"``. The figures are introduced in
`KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np

try:
    import matplotlib as mpl
    import matplotlib.pyplot as plt
except ImportError as error:  # the library works without matplotlib; only the figures need it
    raise ImportError('lossbook.plots needs matplotlib: pip install "lossbook[plots]"') from error
from matplotlib.figure import Figure

from . import numeric

__all__ = [
    "PALETTE",
    "DIVERGING",
    "apply_style",
    "new_figure",
    "losses_side_by_side",
    "kl_against_mean_gap",
    "kl_against_scale_ratio",
    "kl_asymmetry_map",
    "data_with_estimates",
]

#: Okabe & Ito's colour-blind-safe palette (blue, vermillion, bluish green, reddish purple, orange, sky blue,
#: yellow, black).
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: A diverging colour map that stays readable for the common colour-vision deficiencies.
DIVERGING = "PuOr_r"

_STYLE = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "image.cmap": "cividis",
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
}


def apply_style() -> None:
    """Set the book's matplotlib style for every later figure (also called by :func:`new_figure`).

    In an IPython kernel, figures are also displayed at twice their pixel density (the inline backend's
    ``"retina"`` format: a PNG at 200 dpi whose stated display size is that of the 100 dpi figure), so that a
    figure is as large on the page as before and stays sharp on a high-density screen and in the book's PDF
    edition. This is chosen once per session, at the first call: a format chosen afterwards, for example with
    ``%config InlineBackend.figure_formats = ["png"]``, is kept.

    Examples
    --------
    >>> apply_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["figure.facecolor"]
    'white'
    """
    mpl.rcParams.update(_STYLE)
    _display_at_twice_the_density()


_DENSITY_CHOSEN_FOR: list[object] = []  # the IPython shell whose figure format apply_style has chosen


def _display_at_twice_the_density() -> None:
    """Make the IPython shell, if there is one, display figures as retina PNGs (see :func:`apply_style`);
    once per shell, so that a reader's later choice stands."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # matplotlib outside IPython: nothing displays figures
        return
    shell = get_ipython()
    if shell is None or any(chosen is shell for chosen in _DENSITY_CHOSEN_FOR):
        return
    _DENSITY_CHOSEN_FOR[:] = [shell]
    # The inline backend selects its formats from this setting when it is activated (at the first figure),
    # and selects them again on a change once it is active.
    settings = InlineBackend.instance(parent=shell)
    if settings.figure_formats != {"retina"}:
        with warnings.catch_warnings():  # matplotlib-inline observes the setting by a hook traitlets deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            settings.figure_formats = {"retina"}


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 6.4, height: float = 4.0, **kwargs):
    """A figure and its axes in the book's style, with an opaque white background.

    Parameters
    ----------
    ncols, nrows : int
        Grid of axes.
    width, height : float
        Size in inches of the whole figure.
    **kwargs
        Passed to :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    tuple
        ``(figure, axes)`` as from :func:`matplotlib.pyplot.subplots`.

    Raises
    ------
    ValueError
        If ``ncols``, ``nrows``, ``width`` or ``height`` is not positive.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> fig.get_facecolor()
    (1.0, 1.0, 1.0, 1.0)
    >>> plt.close(fig)
    """
    for name, value in (("ncols", ncols), ("nrows", nrows), ("width", width), ("height", height)):
        if not value > 0:
            raise ValueError(f"{name}: must be positive, got {value}")
    apply_style()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), facecolor="white", **kwargs)
    fig.set_layout_engine("constrained")
    return fig, axes


def _figure_for(ax, **size):
    """The figure of ``ax``, or a new figure and axes in the book's style when ``ax`` is None."""
    if ax is None:
        return new_figure(**size)
    return ax.figure, ax


def losses_side_by_side(
    losses: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    residuals: Sequence[float] | np.ndarray | None = None,
    *,
    ax=None,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    r"""Plot several per-residual losses :math:`\ell(r)` on one pair of axes.

    Parameters
    ----------
    losses : mapping of str to callable
        Legend label (may contain ``$...$`` mathtext) to a function of the residual array.
    residuals : array_like, optional
        Residuals to evaluate at; default 401 points on [-3, 3].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.
    ylim : tuple of float, optional
        Limits of the vertical axis.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``losses`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> fig = losses_side_by_side({"$r^2$": np.square, "$|r|$": np.abs})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['$r^2$', '$|r|$']
    >>> plt.close(fig)
    """
    if not losses:
        raise ValueError("losses: give at least one loss to plot")
    r = np.linspace(-3, 3, 401) if residuals is None else np.asarray(residuals, dtype=float)
    fig, ax = _figure_for(ax)
    for label, loss in losses.items():
        ax.plot(r, loss(r), label=label)
    ax.set_xlabel("residual $r = y - \\hat{y}$")
    ax.set_ylabel("loss $\\ell(r)$")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend()
    return fig


def kl_against_mean_gap(gaps: np.ndarray | None = None, scales: Sequence[float] = (1.0,), *, ax=None) -> Figure:
    r"""KL divergence between two Gaussians against the gap of their means, with the L2 curve.

    For each model scale :math:`\sigma_m` in ``scales`` (target scale 1), plots
    :math:`D_{\mathrm{KL}}(\mathcal{N}(\mu_{gt}, 1) \,\|\, \mathcal{N}(\mu_m, \sigma_m^2))` against
    :math:`\mu_{gt} - \mu_m`, and the halved squared error :math:`(\mu_{gt}-\mu_m)^2/2` dashed.

    Parameters
    ----------
    gaps : array_like, optional
        Mean gaps; default 301 points on [-3, 3].
    scales : sequence of float
        Model standard deviations.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = kl_against_mean_gap(scales=(1.0, 2.0))
    >>> len(fig.axes[0].lines)
    3
    >>> plt.close(fig)
    """
    d = np.linspace(-3, 3, 301) if gaps is None else np.asarray(gaps, dtype=float)
    fig, ax = _figure_for(ax)
    for index, scale in enumerate(scales):
        kl = numeric.kl_normal(d, 1.0, 0.0, scale)
        ax.plot(d, kl, color=PALETTE[index % len(PALETTE)], label=f"KL, $\\sigma_{{gt}} = 1$, $\\sigma_m = {scale:g}$")
    ax.plot(d, d**2 / 2, color="black", linestyle="--", linewidth=1.4, label="$(\\mu_{gt} - \\mu_m)^2 / 2$")
    ax.set_xlabel("mean gap $\\mu_{gt} - \\mu_m$")
    ax.set_ylabel("$D_{\\mathrm{KL}}(p_{gt} \\,\\|\\, p_m)$ (nats)")
    ax.legend()
    return fig


def kl_against_scale_ratio(ratios: np.ndarray | None = None, *, ax=None) -> Figure:
    r"""Both directions of the KL divergence between two centred Gaussians against their scale ratio.

    Parameters
    ----------
    ratios : array_like, optional
        Ratios :math:`\sigma_m / \sigma_{gt}`; default 301 log-spaced points on [1/8, 8].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = kl_against_scale_ratio()
    >>> fig.axes[0].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    s = np.geomspace(1 / 8, 8, 301) if ratios is None else np.asarray(ratios, dtype=float)
    fig, ax = _figure_for(ax)
    ax.plot(s, numeric.kl_normal(0.0, 1.0, 0.0, s), label="$D_{\\mathrm{KL}}(p_{gt} \\,\\|\\, p_m)$")
    ax.plot(s, numeric.kl_normal(0.0, s, 0.0, 1.0), linestyle="-.", label="$D_{\\mathrm{KL}}(p_m \\,\\|\\, p_{gt})$")
    ax.set_xscale("log")
    ticks = [t for t in (1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8) if s.min() <= t <= s.max()]
    ax.set_xticks(ticks, labels=[f"1/{round(1 / t)}" if t < 1 else f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    ax.set_xlabel("scale ratio $\\sigma_m / \\sigma_{gt}$ (equal means)")
    ax.set_ylabel("divergence (nats)")
    ax.legend()
    return fig


def kl_asymmetry_map(
    gaps: np.ndarray | None = None, log_ratios: np.ndarray | None = None, *, ax=None
) -> Figure:
    r"""Heat map of :math:`D_{\mathrm{KL}}(p\|q) - D_{\mathrm{KL}}(q\|p)` for :math:`p = \mathcal{N}(0, 1)`.

    The horizontal axis is the mean of :math:`q`, the vertical axis :math:`\log_2` of its standard deviation.

    Parameters
    ----------
    gaps : array_like, optional
        Means of :math:`q`; default 201 points on [-3, 3].
    log_ratios : array_like, optional
        :math:`\log_2 \sigma_q`; default 201 points on [-2, 2].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = kl_asymmetry_map()
    >>> len(fig.axes)  # the map and its colour bar
    2
    >>> plt.close(fig)
    """
    m = np.linspace(-3, 3, 201) if gaps is None else np.asarray(gaps, dtype=float)
    t = np.linspace(-2, 2, 201) if log_ratios is None else np.asarray(log_ratios, dtype=float)
    mean, log_scale = np.meshgrid(m, t)
    scale = 2.0**log_scale
    difference = numeric.kl_normal(0.0, 1.0, mean, scale) - numeric.kl_normal(mean, scale, 0.0, 1.0)
    fig, ax = _figure_for(ax, width=6.4, height=4.6)
    limit = float(np.max(np.abs(difference)))
    image = ax.pcolormesh(m, t, difference, cmap=DIVERGING, vmin=-limit, vmax=limit, shading="auto")
    ax.contour(m, t, difference, levels=[0.0], colors="black", linewidths=1.0)
    ax.grid(False)
    ax.set_xlabel("mean of $q$ (with $p = \\mathcal{N}(0, 1)$)")
    ax.set_ylabel("$\\log_2 \\sigma_q$")
    fig.colorbar(image, ax=ax, label="$D_{\\mathrm{KL}}(p\\|q) - D_{\\mathrm{KL}}(q\\|p)$ (nats)")
    return fig


def data_with_estimates(
    data: Sequence[float] | np.ndarray, estimates: Mapping[str, float], *, ax=None, xlabel: str = "value"
) -> Figure:
    """A strip of data points with vertical lines at location estimates (mean, median, fits).

    Parameters
    ----------
    data : array_like
        One-dimensional sample.
    estimates : mapping of str to float
        Legend label to the estimate's value.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.
    xlabel : str
        Label of the horizontal axis.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``data`` is empty or not finite.

    Examples
    --------
    >>> fig = data_with_estimates([1, 2, 3, 900], {"mean": 226.5, "median": 2.5})
    >>> len(fig.axes[0].lines)
    2
    >>> plt.close(fig)
    """
    values = np.asarray(data, dtype=float).ravel()
    if values.size == 0:
        raise ValueError("data: the sample is empty")
    if not np.all(np.isfinite(values)):
        raise ValueError("data: contains NaN or infinite values")
    fig, ax = _figure_for(ax, height=2.6)
    jitter = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(1)
    ax.scatter(values, jitter, color="#555555", s=24, zorder=3, label="data")
    styles = ["-", "--", "-.", ":"]
    for index, (label, value) in enumerate(estimates.items()):
        ax.axvline(value, color=PALETTE[index % len(PALETTE)], linestyle=styles[index % 4], label=label)
    ax.set_yticks([])
    ax.set_ylim(-0.5, 0.5)
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper right")
    return fig
