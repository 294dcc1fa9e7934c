"""The option groups several ``turntune`` sub-commands share, and what they become.

``--speaker/--channel/--roles/--holds`` (one side of the calls; channels are 0-based everywhere), ``--speakers`` and
``--no-diarise``, ``--vad/--vad-set`` (the offline speech detector), the executor and
table options (runs past one machine), and the tuning options of ``recommend`` and
``report``. Each ``add_*`` function adds a group to an `argparse` parser; `side` and
`vad_options` turn the parsed values into the keyword arguments the package takes.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_vad_args(p)
>>> vad_options(p.parse_args(["--vad", "webrtc", "--vad-set", "min_silence_ms=200", "--vad-set", "gate=off"]))
{'vad': 'webrtc', 'min_silence_ms': 200, 'gate': False}
"""

from __future__ import annotations

from ..analysis.surface import MODES
from ..errors import ConfigError

__all__ = ("add_preset_args", "add_scale_args", "add_side_args", "side", "add_speakers_arg", "add_vad_args",
           "vad_options", "add_tuning_args", "add_backend_arg", "add_transcription_args", "check_config_file")


def add_scale_args(p) -> None:
    """--executor, --scheduler, --executor-workers, --upload-codec, --table-format: runs past one machine."""
    p.add_argument("--executor", choices=("serial", "thread", "process", "dask"), default=None,
                   help="where the offline backend runs: dask starts a LocalCluster (pip install "
                   "'turntune_nb[dask]'); default: a process pool for 16 files or more, else this process. "
                   "With transcripts, analyze runs the analysis there: each file's tables go to a Parquet "
                   "dataset under --out and the overall figures are built from it (turntune_nb.dataset)")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="run on this Dask cluster (the offline backend; with transcripts, the analysis: give "
                   "--out a folder or URL its workers can write)")
    p.add_argument("--executor-workers", type=int, metavar="N",
                   help="workers of a local pool or cluster (default: CPUs)")
    p.add_argument("--upload-codec", choices=("flac",), default=None,
                   help="AssemblyAI: send 16-bit WAV files as lossless FLAC (fewer bytes over a slow uplink)")
    p.add_argument("--table-format", choices=("csv", "parquet"), default="csv",
                   help="the pause and turn-end tables beside the summary (parquet needs 'turntune_nb[parquet]')")


def add_side_args(p) -> None:
    """--speaker, --channel, --roles and --holds: restrict every figure to one side of the calls."""
    p.add_argument("--speaker", action="append", metavar="LABEL",
                   help="only this speaker's holds and turn ends (repeatable); a role name works with --roles "
                   "or when the data label speakers that way")
    p.add_argument("--channel", action="append", type=int, metavar="N",
                   help="only the speakers on this audio channel, 0-based (0 = first; RTTM's channel column 1 is "
                   "--channel 0; offline ch0 and AssemblyAI multichannel 1A are channel 0); repeatable. Refused when "
                   "the transcript's channel field puts every speaker on one value (as real RTTM files do): "
                   "use --speaker then")
    p.add_argument("--roles", metavar="ROLE=LABEL,...",
                   help="name the sides, e.g. caller=A,agent=B or caller=ch0, then --speaker caller")
    p.add_argument("--holds", choices=("own", "floor"), default="own",
                   help="with --speaker/--channel, whose pauses are the side's holds: own (default) = the side's own "
                   "silences, what an endpointer on its channel hears (a pause inside the other party's backchannel, "
                   "while this side talks, is not one); floor = the floor holder's, charging such pauses to the side "
                   "whose talk contains them (the earlier rule; for one endpointer hearing everyone)")


def side(args) -> dict:
    """``speakers``, ``channels``, ``roles`` and ``holds`` keyword arguments from the side options."""
    return {"speakers": getattr(args, "speaker", None), "channels": getattr(args, "channel", None),
            "roles": getattr(args, "roles", None), "holds": getattr(args, "holds", None) or "own"}


def add_speakers_arg(p) -> None:
    """--speakers N, --no-diarise and --diarise-method, for audio."""
    p.add_argument("--speakers", type=int, default=None, metavar="N",
                   help="for audio: how many people speak in each recording, when you know it; offline, mono "
                   "recordings (and two-channel files whose channels are identical or one silent) are split into N "
                   "speakers (estimated when not given); a two-party two-channel file takes only 2 (one per channel), "
                   "another N fails that file with the reason; AssemblyAI: speaker_options for "
                   "mono files (a two-channel file is split by channel). "
                   "With --backend offline, analyze writes the speaker segments it found as RTTM under OUT/segments/")
    p.add_argument("--no-diarise", dest="diarise", action="store_false",
                   help="offline: keep a mono recording's speech as one UNKNOWN speaker (no speaker diarisation); "
                   "speaker changes are then reported as unknown")
    p.add_argument("--diarise-method", choices=DIARISE_METHODS, default=None,
                   help="offline, mono recordings: how speakers are told apart: segmentation (default: pyannote's "
                   "segmentation model, finds overlapped speech) or frames (per-frame voice models: about 2.7x "
                   "faster, no overlap, less accurate on meetings; see benchmarks/diarisation_eval.py)")


#: `turntune_nb.audio.diarize.METHODS`, spelled here so that ``--help`` loads no numpy (tests/cli/test_options.py).
DIARISE_METHODS = ("segmentation", "frames")

#: `turntune_nb.audio.vad.DETECTORS`, spelled here so that building the parser (``--help``) loads no numpy
#: (tests/cli/test_options.py checks the two agree).
VAD_DETECTORS = ("webrtc", "silero", "silero-lite")


def add_vad_args(p) -> None:
    """--vad and --vad-set, for the offline backend."""
    p.add_argument("--vad", choices=VAD_DETECTORS, default=None,
                   help="offline backend: the speech detector (default: silero-lite, with a noise gate; "
                   "see benchmarks/vad_eval.py for how each does on real recordings)")
    p.add_argument("--vad-set", action="append", default=[], metavar="KEY=VALUE",
                   help="offline backend: one detector setting, e.g. --vad-set min_silence_ms=100 "
                   "--vad-set onset=0.4 (any field of VADSettings; repeat as needed)")


def vad_options(args) -> dict:
    """The offline detector options given on the command line (ConfigError for a bad one)."""
    from ..audio.vad import VADSettings

    out = {}
    if getattr(args, "vad", None):
        out["vad"] = args.vad
    fields = VADSettings.__dataclass_fields__
    for item in getattr(args, "vad_set", None) or []:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in fields or key == "detector":
            known = ", ".join(k for k in fields if k != "detector")
            raise ConfigError(f"--vad-set {item!r}: give KEY=VALUE with KEY one of {known} (the detector is --vad)")
        raw = raw.strip()
        value = raw.lower() in ("1", "true", "yes", "on") if fields[key].type in ("bool", bool) else raw
        if not isinstance(value, bool):
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    raise ConfigError(f"--vad-set {item!r}: {raw!r} is not a number") from None
        out[key] = value
    return out


#: The models whose endpointing rule the simulator knows, as --model takes them (u3-rt-pro: legacy, with a note).
MODEL_CHOICES = ("universal-3-6-pro", "universal-3-5-pro", "u3-rt-pro", "universal-streaming",
                 "universal-streaming-english", "universal-streaming-multilingual", "silence")


def add_preset_args(p) -> None:
    """--mode and --speaker-labels: the preset a U3 Pro setting starts from."""
    p.add_argument("--mode", choices=MODES,
                   help="the U3 Pro preset the setting starts from (default: balanced, the service's); the config "
                   "names it and sends only the silences that differ from it")
    p.add_argument("--speaker-labels", action="store_true",
                   help="streaming diarisation: start from the diarisation profile (640/768 ms, a 10 s turn cap)")


def add_backend_arg(p) -> None:
    """--backend: who transcribes audio."""
    p.add_argument("--backend", choices=("auto", "assemblyai", "offline"), default="auto",
                   help="for audio: AssemblyAI, or offline voice activity detection; auto (default) "
                   "uses AssemblyAI when ASSEMBLYAI_API_KEY is set, else offline")


def add_transcription_args(p) -> None:
    """--backend, --workers and --cache-dir: how audio is transcribed (analyze, agent)."""
    add_backend_arg(p)
    p.add_argument("--workers", type=int, default=8, metavar="N",
                   help="AssemblyAI uploads/submissions at once (default: 8); every submitted job is polled")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="AssemblyAI transcript cache; a re-run makes no request for cached files "
                   "(default: ~/.cache/turntune_nb/assemblyai)")


def add_tuning_args(p) -> None:
    """--model, --target-cutoff and --backend, shared by recommend and report."""
    p.add_argument("--model", default="universal-3-6-pro", metavar="MODEL",  # legacy u3-rt-pro: a note, on stderr
                   choices=MODEL_CHOICES,
                   help="the model whose endpointing rule is simulated: universal-3-6-pro (default), "
                   "universal-3-5-pro, universal-streaming(-english/-multilingual), silence; u3-rt-pro is "
                   "accepted as a legacy name")
    p.add_argument("--target-cutoff", type=float, default=0.05, metavar="SHARE",
                   help="highest acceptable false cut-off rate, 0..1 (default: 0.05)")
    add_backend_arg(p)
    p.add_argument("--grid-max-ms", type=int, metavar="MS",
                   help="longest min/max_turn_silence and silence threshold to try, up to 10000 (default: "
                   "min up to 2450 and max up to 5000, both widened to 10000 when nothing lower meets the target)")
    add_side_args(p)
    add_speakers_arg(p)
    add_vad_args(p)


#: What a JSON file passed as ``--config`` may be instead, told by the keys it has: (keys, what it is, what to do).
_OTHER_KINDS = (
    (("aggregated_statistics",), "a saved analysis summary",
     "make a config from it with `turntune recommend {path} --out config.json` and pass that"),
    (("config", "metrics", "target_cutoff"), "a recommendation printed with --json",
     "save the config with `turntune recommend ... --out config.json` and pass that"),
    (("overall", "files", "notes"), "a replay's result",
     "pass a config written by `turntune recommend ... --out config.json`"),
)


def check_config_file(path) -> None:
    """Refuse, in one line naming it, a file passed as ``--config`` that is another kind of turntune file
    (a saved summary, a recommendation, a replay's result) or has no thresholds (`ConfigError`, exit 2).

    A file that cannot be read or parsed is left to `turntune_nb.analysis.presets.load_config`, which names it.
    """
    import json
    from pathlib import Path

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a config (a config is a JSON object with min_turn_silence and "
                          "max_turn_silence, as `turntune recommend ... --out config.json` writes)")
    for keys, kind, todo in _OTHER_KINDS:
        if all(k in data for k in keys):
            raise ConfigError(f"{path} is {kind}, not a config: {todo.format(path=path)}")
    missing = [k for k in ("min_turn_silence", "max_turn_silence") if k not in data]
    if missing:
        raise ConfigError(f"{path} is not a config: it has no {' and no '.join(missing)} (a config is written by "
                          "`turntune recommend ... --out config.json`)")
