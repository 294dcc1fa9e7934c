"""The tuner in a real JupyterLab page: a one-cell notebook that shows it, the layout
checks (nothing clipped, every label whole) and the slider -> chart time, shared by
tests/notebook/test_browser.py and benchmarks/tuner_latency.py.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "transcripts" / "wildfires_speaker_labels_truncated.json"


#: What a page without plotly's front end looks like to the tuner: every FigureWidget's page half
#: draws nothing (as when the extension is missing, or its bundle does not load).
NO_CHART_FRONT_END = ("import plotly.basewidget\n"
                      "plotly.basewidget.BaseFigureWidget._esm = 'export default { render() {} }'\n")


def write_tuner_notebook(folder: Path, name: str = "tuner.ipynb", before: str = "", **tuner_args) -> Path:
    """A notebook whose one cell shows a `ThresholdTuner` on the bundled AssemblyAI transcript
    (two speakers, 231 words: pauses inside turns for the ECDF); `before` runs first in that cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    args = "".join(f", {k}={v!r}" for k, v in tuner_args.items())
    nb = new_notebook(cells=[new_code_cell(
        before + "from turntune_nb import ThresholdTuner, analyze_transcripts, read_assemblyai_json\n"
        f"result = analyze_transcripts([read_assemblyai_json({str(SAMPLE)!r})])\n"
        f"tuner = ThresholdTuner(result{args})\n"
        "tuner")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))
    return folder / name


def open_file_browser(page) -> None:
    """Make sure JupyterLab's file browser is open in the left side bar."""
    if not page.locator("#filebrowser").is_visible():
        page.locator(".jp-SideBar.jp-mod-left [data-id='filebrowser']").click()
    page.locator("#filebrowser").wait_for(state="visible", timeout=10_000)


#: the plotly charts drew a trace and are shown (not hidden behind the image fallback)
CHARTS_SHOWN = ("() => [...document.querySelectorAll('.turntune-tuner .turntune-charts')]"
                ".some(g => g.offsetParent !== null && g.querySelector('.scatterlayer .trace'))")
#: the plotly charts drew, or the image figures stand in for them
ANY_FIGURES = ("() => document.querySelector('.turntune-tuner .turntune-charts .main-svg, "
               ".turntune-tuner .turntune-figures')")


def show_tuner(page, lab, notebook: str, timeout_ms: int = 180_000, charts: str = "plotly"):
    """Open `notebook` (under notebooks/), run it, wait until the tuner and its charts are drawn
    (``charts="plotly"``: the interactive charts, shown; ``"any"``: those or the image figures)."""
    from tests.notebook.test_browser import open_and_run_all

    open_and_run_all(page, lab, notebook)
    open_file_browser(page)
    news = page.locator(".jp-toast-button", has_text=re.compile(r"^No$"))  # "get notified about news?"
    if news.count():
        news.first.click()
    tuner = page.locator(".turntune-tuner").last
    tuner.wait_for(timeout=timeout_ms)
    page.wait_for_selector(".turntune-tuner .turntune-metrics", timeout=timeout_ms)
    page.wait_for_function(CHARTS_SHOWN if charts == "plotly" else ANY_FIGURES, timeout=timeout_ms)
    page.wait_for_timeout(500)  # plotly's first autosize
    return tuner


LAYOUT_PROBLEMS = r"""
(tuner) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const box = (el) => el.getBoundingClientRect();
  const name = (el) => {
    const lab = el.closest('.widget-inline-hbox')?.querySelector('.widget-label')?.textContent;
    return `${el.className.baseVal ?? el.className} "${(el.textContent || lab || '').trim().slice(0, 40)}"`;
  };
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1;
  const t = box(tuner);
  if (t.right > vw + 1 || t.left < -1) problems.push(`tuner ${t.left}-${t.right} outside the viewport 0-${vw}`);
  const out = tuner.closest('.jp-OutputArea-output');
  if (out && out.scrollWidth > out.clientWidth + 1)
    problems.push(`the output scrolls sideways: ${out.scrollWidth} > ${out.clientWidth}`);
  const controls = tuner.querySelectorAll(
    '.widget-slider, .widget-dropdown, .jupyter-button, .widget-label, .widget-readout, .noUi-handle, select, ' +
    '.turntune-ecdf, .turntune-tradeoff, .turntune-metrics, .turntune-eot, .svg-container, .legendtext, .gtitle');
  let checked = 0;
  for (const el of controls) {
    if (!el.isConnected || !el.closest('.turntune-tuner')) continue;  // redrawn while we look
    const r = box(el);
    if (r.width === 0 && r.height === 0) continue;  // not shown (e.g. an empty label)
    checked += 1;
    // a handle sits on the track's end at the extremes: its container is the whole slider
    // plotly's figure, legend and title: inside the chart widget, whose box clips them
    const parent = box(el.matches('.noUi-handle') ? el.closest('.widget-slider')
                       : el.matches('.svg-container, .legendtext, .gtitle') ? el.closest('.turntune-ecdf, .turntune-tradeoff')
                       : el.parentElement);
    if (!inside(r, parent)) problems.push(`${name(el)} ${r.left}-${r.right} outside its container ${parent.left}-${parent.right}`);
    if (!inside(r, t)) problems.push(`${name(el)} ${r.left}-${r.right} outside the tuner ${t.left}-${t.right}`);
    if (r.left < -1 || r.right > vw + 1) problems.push(`${name(el)} ${r.left}-${r.right} outside the viewport`);
    if (el.matches('.widget-label, .jupyter-button, .widget-readout') && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${name(el)} text truncated: ${el.scrollWidth} > ${el.clientWidth}`);
    if (el.matches('select')) {  // the chosen option's words must fit the box
      const cs = getComputedStyle(el);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const text = el.options[el.selectedIndex]?.text || '';
      const need = ctx.measureText(text).width;
      const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if (need > room + 1) problems.push(`dropdown "${text}" cut: needs ${need.toFixed(0)} px, has ${room.toFixed(0)}`);
    }
  }
  return {problems, checked};
}
"""


def layout_problems(tuner) -> tuple[list[str], int]:
    """Every control clipped or truncated in the tuner, and how many controls were checked."""
    res = tuner.element_handle().evaluate(LAYOUT_PROBLEMS)
    return res["problems"], res["checked"]


WATCH = r"""
([tuner, needles, selector, metricsSelector]) => {
  // performance.now() at the key press -> when the metrics table shows the new value, and
  // when every needle is in the charts' text (plotly redrew its legend) or `selector`
  // matches (the image path's new figure)
  window.__turntuneT0 = null;
  document.addEventListener('keydown', () => { window.__turntuneT0 = performance.now(); },
                            {capture: true, once: true});
  let metrics = null;
  window.__turntuneLatency = new Promise((resolve) => {
    const done = () => selector ? tuner.querySelector(selector) !== null
                                : needles.every((n) => tuner.textContent.includes(n));
    const check = () => {
      if (window.__turntuneT0 === null) return;
      if (metrics === null && tuner.querySelector(metricsSelector)) metrics = performance.now() - window.__turntuneT0;
      if (done()) {
        obs.disconnect();
        resolve({charts: performance.now() - window.__turntuneT0, metrics});
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(tuner, {childList: true, subtree: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); resolve({charts: null, metrics}); }, 30000);
  });
}
"""


def slider_to_chart_ms(page, tuner, handle_index: int = 0) -> tuple[dict, int]:
    """Press ArrowRight on a focused slider handle (step 10 ms): ``{"charts": ms, "metrics": ms}``
    from the key press until the charts (the metrics table) show the new value, and that value.
    None for what did not show it within 30 s."""
    handles = tuner.locator(".noUi-handle")
    now = [int(float(handles.nth(i).get_attribute("aria-valuenow"))) for i in (0, 1)]
    value = now[handle_index] + 10
    now[handle_index] = value
    name = "min_turn_silence" if handle_index == 0 else "max_turn_silence"
    if tuner.locator(".turntune-figures").count():
        needles, selector = [], f".turntune-figures[data-{name[:3]}='{value}']"
    else:
        needles, selector = [f"{name} {value} ms", f"current {now[0]} / {now[1]} ms"], None
    handles.nth(handle_index).focus()
    metrics = f".turntune-metrics[data-{name[:3]}='{value}']"
    page.evaluate(WATCH, [tuner.element_handle(), needles, selector, metrics])
    page.keyboard.press("ArrowRight")
    ms = page.evaluate("() => window.__turntuneLatency")
    return ms, value


def accessible_names(page, tuner) -> dict:
    """{role: [accessible names]} of the tuner's sliders, buttons, combo boxes and text boxes."""
    out = {}
    for role in ("slider", "button", "combobox", "textbox"):
        out[role] = [re.sub(r"\s+", " ", n).strip() for n in tuner.get_by_role(role).evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label') || (e.getAttribute('aria-labelledby') && "
            "document.getElementById(e.getAttribute('aria-labelledby'))?.textContent) || "
            "(e.labels && e.labels[0]?.textContent) || e.textContent || '')")]
    return out
