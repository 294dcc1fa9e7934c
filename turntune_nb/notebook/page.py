"""`PageTheme`: what the kernel cannot see of the page, told by the page.

A hidden anywidget placed inside a panel. Its browser half (``page.js``, package
data) reports JupyterLab's light/dark theme (``body[data-jp-theme-light]``) as the
`light` trait, and again on every theme switch, so charts drawn in the kernel can
follow it; it gives the panel's slider handles their accessible names (the
slider's description), which ipywidgets leaves out; and it reports the width of
each chart of the panel (`chart_widths`), so the kernel can size plotly figures
to their grid cells (a FigureWidget drawn before its cell is laid out takes 700 px);
and it tells whether the panel's plotly charts drew (`charts_drawn`): a chart counts
as drawn once its DOM holds a plotted trace. It answers False when none has drawn
`chart_timeout_ms` after the panel showed (the charts' front end is missing or
broken: the tuner then shows its image charts), and True whenever they do draw,
even late (it keeps watching for two minutes).

Why read the theme in the page: the kernel has no way to know it (a notebook may
be open in two browsers, or switched to dark after the cell ran). Outside a page
(nbconvert, a test) nothing reports, and `light` stays None.
"""

from __future__ import annotations

from importlib.resources import files

import anywidget
import ipywidgets as W
import traitlets

__all__ = ("PageTheme",)


class PageTheme(anywidget.AnyWidget):
    """Reports the page's theme (`light`: True, False, or None before a page has shown it).

    Parameters
    ----------
    panel_selector : str
        CSS selector of the panel whose slider handles get accessible names.

    Examples
    --------
    >>> probe = PageTheme()
    >>> probe.light is None  # no page has shown it yet
    True
    """

    _esm = files("turntune_nb") / "notebook" / "page.js"
    light = traitlets.Bool(None, allow_none=True).tag(sync=True)
    panel_selector = traitlets.Unicode(".turntune-tuner").tag(sync=True)
    chart_selector = traitlets.Unicode(".turntune-ecdf, .turntune-tradeoff").tag(sync=True)
    #: {class name: width in px} of each chart in the panel, as the page lays it out
    chart_widths = traitlets.Dict().tag(sync=True)
    #: how many charts the panel shows (0: none to watch)
    charts_expected = traitlets.Int(0).tag(sync=True)
    #: the page's answer: True once every chart drew a trace, False when none had after `chart_timeout_ms`
    charts_drawn = traitlets.Bool(None, allow_none=True).tag(sync=True)
    chart_timeout_ms = traitlets.Int(10_000).tag(sync=True)

    def __init__(self, panel_selector: str = ".turntune-tuner", **kwargs):
        kwargs.setdefault("layout", W.Layout(height="0px", width="0px", margin="0", overflow="hidden"))
        super().__init__(panel_selector=panel_selector, **kwargs)
