// The browser half of turntune_nb.notebook.page.PageTheme (an anywidget ESM).
//
// 1. Reports JupyterLab's theme to the kernel: JupyterLab sets
//    body[data-jp-theme-light="true"|"false"]; a MutationObserver on that attribute sends
//    every change, so the charts follow a theme switch without re-running the cell.
// 2. Names the sliders of the panel it sits in: ipywidgets draws a slider's handle
//    (role="slider", keyboard-operable) without a link to its description, so a screen
//    reader would announce "slider" alone. Each handle gets aria-labelledby -> its label,
//    each readout (where an exact value is typed) an aria-label.

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
  const names = new MutationObserver(() => panel && nameSliders(panel));
  let frame = 0;
  const attach = () => {  // the view is put in the page after render() returns
    panel = el.closest(model.get("panel_selector"));
    if (!panel) {
      if (++frame < 600) requestAnimationFrame(attach);
      return;
    }
    nameSliders(panel);
    names.observe(panel, { childList: true, subtree: true });
  };
  requestAnimationFrame(attach);
  return () => { theme.disconnect(); names.disconnect(); };
}

export default { render };
