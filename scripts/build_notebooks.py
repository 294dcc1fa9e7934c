"""Write the notebooks in notebooks/ from the cell lists below.

The notebooks are the product's face and stay thin (import, call, show); keeping
their source here makes them reviewable as code. Run after editing:

    .venv/bin/python scripts/build_notebooks.py

The notebooks run top to bottom ("Run All") with no key, no microphone and no
stdin: nothing waits for typing (the key box of notebook 1 only appears when
AssemblyAI is asked for without a key, and does not block), notebook 2 saves only
when asked, and the live panels start only when asked (the replay cell excepted).
Cells tagged ``nbval-skip`` need a microphone or the live API; each has an offline
twin next to it, and they too degrade gracefully when run (tests/test_notebooks.py
executes every cell with nbclient). The first code cell of each notebook is tagged
``parameters`` (papermill).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "notebooks"


def md(text):
    return new_markdown_cell(text.strip())


def code(text, *tags):
    cell = new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


GAP_ANALYSIS = [
    md("""
# 1. Turn-taking in your recordings

Point this at a folder of real conversations. Each file is transcribed with speaker
labels (AssemblyAI, when `ASSEMBLYAI_API_KEY` is set) or segmented by the offline
voice-activity backend (no key, no network), then measured: gaps between speakers,
overlaps, and pauses inside turns. It ends with the guide's preset and a data-driven
setting side by side, saved for the tuning notebook.
"""),
    code("""
# Parameters: the folder of recordings, the backend and where results go.
import os

AUDIO_FOLDER = os.environ.get("TURNTUNE_AUDIO", "../samples/synthetic")
BACKEND = "auto"  # "auto": AssemblyAI when a key is configured, else offline; "assemblyai"; "offline"
OUT_DIR = os.environ.get("TURNTUNE_OUT", "turntune-output")  # beside this notebook: JupyterLab opens it
MODEL = "universal-3-6-pro"  # AssemblyAI's streaming default; also universal-3-5-pro, universal-streaming, silence
TARGET_CUTOFF = 0.05
""", "parameters"),
    code("""
from turntune_nb import (RecommendOptions, analyze_folder, choose_backend, listen_examples, output_links,
                         plot_offsets, plot_pause_ecdf, plot_per_file, recommend_config, write_report)
"""),
    md("""
The backend for this run, decided at once (nothing waits for typing, so *Run All* goes
through). With `BACKEND = "assemblyai"` and no key set, a box appears for the key (it
stays in this kernel: not in the notebook or its outputs) and this run goes on offline;
type the key, press *Use this key*, and run the cells below again.
"""),
    code("backend = choose_backend(BACKEND)\nbackend"),
    md("Transcribe (or segment) every file. The progress bar counts finished and failed files; a failed file is listed with its reason and the others go on. Then the result: per file, overall, and any file that could not be used."),
    code("result = analyze_folder(AUDIO_FOLDER, backend=backend, out_dir=OUT_DIR)\nresult"),
    md("Offsets between speakers: overlaps sit left of zero. A fifth to a half of speaker changes overlap in real conversation."),
    code("plot_offsets(result.transitions);"),
    md("Pauses inside turns decide whether an endpointer cuts a speaker off. The dashed lines are the guide's preset."),
    code("plot_pause_ecdf(result.pauses, result.recommendation.min_turn_silence, result.recommendation.max_turn_silence);"),
    md("The same offsets, file by file."),
    code("plot_per_file(result.transitions);"),
    md("The guide's preset (from the average gap) and the data-driven setting (lowest latency with at most the target share of false cut-offs), simulated on the same recordings."),
    code("recommendation = recommend_config(result, RecommendOptions(model=MODEL, target_cutoff=TARGET_CUTOFF))\n"
         "recommendation"),
    md("""
Listen to it: a few pauses inside turns that the data-driven setting would still cut (the
agent would barge in there), and the turn ends where it would wait longest, each with the
seconds of the recording around it.
"""),
    code("listen_examples(result, recommendation.config.min_turn_silence, recommendation.config.max_turn_silence,\n"
         "                model=MODEL)"),
    md("""
Save the summary (with the pause tables the tuning notebook reads), the data-driven setting
(`config.json`: notebooks 2 and 3 start from it), and a shareable report. They go to
`turntune-output/` beside this notebook: click a link to open the file in JupyterLab.
"""),
    code("""
summary_path = result.save(OUT_DIR)
config_path = recommendation.save(f"{OUT_DIR}/config.json")
report_path = write_report(result, f"{OUT_DIR}/report.html", recommendation)
output_links({"summary": summary_path, "setting": config_path, "report": report_path})
"""),
]

THRESHOLD_TUNING = [
    md("""
# 2. Tune the thresholds

Move `min_turn_silence` and `max_turn_silence` and watch the trade-off on your own
recordings: how often the agent would cut a speaker off (false cut-offs over pauses of
at least 100 ms) against how long it would wait after a real end of turn (latency).
The tuner starts from the setting notebook 1 saved, and saves only when you ask.
"""),
    code("""
# Parameters: where notebook 1 saved its results (the bundled samples are analysed when there are none).
import os

OUT_DIR = os.environ.get("TURNTUNE_OUT", "turntune-output")  # beside this notebook: JupyterLab opens it
CONFIG_PATH = f"{OUT_DIR}/config.json"
FALLBACK_FOLDER = "../samples/synthetic"
MODEL = "universal-3-6-pro"  # AssemblyAI's streaming default; also universal-3-5-pro, universal-streaming, silence
""", "parameters"),
    code("from turntune_nb import ThresholdTuner, analyze_folder, latest_summary, load_config, load_summary"),
    md("Load the newest saved analysis, or analyse the bundled samples offline when there is none."),
    code("""
summary_path = latest_summary(OUT_DIR)
result = load_summary(summary_path) if summary_path else analyze_folder(FALLBACK_FOLDER, backend="offline", progress=False)
"""),
    md("The setting notebook 1 saved (the data-driven one); with none yet, the tuner starts from the analysis' own preset."),
    code("saved = load_config(CONFIG_PATH) if os.path.exists(CONFIG_PATH) else None\nsaved"),
    md("The tuner: sliders, the model, the target cut-off rate, the presets and the recommendation. The metrics and the figures follow every move (if the interactive charts cannot draw in this page, image charts stand in, with a note). *Listen* plays a few pauses the setting would cut, from your recordings."),
    code("tuner = ThresholdTuner(result, config=saved, model=MODEL, save_path=CONFIG_PATH)\ntuner"),
    md("The chosen setting, as the live session will use it."),
    code("tuner.config"),
    md("""
**Nothing is saved until you ask.** Press *Save* in the tuner to write this setting to
`CONFIG_PATH` for the live notebook (and `turntune stream --config`), or run
`tuner.save(CONFIG_PATH)` in a cell of your own. Running this notebook top to bottom
leaves the setting notebook 1 saved as it was.
"""),
]

LIVE_SESSION = [
    md("""
# 3. Try it live

Open a real-time session with the saved setting and watch the words and turns
appear. With an API key it streams to AssemblyAI (v3); without one, the offline
endpointer applies the same silence thresholds to speech it detects locally. The
session ends by itself after a stretch of inactivity.
"""),
    code("""
# Parameters: the saved setting, a two-party recording to replay, and the inactivity stop.
import os

OUT_DIR = os.environ.get("TURNTUNE_OUT", "turntune-output")  # beside this notebook: JupyterLab opens it
RECORDING = "../samples/synthetic/conv2.flac"
INACTIVITY_S = 10
""", "parameters"),
    code("from turntune_nb import BALANCED, LiveTurns, load_config"),
    md("The setting saved by notebook 1 or 2 (the Balanced preset when there is none)."),
    code('config = load_config(f"{OUT_DIR}/config.json") if os.path.exists(f"{OUT_DIR}/config.json") else BALANCED\nconfig'),
    md("""
Speak into your microphone and press Start. `source="auto"` uses the kernel's
microphone (PyAudio) when it has one; on a remote JupyterLab, a JupyterHub or Colab
it uses **your browser's microphone** instead (the browser asks for permission; it
needs https or localhost). With an API key the browser streams straight to
AssemblyAI with a short-lived token the kernel mints (the key never leaves the
kernel); without one the audio comes to the kernel and the offline endpointer.
Nothing starts until you press Start, so Run All does not wait here.
"""),
    code("mic_panel = LiveTurns(config, source=\"auto\", inactivity_timeout_s=INACTIVITY_S)\nmic_panel"),
    md("""
The same panel replaying a two-party recording in real time. The words of the turn
under way appear as they come (with AssemblyAI); the timeline has a lane per speaker,
a bar per final turn, a tick where the endpointer fired and the inactivity countdown.
Offline, each party of a two-channel recording is endpointed on its own channel, so
both parties' turns appear. Press Start, or run the next cell.
"""),
    code("panel = LiveTurns(config, source=RECORDING, inactivity_timeout_s=INACTIVITY_S)\npanel"),
    code("panel.start();"),
    md("Wait for the recording to finish (or press Stop: the session then ends as *stopped by you*, and the turn under way is not counted as a final turn), then read why the session ended."),
    code("panel.wait(timeout=120)\npanel.end_text"),
    md("The final turns: who spoke, when, where the endpointer fired and how long it waited after the speech."),
    code("panel.turns_table()"),
]

NOTEBOOKS = {
    "01_gap_analysis.ipynb": GAP_ANALYSIS,
    "02_threshold_tuning.ipynb": THRESHOLD_TUNING,
    "03_live_session.ipynb": LIVE_SESSION,
}


def main():
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        })
        nbformat.validate(nb)
        nbformat.write(nb, OUT / name)
        print(f"wrote notebooks/{name} ({len(cells)} cells)")


# 4. A deployed agent's calls (`turntune agent`), on the bundled two-channel call (scripts/make_agent_sample.py)
AGENT_CALLS = [
    md("""
# 4. What your voice agent does in its calls

Recordings of a deployed voice agent's calls, one party per channel, measured: how fast the
agent answers (the response gap: its start minus the end of the caller's speech), how often it
starts before the caller has finished (a cut-in), whether it yields when the caller barges in,
and the dead air. Then back to the setting: what the agent's endpointing setting predicts on
the caller's side, and the part of the response gap it explains. The bundled call is real speech
placed on two channels with known gaps, two barge-ins and 3.5 s of dead air.
"""),
    code("""
# Parameters: the calls, which channel is the agent (0-based), the setting it runs, the gates.
import os

AGENT_CALLS = os.environ.get("TURNTUNE_AGENT_CALLS", "../samples/agent")
AGENT_CHANNEL = 0
TRUTH = "../samples/agent/agent_call.rttm"  # the bundled call's reference, for comparison (None to skip)
BACKEND = "auto"  # "auto": AssemblyAI (multichannel) when a key is configured, else offline
CONFIG = None  # a config JSON the agent runs (turntune recommend --out); None: the service's default
GATES = ["response_p90_ms<=1500", "cut_ins/responses<=0.05"]
OUT_DIR = os.environ.get("TURNTUNE_OUT", "turntune-output")  # beside this notebook: JupyterLab opens it
""", "parameters"),
    code("""
from turntune_nb import (
    agent_report, analyze_folder, check_gates, choose_backend, load_config, output_links, parse_gate,
    plot_barge_in_stops, plot_response_gaps, read_rttm, write_report,
)
"""),
    md("Each call segmented per channel (offline speech detection without a key, AssemblyAI's multichannel with one)."),
    code("backend = choose_backend(BACKEND)\nresult = analyze_folder(AGENT_CALLS, backend=backend, out_dir=OUT_DIR)\nresult"),
    md("The agent's figures, one row per call, worst calls first (most cut-ins per response, then the slowest p90 response)."),
    code("""
report = agent_report(result, agent_channel=AGENT_CHANNEL, config=load_config(CONFIG) if CONFIG else None)
report.per_call
"""),
    md("All calls together, and the setting beside them: predicted false cut-offs and latency on the caller's side, the share of the response gap endpointing explains; the rest is the agent's own thinking and speech synthesis."),
    code("print(*[f'{k}: {v}' for k, v in {**report.overall, **(report.setting or {})}.items()], *report.notes, sep='\\n')"),
    md("The response gaps: cut-ins left of zero."),
    code("plot_response_gaps(report.responses);"),
    md("After a barge-in, how long the agent talked on; left of the dashed line it yielded."),
    code("plot_barge_in_stops(report.barge_ins, report.thresholds.yield_within_ms);"),
    md("The gates a nightly CI run would apply (`turntune agent ... --gate`, exit 6 when one fails)."),
    code("print(*[g.describe() for g in check_gates([parse_gate(t) for t in GATES], {**report.overall, **(report.setting or {})})], sep='\\n')"),
    md("The bundled call's reference segmentation measured the same way: what the speech detector got right, and what it moved."),
    code("""
truth = agent_report(read_rttm(TRUTH), agent="agent", simulate=False) if TRUTH else None
keys = ["responses", "response_median_ms", "cut_ins", "barge_ins", "barge_ins_yielded", "dead_air", "dead_air_ms"]
{k: (report.overall[k], truth.overall[k]) for k in keys} if truth else None
"""),
    md("A shareable HTML report with the agent's section (`turntune agent ... --out DIR` writes the same)."),
    code("""
report_path = write_report(result, f"{OUT_DIR}/agent_report.html", title="Voice agent calls", agent=report)
output_links({"report": report_path})
"""),
]
NOTEBOOKS["04_agent_calls.ipynb"] = AGENT_CALLS


if __name__ == "__main__":
    main()
