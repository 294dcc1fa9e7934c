"""The notebook wing: what draws.

- `plots`: seaborn figures of the analysis tables (axes-level, ``data=``, ``ax=``).
- `tuner`: `ThresholdTuner`, sliders over the simulator (its state, events, Save and
  a connected live session), made of:
  - `tuner_controls`: `TunerControls`, its sliders, choices and buttons in a wrapping grid;
  - `tuner_figures`: `TunerFigures`, its pause ECDF and trade-off curve and the sweeps behind them;
  - `tuner_html`: what it says about a setting (metrics, title, eot-bench's cells, messages).
- `charts`: the tuner's plotly ``FigureWidget``s, drawn in the page (a slider move
  sends a few numbers, not an image); clicking the trade-off curve picks a setting.
- `page`: `PageTheme` (anywidget + ``page.js``), JupyterLab's light/dark theme told
  to the kernel, and the sliders' accessible names.
- `live_panel`: `LiveTurns`, a live session rendered as it happens.
- `timeline`: the live panel's turn timeline, an SVG strip (a lane per speaker).
- `browser_mic`: `BrowserMicrophone` (anywidget + ``browser_mic.js``), the page's
  microphone as a live source: straight to AssemblyAI with a temporary token, or
  through the kernel to the offline endpointer.
- `report`: one self-contained HTML file a colleague can open; `report_agent`, its section on a
  deployed agent's calls, with `agent_plots` (response gaps, barge-in stop times).
- `listen`: `listen_examples`, the holds a setting would cut and its slowest turn ends,
  with an audio player of the seconds around each (notebook 01, the tuner's Listen).
- `outputs`: `output_links`, the files a notebook wrote as links relative to its folder.
- `api_key`: `choose_backend` and `APIKeyPrompt`: AssemblyAI or offline, decided
  without waiting on stdin (a notebook's Run All never stops at a prompt).

It reads every other wing and nothing reads it (the package imports it on first
use, so the command line and the core start without seaborn or ipywidgets). The
public names are re-exported from `turntune_nb`.
"""
