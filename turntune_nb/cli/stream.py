"""``turntune stream``: live partial and final turns from the microphone or a recording.

The setting comes from ``--config`` or ``--min/--max-turn-silence`` (else, on the
U3 Pro models, the service's ``mode`` preset: ``balanced`` unless told), the
service's other fields (``--mode``, ``--interruption-delay``, ``--vad-threshold``,
``--max-turn-duration``, ``--speaker-labels``, ``--max-speakers``) on top; the session
is `pipeline.open_session`'s (AssemblyAI with a key, else the offline endpointer).
With no ``--speech-model`` (and none in the config) the session asks for
``universal-3-6-pro``, AssemblyAI's default; ``u3-rt-pro`` still works, with a
one-line note. What the service says it ignored or changed (``Begin.configuration``)
is printed as a note. Ctrl+C ends the session cleanly; a closed pipe stops it and
ends the command quietly (141). Exit codes: 0 when the session ended (the audio
ended, Ctrl+C, either inactivity rule: the server's 3006 is not an error), 2 when the
service refused or closed it with an error (1008, 1009, 1011, 3005, 3007...).
"""

from __future__ import annotations

import json

from ..analysis.surface import MODES

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
    p.add_argument("--speech-model", default=None, metavar="M",
                   help="universal-3-6-pro (default, AssemblyAI's since 2026-09-29), universal-3-5-pro, "
                   "universal-streaming-english...; u3-rt-pro is a legacy name")
    p.add_argument("--mode", choices=MODES,
                   help="U3 Pro's accuracy/latency preset (the service's default: balanced)")
    p.add_argument("--interruption-delay", type=int, metavar="MS",
                   help="U3 Pro: ms of speech before the first partial (0-1000; the server adds 256)")
    p.add_argument("--vad-threshold", type=float, metavar="X", help="the service's speech threshold (0-1)")
    p.add_argument("--max-turn-duration", type=int, metavar="MS",
                   help="force-finalise a turn this long (the presets: 60000; with --speaker-labels: 10000)")
    p.add_argument("--speaker-labels", action="store_true", default=None,
                   help="streaming diarisation: turns carry a speaker label; the service then starts from its "
                   "diarisation profile (640/768 ms, a 10 s turn cap) instead of the mode preset")
    p.add_argument("--max-speakers", type=int, metavar="N", help="with --speaker-labels: at most N speakers")
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
    from .options import check_config_file

    thresholds = (args.min_turn_silence, args.max_turn_silence)
    if args.config and any(v is not None for v in thresholds):
        raise ConfigError("give either --config or --min-turn-silence/--max-turn-silence, not both")
    if args.max_speakers is not None and not args.speaker_labels:
        raise ConfigError("--max-speakers caps the speakers --speaker-labels tells apart: add --speaker-labels")
    if args.config:
        check_config_file(args.config)
        config = load_config(args.config)
    else:
        config = _starting_config(args.speech_model, args.mode, bool(args.speaker_labels), DEFAULT_CONFIG)
        if any(v is not None for v in thresholds):
            config = config.with_values(*thresholds)
    surface = {k: getattr(args, k) for k in ("mode", "interruption_delay", "vad_threshold", "max_turn_duration",
                                             "speaker_labels", "max_speakers")
               if getattr(args, k, None) is not None}
    if surface:
        config = config.with_values(name=config.name, **surface)
    api = {"server_inactivity_timeout": args.server_inactivity_timeout, "temporary_token": args.temporary_token}
    model = args.speech_model or config.speech_model
    if not args.offline and surface:
        from ..analysis.presets import check_streaming_fields

        check_streaming_fields(surface, model)
    if not args.offline and model is not None:
        from ..analysis.surface import legacy_note

        note = legacy_note(model)
        if note:
            from .terminal import make_console

            make_console(stderr=True).print(f"Note: {note}")
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
    import warnings

    with warnings.catch_warnings():  # the legacy model's note was printed above, once
        warnings.simplefilter("ignore", DeprecationWarning)
        session = open_session(
            config, source, offline=True if args.offline else None,
            options=SessionOptions(inactivity_timeout_s=args.inactivity_timeout), on_begin=show,
            on_speech_started=None, on_turn=show, on_termination=show, on_error=show, on_warning=show, **service,
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


def _starting_config(speech_model, mode, speaker_labels: bool, default):
    """The setting when none is given: on the U3 Pro models (the default one included),
    the preset the service starts from (the ``mode`` preset, ``balanced`` unless told; the
    diarisation profile with speaker labels), named so that only what differs from it is
    sent; on the other models, `default`.

    Examples
    --------
    >>> from turntune_nb.analysis.presets import DEFAULT_CONFIG
    >>> c = _starting_config(None, None, False, DEFAULT_CONFIG)
    >>> c.name, c.min_turn_silence, c.max_turn_silence, c.mode, c.to_connection_params()["speech_model"]
    ('balanced preset', 128, 1280, 'balanced', 'universal-3-6-pro')
    >>> _starting_config("universal-streaming-english", None, False, DEFAULT_CONFIG) is DEFAULT_CONFIG
    True
    """
    from ..analysis import surface
    from ..analysis.preset_choice import preset_fields
    from ..analysis.presets import StreamingConfig

    if not surface.is_u3_pro(speech_model):
        return default
    base = surface.base_preset(speech_model, mode, speaker_labels)
    return StreamingConfig(f"{base.name} preset", base.min_turn_silence, base.max_turn_silence,
                           f"AssemblyAI's {base.name} preset, as the service fills it in",
                           **preset_fields(speech_model or surface.DEFAULT_STREAMING_MODEL, mode, speaker_labels))
