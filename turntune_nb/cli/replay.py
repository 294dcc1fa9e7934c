"""``turntune replay``: the real endpointer measured on your recordings, beside the prediction.

The plan (recordings, or a seeded ``--sample``, x each ``--config``) and its cost are
printed first; nothing is streamed without ``--yes`` or a "y" typed at the terminal
(else exit 5). The run's options become one `ReplayOptions`. ``--rescore DIR``
scores saved events again without streaming. A recording that could not be
replayed, or an events file that could not be scored, is listed and the command
exits 3 (`EXIT_PARTIAL`).
"""

from __future__ import annotations

import json
import sys

from ..errors import InputError
from .exits import EXIT_CODES_HELP, EXIT_NOT_CONFIRMED, EXIT_OK, EXIT_PARTIAL, HelpFormatter, print_err
from .options import MODEL_CHOICES, check_config_file

__all__ = ("add_replay",)


def add_replay(sub) -> None:
    p = sub.add_parser(
        "replay",
        help="measure the real endpointer on your recordings, beside the simulator's prediction",
        description="Stream each recording (or a --sample of them) through the streaming endpointer with each "
        "--config, several sessions at once, classify every final turn (fire) against the recording's "
        "transcript of the streamed side (at a turn end, in a hold, or inside the speaker's speech), and print "
        "the premature fires, measured cut-offs and latency beside the simulator's prediction for the same "
        "setting, per file and overall, with TurnBench's recall, false positives and median latency for "
        "two-channel calls. AssemblyAI with ASSEMBLYAI_API_KEY (billed per streamed "
        "hour: the hours are printed first and --yes is required), else the offline endpointer. The events are "
        "saved (--events-dir, owner-only) so that --rescore scores them again without streaming.",
        epilog=EXIT_CODES_HELP, formatter_class=HelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="audio files or folders of them")
    p.add_argument("--config", action="append", default=[], metavar="CONFIG.json",
                   help="a setting to replay (a config JSON); repeat for several")
    p.add_argument("--truth", action="append", default=None, metavar="PATH",
                   help="transcripts (AssemblyAI JSON, RTTM, CSV) or folders of them, matched to recordings by "
                   "name; default: a transcript beside each recording, else its offline segmentation")
    p.add_argument("--channel", type=int, metavar="N",
                   help="stream channel N (0-based: 0 = first, as --channel everywhere; RTTM's channel "
                   "column 1 is channel 0) of two-channel calls: the side being tuned")
    p.add_argument("--speaker", metavar="S",
                   help="the transcript's speaker on that side (default: the one on --channel)")
    p.add_argument("--model", default=None, choices=MODEL_CHOICES, metavar="MODEL",
                   help="the model whose rule the simulator predicts with (default: the --speech-model, else "
                   "universal-3-6-pro; universal-3-5-pro, universal-streaming, silence...)")
    p.add_argument("--sample", type=int, metavar="N", help="stream a random sample of N recordings")
    p.add_argument("--seed", type=int, default=0, help="the sample's seed (default: 0)")
    p.add_argument("--backend", default="auto", choices=("auto", "assemblyai", "offline"),
                   help="auto (default): AssemblyAI with ASSEMBLYAI_API_KEY, else the offline endpointer")
    p.add_argument("--speech-model", default=None, metavar="M",
                   help="AssemblyAI's streaming model (default: the config's, else universal-3-6-pro, the service's)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="pace: 1 = real time (default; AssemblyAI accepts no faster); the offline endpointer can "
                   "go faster")
    p.add_argument("--concurrency", type=int, default=4, metavar="N", help="sessions at once (default: 4)")
    p.add_argument("--sessions-per-minute", type=int, metavar="N",
                   help="start at most N sessions a minute (AssemblyAI: 5 on free accounts); refusals (3009) are "
                   "retried with backoff either way")
    p.add_argument("--events-dir", default="turntune-replay", metavar="DIR",
                   help="where the events go (default: turntune-replay)")
    p.add_argument("--rescore", metavar="DIR", help="score the events a replay saved in DIR again; nothing is streamed")
    p.add_argument("--align-tolerance", type=int, default=None, metavar="MS",
                   help="how far before a reference segment's end a fire still belongs to the silence that end "
                   "opens, not to the speech (default: from the truth: 250 for word timings and voice activity, "
                   "550 for RTTM/CSV segment ends, which are often padded; printed with the result)")
    p.add_argument("--turnbench", metavar="DIR",
                   help="write each setting's TurnBench submission (turnbench-MIN-MAX.json) into DIR, from the "
                   "sessions scored; for both speakers of a call, replay --channel 0 and --channel 1 into one "
                   "--events-dir, then --rescore that folder with --turnbench")
    p.add_argument("--yes", action="store_true", help="stream without asking (the hours are still printed)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout and nothing else")
    p.set_defaults(func=_run_replay)


def _options(args, out):
    """The `ReplayOptions` the command line asks for (validated: ConfigError, exit 2)."""
    from ..replay import ReplayOptions

    return ReplayOptions(sample=args.sample, seed=args.seed, speed=args.speed, concurrency=args.concurrency,
                         sessions_per_minute=args.sessions_per_minute, model=_model(args),
                         align_tolerance_ms=args.align_tolerance, events_dir=args.events_dir,
                         progress=None if args.json else (lambda line: out.print(f"  {line}")))


def _model(args) -> str:
    """The rule the prediction is made with: --model, else the model streamed, else the service's default."""
    from ..analysis.surface import DEFAULT_STREAMING_MODEL

    return args.model or getattr(args, "speech_model", None) or DEFAULT_STREAMING_MODEL


def _confirmed() -> bool:
    """Whether the person at the terminal said yes; no terminal: no (said on stderr)."""
    if not sys.stdin.isatty():
        print_err("not confirmed: re-run with --yes to stream (no terminal to ask on)")
        return False
    if input("Stream it? [y/N] ").strip().lower() not in ("y", "yes"):
        print_err("not confirmed: nothing was streamed")
        return False
    return True


def _run_replay(args) -> int:
    from ..replay import plan_replay, replay, rescore
    from .console import make_console, print_replay

    out = make_console(stderr=args.json)
    if args.rescore:
        result = rescore(args.rescore, model=_model(args), align_tolerance_ms=args.align_tolerance)
    else:
        if not args.paths or not args.config:
            raise InputError("give recordings (PATH...) and at least one --config, or --rescore DIR")
        from ..pipeline import resolve_backend

        for config in args.config:
            check_config_file(config)

        options = _options(args, out)
        backend = resolve_backend(args.backend)
        plan = plan_replay(args.paths, args.config, truth=args.truth, channel=args.channel, speaker=args.speaker,
                           sample=options.sample, seed=options.seed, backend=backend, speed=options.speed)
        out.print(plan.cost_text(options.concurrency))
        for f in plan.failed:
            out.print(f"  skipped {f['filename']}: {f['reason']}")
        if not args.yes and not _confirmed():
            return EXIT_NOT_CONFIRMED
        from ..assemblyai.streaming_options import StreamingOptions

        result = replay(plan, None, yes=True, options=options,
                        streaming=StreamingOptions(speech_model=args.speech_model))
    if args.turnbench:
        for path in result.write_turnbench(args.turnbench):
            print_err(f"TurnBench submission written: {path}")
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print_replay(result, out, shown=() if args.rescore else (plan.cost_text(args.concurrency),))
    return EXIT_PARTIAL if result.failed else EXIT_OK
