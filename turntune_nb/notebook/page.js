// The browser half of turntune_nb.notebook.page.PageTheme (an anywidget ESM).
//
// 1. Reports JupyterLab's theme to the kernel: JupyterLab sets
//    body[data-jp-theme-light="true"|"false"]; a MutationObserver on that attribute sends
//    every change, so the charts follow a theme switch without re-running the cell.
// 2. Names the sliders of the panel it sits in: ipywidgets draws a slider's handle
//    (role="slider", keyboard-operable) without a link to its description, so a screen
//    reader would announce "slider" alone. Each handle gets aria-labelledby -> its label,
//    each readout (where an exact value is typed) an aria-label.
// 3. Reports the width of each of the panel's charts (`chart_widths`, by class name):
//    a plotly FigureWidget drawn before its grid cell has a width takes 700 px and is
//    clipped, and under anywidget it never hears of its cell's resizes; the kernel sets
//    each figure's width from these. A ResizeObserver sends them when a cell's width changes.
// 4. Tells whether the charts drew (`charts_drawn`): a chart has drawn when its DOM holds a
//    plotted trace (plotly's `.scatterlayer .trace`). Not all drawn `chart_timeout_ms` after
//    the panel showed -> false (the kernel shows image charts); all drawn, even later -> true.

function pageIsLight() {
  const v = document.body.dataset.jpThemeLight;
  return v === undefined ? null : v === "true";
}

let counter = 0;

function nameSliders(root) {
  for (const slider of root.querySelectorAll(".widget-slider")) {
    const label = slider.querySelector(".widget-label");
    const handle = slider.querySelector(".noUi-handle");
    if (!label || !handle || !label.textContent.trim()) continue;
    if (!label.id) label.id = `turntune-label-${++counter}`;
    if (handle.getAttribute("aria-labelledby") !== label.id) handle.setAttribute("aria-labelledby", label.id);
    const readout = slider.querySelector(".widget-readout");
    const name = `${label.textContent.trim()}: exact value`;
    if (readout && readout.getAttribute("aria-label") !== name) {
      readout.setAttribute("aria-label", name);
      readout.setAttribute("role", "textbox");
    }
  }
}

function render({ model, el }) {
  el.classList.add("turntune-page");
  const report = () => {
    const light = pageIsLight();
    if (light !== null && model.get("light") !== light) {
      model.set("light", light);
      model.save_changes();
    }
  };
  report();
  const theme = new MutationObserver(report);
  theme.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });

  let panel = null;
  let pending = false;
  const classes = model.get("chart_selector").split(",").map((c) => c.trim().replace(/^\./, ""));
  const sendWidths = () => {
    pending = false;
    const widths = {};
    for (const cls of classes) {
      const chart = panel.querySelector(`.${cls}`);
      if (chart && chart.clientWidth > 0) widths[cls] = chart.clientWidth;
    }
    const old = model.get("chart_widths") || {};
    if (Object.keys(widths).some((k) => old[k] !== widths[k])) {
      model.set("chart_widths", widths);
      model.save_changes();
    }
  };
  const sizes = new ResizeObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(sendWidths); }
  });
  const watchCharts = () => {
    for (const chart of panel.querySelectorAll(model.get("chart_selector"))) sizes.observe(chart);
  };
  const names = new MutationObserver(() => { if (panel) { nameSliders(panel); watchCharts(); } });
  let watch = null;
  const watchDrawing = () => {
    const expected = model.get("charts_expected");
    if (!expected) return;
    const started = performance.now();
    let reported = null;
    const say = (drawn) => {
      if (reported === drawn) return;
      reported = drawn;
      model.set("charts_drawn", drawn);
      model.save_changes();
    };
    const check = () => {
      let drawn = 0;
      for (const chart of panel.querySelectorAll(model.get("chart_selector"))) {
        if (chart.querySelector(".scatterlayer .trace")) drawn += 1;
      }
      const waited = performance.now() - started;
      if (drawn >= expected) { say(true); return; }
      if (waited >= model.get("chart_timeout_ms")) say(false);
      if (waited < 120_000) watch = setTimeout(check, 250);
    };
    check();
  };

  let frame = 0;
  const attach = () => {  // the view is put in the page after render() returns
    panel = el.closest(model.get("panel_selector"));
    if (!panel) {
      if (++frame < 600) requestAnimationFrame(attach);
      return;
    }
    nameSliders(panel);
    watchCharts();
    names.observe(panel, { childList: true, subtree: true });
    watchDrawing();
  };
  requestAnimationFrame(attach);
  return () => { theme.disconnect(); names.disconnect(); sizes.disconnect(); clearTimeout(watch); };
}

export default { render };
