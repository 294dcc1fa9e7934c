"""Where a notebook wrote its files, as links that open in JupyterLab.

``jupyter lab notebooks/`` serves the notebooks' folder: a file outside it cannot be
opened from JupyterLab's file browser, and a bare file name says nothing of where it
went. The notebooks therefore write under their own folder (``turntune-output`` beside
them), and `output_links` shows each written file as a link *relative to the
notebook's folder* (the kernel's working folder, where JupyterLab resolves a relative
link in an output: a click opens the file in JupyterLab, as IPython's ``FileLink`` does).
A file outside that folder is shown by its full path, with what to do, never as a
link that would 404.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ("OutputLinks", "output_links", "link_target")


def link_target(path, folder=None) -> str | None:
    """`path` relative to `folder` (default: the working folder) in URL form, or None when it is not under it.

    Examples
    --------
    >>> link_target("/srv/nb/turntune-output/report.html", "/srv/nb")
    'turntune-output/report.html'
    >>> link_target("/srv/turntune-output/report.html", "/srv/nb") is None
    True
    """
    folder = Path(os.getcwd() if folder is None else folder).resolve()
    target = Path(path)
    target = (folder / target if not target.is_absolute() else target).resolve()
    try:
        rel = target.relative_to(folder)
    except ValueError:
        return None
    return rel.as_posix()


@dataclass(frozen=True)
class OutputLinks:
    """Files a notebook wrote: ``(what, path, link or None)`` rows, shown as links in a notebook."""

    rows: tuple

    def __repr__(self) -> str:
        return "\n".join(f"{what}: {link or path}" for what, path, link in self.rows)

    def _repr_html_(self) -> str:
        items = []
        for what, path, link in self.rows:
            if link is not None:
                href = html.escape(quote(link), quote=True)
                shown = f"<a href='{href}' target='_blank' class='turntune-output-link'>{html.escape(link)}</a>"
            else:
                shown = (f"<code>{html.escape(str(path))}</code> <i>(outside this notebook's folder: JupyterLab "
                         "cannot open it; set OUT_DIR under it to get a link)</i>")
            items.append(f"<li>{html.escape(what)}: {shown}</li>")
        return "<ul class='turntune-outputs' style='margin:0'>" + "".join(items) + "</ul>"


def output_links(files: dict, folder=None) -> OutputLinks:
    """Links to written files, relative to the notebook's folder (the working folder).

    Parameters
    ----------
    files : dict
        ``{what it is: path}``, e.g. ``{"report": report_path}``.
    folder : str or Path, optional
        The folder links are relative to (default: the working folder, which a
        notebook's kernel starts in).

    Returns
    -------
    OutputLinks
        Shown in a notebook as a list of links; ``repr`` gives the paths.

    Examples
    --------
    >>> output_links({"report": "/srv/nb/out/report.html"}, folder="/srv/nb")
    report: out/report.html
    """
    return OutputLinks(tuple((str(what), str(path), link_target(path, folder)) for what, path in files.items()))
