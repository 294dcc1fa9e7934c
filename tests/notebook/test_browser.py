"""The notebooks in a real JupyterLab page in headless Chromium (Debian's package,
driven by Playwright with ``executable_path``; nothing is downloaded).

JupyterLab serves a scratch copy of ``notebooks/`` and ``samples/`` (running a
notebook in the browser saves it, and the repository must stay clean). Screenshots
are kept under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.browser import browser_unavailable_reason, chromium_page, running_jupyterlab
from tests.conftest import ASSEMBLYAI_ENV, ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = ROOT / "test-artifacts" / "browser"

if reason := browser_unavailable_reason():
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "samples", root / "samples")
    out = root / "turntune-output"
    env = {name: "" for name in ASSEMBLYAI_ENV} | {"TURNTUNE_OUT": str(out), "PYTHONPATH": str(ROOT)}  # this checkout
    with running_jupyterlab(root, tmp_path_factory.mktemp("lab-state"), env=env) as server:
        yield server


def _accept_dialog(page, timeout_ms: int) -> None:
    """Press the affirmative button of a JupyterLab dialog if one shows up."""
    button = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        button.wait_for(timeout=timeout_ms)
        button.click()
    except Exception:  # no dialog this time
        pass


def open_and_run_all(page, lab, notebook: str, folder: str = "notebooks/"):
    """Open a notebook (under `folder` of the server's root) and run it top to bottom in a freshly
    (re)started kernel."""
    page.goto(lab.url(f"lab/tree/{folder}{notebook}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    _accept_dialog(page, 5_000)  # "Select Kernel", on some starts
    page.wait_for_function(
        "() => /Idle/.test(document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')?.textContent || '')",
        timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Kernel$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel and Run All Cells")).click()
    _accept_dialog(page, 10_000)  # "Restart kernel?"


def metric_cells(page) -> dict:
    html = page.inner_html(".turntune-tuner .turntune-metrics")
    return dict(re.findall(r'data-metric="(\w+)"[^>]*>([^<]*)<', html))


def test_tuning_notebook_slider_moves_the_figures(lab):
    import numpy as np

    from turntune_nb import analyze_folder
    from turntune_nb import columns as C

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        open_and_run_all(page, lab, "02_threshold_tuning.ipynb")
        table = page.wait_for_selector(".turntune-tuner .turntune-metrics", timeout=180_000)
        lo, hi = int(table.get_attribute("data-min")), int(table.get_attribute("data-max"))
        model = table.get_attribute("data-model")
        # plotly's page half (its bundle ships in the wheel) loads once per browser: give it time
        page.wait_for_selector(".turntune-tuner .turntune-ecdf .main-svg", state="attached", timeout=180_000)
        ecdf = page.locator(".turntune-tuner .turntune-ecdf").last
        page.screenshot(path=str(ARTIFACTS / "tuner-before.png"), full_page=True)

        handle = page.locator(".turntune-tuner .noUi-handle").first  # min_turn_silence
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")  # step 10 ms
        new = lo + 50
        page.wait_for_selector(f".turntune-tuner .turntune-metrics[data-min='{new}']", timeout=30_000)
        page.wait_for_function(  # the plotly chart's legend, redrawn in the page
            "([el, text]) => el.textContent.includes(text)", arg=[ecdf.element_handle(), f"min_turn_silence {new} ms"],
            timeout=60_000)
        shown = metric_cells(page)
        legend = ecdf.text_content()
        page.screenshot(path=str(ARTIFACTS / "tuner-after.png"), full_page=True)

    # the same recordings analysed here; the figures for the new setting counted with plain
    # numpy over the pause and turn-end tables (not the package's simulator or formatters).
    # the U3 Pro models' headline (universal-3-6-pro, the notebook's model): a hold cuts at min after a
    # terminal word or an unknown one (the pessimistic bound), else at max; a turn end waits min after a
    # terminal word, else max.
    assert model == "universal-3-6-pro"
    result = analyze_folder(ROOT / "samples" / "synthetic", backend="offline", progress=False)
    holds = result.pauses[result.pauses[C.PAUSE_MS] >= 100]
    pause = holds[C.PAUSE_MS].to_numpy(float)
    at_min = holds[C.TERMINAL].astype("boolean").fillna(True).to_numpy(bool)
    cut_rate = np.count_nonzero(pause >= np.where(at_min, new, hi)) / len(pause)
    ends = result.turn_ends
    delay = np.where(ends[C.TERMINAL].astype("boolean").fillna(False).to_numpy(bool), new, hi)
    silence = ends[C.SILENCE_AFTER_MS].to_numpy(float)
    interrupted = np.count_nonzero(~np.isnan(silence) & (silence < delay))
    assert shown["cutoff_rate"] == f"{100 * cut_rate:.1f}%"
    assert shown["latency_mean_ms"] == f"{round(delay.mean())} ms"
    assert shown["interrupted"] == str(interrupted)
    share = np.count_nonzero(pause >= new) / len(pause)
    assert f"min_turn_silence {new} ms: {round(100 * share)}% of pauses as long" in legend
    assert (ARTIFACTS / "tuner-after.png").stat().st_size > 10_000


def test_live_panel_in_the_browser_shows_final_turns(lab):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        open_and_run_all(page, lab, "03_live_session.ipynb")
        # the notebook shows a microphone panel (not started) and the replay panel (started): the last one
        page.wait_for_selector(".turntune-live .turntune-final", timeout=120_000)
        panel = page.locator(".turntune-live").last
        panel.locator(".turntune-end").wait_for(timeout=120_000)
        assert "offline endpointer (one party per channel)" in panel.locator(".turntune-status").inner_text()
        # the turn timeline, drawn by the page (inline SVG, no scripts): a bar per final turn, both parties
        bars = panel.locator("svg.turntune-timeline rect.turntune-turn")
        finals = panel.locator(".turntune-final").count()
        assert bars.count() == finals >= 2
        assert {bars.nth(i).get_attribute("data-speaker") for i in range(bars.count())} == {"ch0", "ch1"}
        box = bars.first.bounding_box()
        assert box is not None and box["width"] > 1 and box["height"] > 1  # laid out, visible
        assert "the audio ended" in panel.locator(".turntune-end").inner_text()
        page.screenshot(path=str(ARTIFACTS / "live-turns-replayed.png"), full_page=True)
        # start again from the page: a new session in the same kernel
        panel.locator("button", has_text="Start").click()
        panel.locator(".turntune-status", has_text=re.compile("running|connecting")).wait_for(timeout=30_000)
        panel.locator(".turntune-final").first.wait_for(timeout=120_000)
        panel.locator(".turntune-end").wait_for(timeout=120_000)
        text = panel.inner_text()
        page.screenshot(path=str(ARTIFACTS / "live-turns.png"), full_page=True)
    assert re.search(r"Final turns \([1-9]\d*\)", text)
    assert "Session ended" in text


# --------------------------------------------------------------------------- the tuner's layout, names, speed, theme
WIDTHS = (1000, 1400, 1920)


@pytest.fixture(scope="module")
def tuner_lab(tmp_path_factory):
    """JupyterLab serving a one-cell notebook that shows the tuner on the bundled RTTM sample."""
    from tests.tuner_page import write_tuner_notebook

    root = tmp_path_factory.mktemp("tuner-root")
    write_tuner_notebook(root / "notebooks", save_path=str(root / "saved" / "config.json"))
    env = {name: "" for name in ASSEMBLYAI_ENV} | {"PYTHONPATH": str(ROOT)}
    with running_jupyterlab(root, tmp_path_factory.mktemp("tuner-lab-state"), env=env) as server:
        yield server


@pytest.mark.parametrize("width", WIDTHS)
def test_tuner_fits_the_screen_with_the_file_browser_open(tuner_lab, width):
    from tests.tuner_page import accessible_names, layout_problems, show_tuner, slider_to_chart_ms

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(width=width, height=1100) as page:
        tuner = show_tuner(page, tuner_lab, "tuner.ipynb")
        assert page.locator("#filebrowser").is_visible()
        problems, checked = layout_problems(tuner)
        page.screenshot(path=str(ARTIFACTS / f"tuner-{width}.png"))
        tuner.screenshot(path=str(ARTIFACTS / f"tuner-{width}-panel.png"))
        assert checked >= 25, checked  # 5 sliders with handles and readouts, 3 dropdowns, 5 buttons, 2 charts...
        assert not problems, "\n".join(problems)

        # every control named for what it is, found by role and name as a screen reader would
        names = accessible_names(page, tuner)
        for slider in ("min_turn_silence (ms)", "max_turn_silence (ms)", "target cut-off rate", "vad_threshold",
                       "interruption_delay (ms)"):
            assert tuner.get_by_role("slider", name=slider, exact=True).count() == 1, (slider, names)
            assert tuner.get_by_role("textbox", name=f"{slider}: exact value", exact=True).count() == 1, names
        for combo in ("model", "speakers shown", "mode (U3 Pro)"):
            assert tuner.get_by_role("combobox", name=combo, exact=True).count() == 1, (combo, names)
        for button in ("Aggressive", "Balanced", "Conservative", "Recommend", "Save"):
            assert tuner.get_by_role("button", name=button).count() == 1, (button, names)

        # keyboard: ArrowRight on the focused min_turn_silence handle -> the charts (timed, printed)
        tuner.locator(".turntune-charts").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"tuner-{width}-charts.png"))
        times = []
        for _ in range(5):
            ms, value = slider_to_chart_ms(page, tuner, 0)
            assert ms["charts"] is not None, f"the charts did not show min_turn_silence {value} ms within 30 s"
            times.append(ms)
        charts, metrics = sorted(t["charts"] for t in times), sorted(t["metrics"] for t in times)
        print(f"\ntuner at {width} px: key press -> charts {', '.join(f'{t:.0f}' for t in charts)} ms "
              f"(median {charts[2]:.0f}); -> metrics table median {metrics[2]:.0f} ms")
        assert tuner.locator(".turntune-metrics").get_attribute("data-min") == str(value)
        # the legends as drawn in the page after the moves: every trace keeps its name
        hi = int(float(tuner.locator(".noUi-handle").nth(1).get_attribute("aria-valuenow")))
        ecdf = tuner.locator(".turntune-ecdf .legendtext").all_text_contents()
        trade = tuner.locator(".turntune-tradeoff .legendtext").all_text_contents()
        assert [t.split(" ms")[0] for t in ecdf] == ["pauses", f"min_turn_silence {value}", f"max_turn_silence {hi}"]
        assert trade[:5] == ["settings (click to pick)", "Pareto frontier", "Aggressive", "Balanced", "Conservative"]
        assert trade[-1] == f"current {value} / {hi} ms", trade


def test_tuner_follows_the_dark_theme_and_saves_from_the_keyboard(tuner_lab):
    import json

    from tests.tuner_page import show_tuner

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = tuner_lab.root_dir / "saved" / "config.json"
    with chromium_page(width=1400, height=1100) as page:
        tuner = show_tuner(page, tuner_lab, "tuner.ipynb")
        chart = tuner.locator(".turntune-tradeoff .main-svg").first
        background = "el => getComputedStyle(el).backgroundColor"
        title = "el => getComputedStyle(el.closest('.js-plotly-plot').querySelector('.gtitle')).fill"
        assert chart.evaluate(background) == "rgb(255, 255, 255)"
        light_title = chart.evaluate(title)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).click()
        page.wait_for_selector("body[data-jp-theme-light='false']", state="attached", timeout=30_000)
        # the page tells the kernel, which switches both charts to plotly's dark template
        page.wait_for_function(f"() => [...document.querySelectorAll('.turntune-tuner .js-plotly-plot .main-svg:first-child')]"
                               f".every(el => ({background})(el) === 'rgb(17, 17, 17)')", timeout=30_000)
        dark_title = chart.evaluate(title)
        tuner.screenshot(path=str(ARTIFACTS / "tuner-dark-panel.png"))
        assert dark_title != light_title and dark_title == "rgb(242, 245, 250)"  # plotly_dark's text colour

        # an exact value typed in the readout, then keyboard only: two steps up, Save, Enter
        assert not saved.exists()
        readout = tuner.get_by_role("textbox", name="min_turn_silence (ms): exact value", exact=True)
        readout.click()
        page.keyboard.press("Control+a")
        page.keyboard.type("550")
        page.keyboard.press("Enter")
        tuner.locator(".turntune-metrics[data-min='550']").wait_for(timeout=30_000)
        handle = tuner.get_by_role("slider", name="min_turn_silence (ms)", exact=True)
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        lo = int(float(handle.get_attribute("aria-valuenow")))
        assert lo == 570
        hi = int(float(tuner.get_by_role("slider", name="max_turn_silence (ms)", exact=True).get_attribute("aria-valuenow")))
        tuner.locator(f".turntune-metrics[data-min='{lo}']").wait_for(timeout=30_000)
        tuner.get_by_role("button", name="Save").focus()
        page.keyboard.press("Enter")
        tuner.get_by_text("Saved Custom").wait_for(timeout=30_000)
        # back to the light theme for whatever runs next in this JupyterLab
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Light$")).click()
        page.wait_for_selector("body[data-jp-theme-light='true']", state="attached", timeout=30_000)
    config = json.loads(saved.read_text())
    assert (config["name"], config["min_turn_silence"], config["max_turn_silence"]) == ("Custom", lo, hi)
    assert saved.stat().st_mode & 0o777 == 0o600


def test_tuner_falls_back_to_image_charts_without_the_chart_front_end(tuner_lab):
    """plotly's page half absent (its FigureWidgets draw nothing): within chart_timeout_s the page says
    so, and the tuner shows its image figures with a one-line note; they follow a slider move."""
    from tests.tuner_page import NO_CHART_FRONT_END, show_tuner, write_tuner_notebook

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    write_tuner_notebook(tuner_lab.root_dir / "notebooks", "no-chart-front-end.ipynb", before=NO_CHART_FRONT_END,
                         chart_timeout_s=3)
    with chromium_page(width=1400, height=1100) as page:
        tuner = show_tuner(page, tuner_lab, "no-chart-front-end.ipynb", charts="any")
        tuner.locator(".turntune-chart-note").wait_for(timeout=60_000)
        note = tuner.locator(".turntune-chart-note").inner_text()
        figures = tuner.locator(".turntune-figures")
        figures.wait_for(timeout=60_000)
        assert "did not draw in this page within 3 s: showing image charts instead" in note
        assert tuner.locator(".js-plotly-plot .scatterlayer .trace").count() == 0  # nothing plotly drew
        assert tuner.locator(".turntune-charts").is_hidden()
        assert figures.locator("svg").count() == 2
        lo = int(figures.get_attribute("data-min"))
        handle = tuner.get_by_role("slider", name="min_turn_silence (ms)", exact=True)
        handle.focus()
        page.keyboard.press("ArrowRight")  # one step: 10 ms
        tuner.locator(f".turntune-figures[data-min='{lo + 10}']").wait_for(timeout=60_000)
        assert f"min_turn_silence {lo + 10} ms" in tuner.locator(".turntune-figures").inner_text()
        tuner.screenshot(path=str(ARTIFACTS / "tuner-image-fallback.png"))



@pytest.fixture(scope="module")
def notebooks_lab(tmp_path_factory):
    """JupyterLab as the README starts it, `jupyter lab notebooks/`: rooted at the notebooks' folder,
    with no TURNTUNE_OUT (the notebooks' own default)."""
    root = tmp_path_factory.mktemp("notebooks-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    (root / "samples").symlink_to(ROOT / "samples")
    env = {name: "" for name in ASSEMBLYAI_ENV} | {"PYTHONPATH": str(ROOT), "TURNTUNE_OUT": None}
    with running_jupyterlab(root / "notebooks", tmp_path_factory.mktemp("notebooks-lab-state"), env=env) as server:
        yield server


def test_notebook_01_outputs_open_from_jupyterlab_and_its_figures_suit_the_light_theme(notebooks_lab):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(width=1400, height=1000) as page:
        open_and_run_all(page, notebooks_lab, "01_gap_analysis.ipynb", folder="")
        link = page.locator(".turntune-outputs a", has_text="report.html")
        link.wait_for(timeout=300_000)
        assert page.locator("body[data-jp-theme-light='true']").count() == 1
        # the three PNGs: none given a dark panel by JupyterLab's light theme
        images = page.locator(".jp-RenderedImage img")
        assert images.count() == 3
        assert page.locator(".jp-RenderedImage img.jp-needs-dark-background").count() == 0
        background = "els => els.map(el => getComputedStyle(el).backgroundColor)"
        assert set(images.evaluate_all(background)) == {"rgba(0, 0, 0, 0)"}  # drawn straight on the white page
        listen = page.locator(".turntune-listen audio")
        assert listen.count() >= 1
        page.screenshot(path=str(ARTIFACTS / "notebook-01-outputs.png"), full_page=True)
        # the written files are in the file browser, under the folder the server shows
        assert (notebooks_lab.root_dir / "turntune-output" / "report.html").is_file()
        link.click()  # JupyterLab opens it in a tab of its own
        page.locator(".lm-TabBar-tab", has_text="report.html").wait_for(timeout=60_000)
        from tests.tuner_page import open_file_browser

        open_file_browser(page)
        page.locator("#filebrowser .jp-DirListing-item", has_text="turntune-output").wait_for(timeout=30_000)
        # JupyterLab's dark theme: the grey ink is given a light panel (readable), never left on black
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).click()
        page.wait_for_selector("body[data-jp-theme-light='false']", state="attached", timeout=30_000)
        page.locator(".lm-TabBar-tab", has_text="01_gap_analysis").first.click()
        panels = images.evaluate_all(background)
        assert len(panels) == 3 and all(c not in ("rgba(0, 0, 0, 0)", "transparent") for c in panels), panels
        page.screenshot(path=str(ARTIFACTS / "notebook-01-dark.png"), full_page=True)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Light$")).click()
