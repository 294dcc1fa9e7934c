"""``turntune stream``: live partial and final turns from the microphone or a recording.

The setting comes from ``--config`` or ``--min/--max-turn-silence`` (else the
default), the service's other fields (``--mode``, ``--interruption-delay``,
``--vad-threshold``) on top; the session is `pipeline.open_session`'s (AssemblyAI
with a key, else the offline endpointer). Ctrl+C ends the session cleanly; a closed
pipe stops it and ends the command quietly (141).
"""

from __future__ import annotations

import json

__all__ = ("add_stream",)


def add_stream(sub) -> None:
    p = sub.add_parser(
        "stream",
        help="live partial and final turns from the microphone or a recording",
        description="Stream the microphone or a recording to AssemblyAI (v3) with a turn-detection setting and "
        "show partial and final turns; without an API key (or with --offline) the offline endpointer gives "
        "the same events from voice activity alone. Ctrl+C ends the session cleanly.",
    )
    p.add_argument("--source", default="mic", metavar="mic|FILE",
                   help="'mic' (default) or an audio file, replayed in real time")
    p.add_argument("--config", metavar="CONFIG.json", help="a config saved by analyze/recommend (StreamingConfig JSON)")
    p.add_argument("--min-turn-silence", type=int, metavar="MS", help="instead of --config")
    p.add_argument("--max-turn-silence", type=int, metavar="MS", help="instead of --config")
    p.add_argument("--speech-model", default="u3-rt-pro", metavar="M",
                   help="u3-rt-pro (default), universal-3-5-pro, universal-streaming-english...")
    p.add_argument("--mode", choices=("min_latency", "balanced", "max_accuracy"),
                   help="U3 Pro's accuracy/latency trade-off (the service's default: balanced)")
    p.add_argument("--interruption-delay", type=int, metavar="MS", help="U3 Pro: ms before the first partial (0-1000)")
    p.add_argument("--vad-threshold", type=float, metavar="X", help="the service's speech threshold (0-1)")
    p.add_argument("--server-inactivity-timeout", type=int, metavar="S",
                   help="the service's own inactivity_timeout (5-3600 s), beside --inactivity-timeout")
    p.add_argument("--temporary-token", action="store_true",
                   help="mint a single-use temporary token with the key and stream with it")
    p.add_argument("--inactivity-timeout", type=float, metavar="S", help="end after S seconds without a new transcript")
    p.add_argument("--offline", action="store_true", help="use the offline endpointer even if a key is set")
    p.add_argument("--json", action="store_true", help="one JSON object per event per line on stdout")
    p.set_defaults(func=_run_stream)


def _run_stream(args) -> int:
    from ..analysis.presets import DEFAULT_CONFIG, load_config
    from ..errors import ConfigError
    from ..pipeline import open_session

    thresholds = (args.min_turn_silence, args.max_turn_silence)
    if args.config and any(v is not None for v in thresholds):
        raise ConfigError("give either --config or --min-turn-silence/--max-turn-silence, not both")
    if args.config:
        config = load_config(args.config)
    elif any(v is not None for v in thresholds):
        config = DEFAULT_CONFIG.with_values(*thresholds)
    else:
        config = DEFAULT_CONFIG
    surface = {k: getattr(args, k) for k in ("mode", "interruption_delay", "vad_threshold")
               if getattr(args, k, None) is not None}
    if surface:
        config = config.with_values(name=config.name, **surface)
    api = {"server_inactivity_timeout": args.server_inactivity_timeout, "temporary_token": args.temporary_token}
    if not args.offline and surface:
        from ..analysis.presets import check_streaming_fields

        check_streaming_fields(surface, args.speech_model)
    # the file name as given: Path() would print s3://b/x as s3:/b/x
    source = "mic" if args.source.lower() in ("mic", "microphone") else args.source
    from .console import stream_printer

    closed = []  # the reader of stdout went away: stop streaming
    show = stream_printer(config, source, args.json, on_closed=lambda: (closed.append(True), session.stop()))

    from ..live.session import SessionOptions

    service = {}
    if not args.offline:  # the service's own options (dropped for the offline endpointer)
        from ..assemblyai.streaming_options import StreamingOptions

        service["streaming"] = StreamingOptions(speech_model=args.speech_model,
                                                **{k: v for k, v in api.items() if v})
    session = open_session(
        config, source, offline=True if args.offline else None,
        options=SessionOptions(inactivity_timeout_s=args.inactivity_timeout), on_begin=show,
        on_speech_started=None, on_turn=show, on_termination=show, on_error=show, **service,
    )
    session.start()
    try:
        session.wait()
    finally:
        end = session.end_reason
        if closed:
            raise BrokenPipeError  # main ends quietly (141)
        if end is not None:
            if args.json:
                print(json.dumps({"type": "SessionEnd", "kind": end.kind, "detail": end.detail, "code": end.code}),
                      flush=True)
            else:
                from .console import print_session_end

                print_session_end(end)
    return 0


