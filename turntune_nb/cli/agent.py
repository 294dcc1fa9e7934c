"""``turntune agent``: what a deployed voice agent did in its recorded calls, gated for CI.

The paths are read as ``analyze`` reads them (two-channel audio offline or with
AssemblyAI's ``multichannel``, transcripts, RTTM, CSV); the agent is a speaker label
(``--agent``) or an audio channel (``--agent-channel``, 0-based); every other speaker
is the user side. It prints the figures of all calls, the setting's prediction
beside them (``--config``, default the service's own setting), the gates, and the
calls worst first; ``--json`` prints ``per_call`` and ``overall`` instead; ``--out``
writes ``agent.json`` and ``report.html`` (the HTML report with the agent's section).
A failing ``--gate`` ends the command with `EXIT_GATE` (6); a gate that cannot be
read stops it before any work, with exit 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .exits import EXIT_CODES_HELP, EXIT_GATE, exit_code

__all__ = ("add_agent", "GATE_FIGURES")

#: The figures a gate may name: the overall figures and the setting's.
GATE_FIGURES = ("calls", "responses", "response_median_ms", "response_p90_ms", "cut_ins", "barge_ins",
                "barge_ins_yielded", "barge_in_stop_median_ms", "barge_in_stop_p90_ms", "dead_air", "dead_air_ms",
                "agent_talk_share", "user_talk_share", "agent_pauses", "user_pauses", "agent_overlap_share",
                "user_overlap_share", "predicted_cutoff_rate", "predicted_latency_p50_ms", "predicted_latency_p90_ms",
                "measured_cut_in_rate", "endpointing_share", "agent_own_ms")
#: The per-call columns of the terminal table, widest first to go when the terminal is narrow.
TABLE_COLUMNS = ("file", "responses", "response_median_ms", "response_p90_ms", "cut_ins", "barge_ins",
                 "barge_ins_yielded", "dead_air", "dead_air_ms", "agent_talk_share", "agent_overlap_share",
                 "barge_in_stop_median_ms", "agent_pauses", "user_pauses")


def add_agent(sub) -> None:
    """Register ``turntune agent``."""
    from .options import MODEL_CHOICES, add_speakers_arg, add_transcription_args, add_vad_args

    p = sub.add_parser(
        "agent",
        help="a deployed voice agent's calls: response gaps, cut-ins, barge-ins, dead air; gates for CI",
        description="Measure what a voice agent did in its recorded calls (one party per channel, or transcripts "
        "with speaker labels): how fast it answers, how often it talks over the caller, whether it yields when "
        "the caller barges in, the dead air; beside what its endpointing setting predicts on the caller's side.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="recordings or transcripts, or folders of them")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--agent", action="append", metavar="LABEL",
                     help="the agent's speaker label as the transcripts write it (repeatable); everyone else is "
                     "the user side")
    who.add_argument("--agent-channel", type=int, metavar="N",
                     help="the agent's audio channel, 0-based (offline ch1 and multichannel 2A are channel 1)")
    p.add_argument("--json", action="store_true", help="print {per_call, overall, ...} as JSON and nothing else")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="also write agent.json and report.html (the HTML report with the agent's section) here")
    p.add_argument("--config", metavar="CONFIG.json",
                   help="the setting the agent runs (a config saved by recommend); default: the service's default")
    p.add_argument("--model", default=None, choices=MODEL_CHOICES, metavar="MODEL",
                   help="the model whose endpointing rule is simulated (default: the config's, else the service's)")
    p.add_argument("--gate", action="append", default=[], metavar="EXPR",
                   help='a pass/fail gate on the overall figures, e.g. "response_p90_ms<=1500" or '
                   '"cut_ins/responses<=0.05" (METRIC[/METRIC] with <=, <, >=, >, ==); repeatable; a failing gate '
                   f"exits {EXIT_GATE}; figures: {', '.join(GATE_FIGURES)}")
    p.add_argument("--barge-in-min-ms", type=int, default=500, metavar="MS",
                   help="user speech at least this long, starting inside the agent's, is a barge-in (default: 500)")
    p.add_argument("--yield-within-ms", type=int, default=2000, metavar="MS",
                   help="the agent yielded when it stopped within this after a barge-in (default: 2000)")
    p.add_argument("--dead-air-min-ms", type=int, default=3000, metavar="MS",
                   help="a silence between both parties at least this long is dead air (default: 3000)")
    p.add_argument("--pause-min-ms", type=int, default=2500, metavar="MS",
                   help="a silence inside a turn at least this long is a long pause (default: 2500)")
    add_transcription_args(p)
    add_speakers_arg(p)
    add_vad_args(p)
    p.set_defaults(func=_run_agent)


def _gates(texts):
    from ..analysis.agent_gates import parse_gate

    return [parse_gate(t, GATE_FIGURES) for t in texts]


def _run_agent(args) -> int:
    from ..analysis.agent import AgentThresholds, agent_report
    from .analyze import _analysis_from_args, _check_destination, _stop_if_interrupted

    gates = _gates(args.gate)  # a gate that cannot be read stops the run before any (paid) work
    thresholds = AgentThresholds(barge_in_min_ms=args.barge_in_min_ms, yield_within_ms=args.yield_within_ms,
                                 dead_air_min_ms=args.dead_air_min_ms, pause_min_ms=args.pause_min_ms)
    config = None
    if args.config:
        from ..analysis.presets import load_config

        config = load_config(args.config)
    if args.out:
        _check_destination(args.out, "The output folder")
    result = _analysis_from_args(argparse.Namespace(**dict(vars(args), out=None)))
    _stop_if_interrupted(result)
    report = agent_report(result, agent=args.agent, agent_channel=args.agent_channel, thresholds=thresholds,
                          config=config, model=args.model)
    from ..analysis.agent_gates import check_gates

    figures = {**report.overall, **(report.setting or {})}
    checked = check_gates(gates, figures)
    data = report.to_dict()
    if checked:
        data["gates"] = [{"gate": c.gate.text, "value": None if c.value != c.value else c.value, "passed": c.passed}
                         for c in checked]
    saved = _save(args.out, result, report, data) if args.out else []
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        from .console import make_console, print_saved

        out = make_console()
        print_agent(report, checked, out)
        for what, path in saved:
            print_saved(out, what, path)
    code = exit_code(result)
    return EXIT_GATE if any(not c.passed for c in checked) else code


def _save(folder, result, report, data) -> list:
    """agent.json and report.html in `folder` (owner-only); returns (what, path) pairs."""
    from ..files import atomic_write_json
    from ..notebook.report import write_report

    folder = Path(folder)
    json_path = atomic_write_json(folder / "agent.json", data, indent=2)
    html_path = write_report(result, folder / "report.html", title="Voice agent calls", agent=report)
    return [("Figures saved to", json_path), ("Report written to", html_path)]


def print_agent(report, checked, out) -> None:
    """The agent's figures for the terminal: all calls, the setting beside them, the gates, the calls worst first."""
    from rich.text import Text

    from ..analysis.display import format_value, label
    from .console import _frame_columns, _heading, _key_values
    from .tables import print_fitted

    o = report.overall
    _heading(out, "VOICE AGENT CALLS")
    out.print(f"Agent: {', '.join(report.agent)}; every other speaker is the user side. {o['calls']} call(s).",
              soft_wrap=False)
    out.print()
    out.print(Text("All calls", style="bold"))
    out.print(_key_values([(label(k), format_value(k, v)) for k, v in o.items() if k != "calls"]))
    s = report.setting
    if s:
        out.print()
        out.print(Text(f"The setting ({s['model']}, {s['min_turn_silence']}/{s['max_turn_silence']} ms) on the "
                       "user side", style="bold"))
        out.print(_key_values([
            ("predicted false cut-offs", format_value("cutoff_rate", s["predicted_cutoff_rate"])),
            ("measured cut-ins per response", format_value("measured_cut_in_rate", s["measured_cut_in_rate"])),
            ("predicted median latency (ms)", format_value("latency_p50_ms", s["predicted_latency_p50_ms"])),
            ("measured median response (ms)", format_value("response_median_ms", s["measured_response_median_ms"])),
            ("endpointing explains", format_value("endpointing_share", s["endpointing_share"])),
            ("the agent's own time (ms)", format_value("agent_own_ms", s["agent_own_ms"])
             + (" (thinking, speech synthesis)" if s["agent_own_ms"] >= 0 else " (sooner than the endpointer)")),
        ]))
    if checked:
        out.print()
        out.print(Text("Gates", style="bold"))
        for c in checked:
            out.print(f"  {c.describe()}")
    per = report.per_call
    out.print()
    out.print(Text("Per call, worst first", style="bold"))
    frame = per[[c for c in TABLE_COLUMNS if c in per.columns]]
    print_fitted(out, _frame_columns(frame, "file", required=("responses",)), priority=list(frame.columns),
                 more="widen the terminal; every figure is in --json")
    for note in report.notes:
        out.print(f"note: {note}")
