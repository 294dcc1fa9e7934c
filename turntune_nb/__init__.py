"""turntune_nb: tune streaming turn detection from your own recorded conversations.

Transcribe a folder of recordings (AssemblyAI, or offline voice activity
detection), measure turn-taking (gaps, overlaps, pauses inside turns), recommend
``min_turn_silence`` / ``max_turn_silence``, tune them interactively, and try
them live.

Every public name is imported on first use (PEP 562 ``__getattr__``, scientific Python's
``lazy_loader`` pattern): ``import turntune_nb`` and ``turntune --help`` load no pandas,
PyAV or requests; ``from turntune_nb import X`` loads only the module that defines ``X``.
"""

from __future__ import annotations

import sys
import types

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers read the name)

#: The package's version, also the distribution's (pyproject.toml reads it from here):
#: a literal, so ``turntune --version`` needs neither importlib.metadata nor the wings.
__version__ = "0.1.0"

if TYPE_CHECKING:  # what a type checker and an IDE see; at run time each name comes from `_SOURCES` on first use
    # analysis: pure (the data model, gap math, the simulator, the recommendation, displays)
    from .analysis import columns
    from .analysis.agent import AgentReport, AgentThresholds, agent_report
    from .analysis.agent_gates import check_gates, parse_gate
    from .analysis.display import readable
    from .analysis.eotbench import EOT_BENCH_ROWS, TURNBENCH_ROWS, eot_cells, eot_table
    from .analysis.export import export_settings, export_table
    from .analysis.frontier import operating_points, pareto_frontier
    from .analysis.gaps import (
        compute_guide_gaps,
        compute_pauses,
        compute_transitions,
        compute_turn_ends,
        floor_transfer_offsets,
        guide_statistics,
        summarize_transitions,
        summarize_values,
    )
    from .analysis.metrics import EndpointMetrics, bootstrap_ratio_interval, wilson_interval
    from .analysis.model import Transcript, Utterance, Word, transcripts_to_frame, words_to_frame
    from .analysis.presets import (
        AGGRESSIVE,
        BALANCED,
        CONSERVATIVE,
        DEFAULT_CONFIG,
        PRESETS,
        StreamingConfig,
        load_config,
        recommend_preset,
    )
    from .analysis.readers import collect_transcripts, read_assemblyai_json, read_csv, read_rttm, read_transcripts
    from .analysis.recommend import Recommendation, RecommendOptions, recommend_config
    from .analysis.results import AnalysisResult, SavedSummary, analyze_transcripts, latest_summary, load_summary
    from .analysis.sides import select_side
    from .analysis.simulate import Simulator
    from .analysis.speakers import role_table, speaker_table
    from .analysis.surface import (
        DEFAULT_STREAMING_MODEL,
        DIARIZATION_PROFILE,
        MODE_PRESETS,
        STREAMING_MODELS,
        effective_turn_detection,
    )
    from .analysis.tables import result_tables

    # assemblyai: the service
    from .assemblyai.batch import BatchOptions, BatchResult, transcribe_files
    from .assemblyai.cache import TranscriptCache
    from .assemblyai.client import EU_BASE_URL, AssemblyAIClient, ask_api_key
    from .assemblyai.streaming import EU_STREAMING_URL, StreamingSession
    from .assemblyai.streaming_options import StreamingOptions
    from .assemblyai.tokens import create_temporary_token

    # audio: decoding, speech detection, the offline backend
    from .audio.decode import AudioData, DecodeReport, decode_audio, iter_audio_chunks
    from .audio.diarize import DiarisationSettings, MonoDiariser
    from .audio.executor import transcribe_with_executor
    from .audio.offline import transcribe_offline
    from .audio.vad import SpeechDetector, VADSettings, segment_speech

    # top level: where a backend is chosen, remote folders, measuring the real endpointer
    from .dataset import DatasetOptions, DatasetRun, analyze_to_dataset

    # the error tree; inputs
    from .errors import (
        APIError,
        AudioDecodeError,
        AuthenticationError,
        ConfigError,
        InputError,
        MissingAPIKeyError,
        NoMicrophoneError,
        RateLimitError,
        ReplayNotConfirmedError,
        StreamingClosedError,
        StreamingError,
        TranscriptFormatError,
        TranscriptionFailedError,
        TurnTuneError,
    )
    from .files import FileOutcome, collect_inputs

    # live: sessions whatever their service
    from .live.endpointer import OfflineSession
    from .live.events import BeginEvent, ErrorEvent, SessionEnd, SpeechStartedEvent, TerminationEvent, TurnEvent
    from .live.session import SessionOptions
    from .live.sources import FileSource, IterableSource, MicrophoneSource, as_source

    # plots, report, widgets (seaborn, matplotlib, ipywidgets)
    from .notebook.agent_plots import plot_barge_in_stops, plot_response_gaps
    from .notebook.api_key import APIKeyPrompt, choose_backend
    from .notebook.browser_mic import BrowserMicrophone
    from .notebook.listen import ListenTable, listen_examples
    from .notebook.live_panel import LiveTurns
    from .notebook.outputs import output_links
    from .notebook.plots import plot_offsets, plot_pause_ecdf, plot_per_file, plot_tradeoff
    from .notebook.report import render_report, write_report
    from .notebook.tuner import ThresholdTuner
    from .pipeline import analyze_folder, open_session
    from .remote import RemoteFile
    from .replay import ReplayOptions, ReplayResult, plan_replay, replay, rescore

#: Each public name by the module (relative to this package) that defines it.
_SOURCES = {
    "analysis": ("columns",),
    "analysis.agent": ("AgentReport", "AgentThresholds", "agent_report"),
    "analysis.agent_gates": ("check_gates", "parse_gate"),
    "analysis.display": ("readable",),
    "analysis.eotbench": ("EOT_BENCH_ROWS", "TURNBENCH_ROWS", "eot_cells", "eot_table"),
    "analysis.export": ("export_settings", "export_table"),
    "analysis.frontier": ("operating_points", "pareto_frontier"),
    "analysis.gaps": (
        "compute_guide_gaps", "compute_pauses", "compute_transitions", "compute_turn_ends",
        "floor_transfer_offsets", "guide_statistics", "summarize_transitions", "summarize_values",
    ),
    "analysis.metrics": ("EndpointMetrics", "bootstrap_ratio_interval", "wilson_interval"),
    "analysis.model": ("Transcript", "Utterance", "Word", "transcripts_to_frame", "words_to_frame"),
    "analysis.presets": (
        "AGGRESSIVE", "BALANCED", "CONSERVATIVE", "DEFAULT_CONFIG", "PRESETS", "StreamingConfig",
        "load_config", "recommend_preset",
    ),
    "analysis.readers": ("collect_transcripts", "read_assemblyai_json", "read_csv", "read_rttm", "read_transcripts"),
    "analysis.recommend": ("Recommendation", "RecommendOptions", "recommend_config"),
    "analysis.results": ("AnalysisResult", "SavedSummary", "analyze_transcripts", "latest_summary", "load_summary"),
    "analysis.sides": ("select_side",),
    "analysis.simulate": ("Simulator",),
    "analysis.speakers": ("role_table", "speaker_table"),
    "analysis.surface": (
        "DEFAULT_STREAMING_MODEL", "DIARIZATION_PROFILE", "MODE_PRESETS", "STREAMING_MODELS",
        "effective_turn_detection",
    ),
    "analysis.tables": ("result_tables",),
    "assemblyai.batch": ("BatchOptions", "BatchResult", "transcribe_files"),
    "assemblyai.cache": ("TranscriptCache",),
    "assemblyai.client": ("EU_BASE_URL", "AssemblyAIClient", "ask_api_key"),
    "assemblyai.streaming": ("EU_STREAMING_URL", "StreamingSession"),
    "assemblyai.streaming_options": ("StreamingOptions",),
    "assemblyai.tokens": ("create_temporary_token",),
    "audio.decode": ("AudioData", "DecodeReport", "decode_audio", "iter_audio_chunks"),
    "audio.diarize": ("DiarisationSettings", "MonoDiariser"),
    "audio.executor": ("transcribe_with_executor",),
    "audio.offline": ("transcribe_offline",),
    "audio.vad": ("SpeechDetector", "VADSettings", "segment_speech"),
    "errors": (
        "APIError", "AudioDecodeError", "AuthenticationError", "ConfigError", "InputError",
        "MissingAPIKeyError", "NoMicrophoneError", "RateLimitError", "ReplayNotConfirmedError",
        "StreamingClosedError", "StreamingError", "TranscriptFormatError", "TranscriptionFailedError",
        "TurnTuneError",
    ),
    "files": ("FileOutcome", "collect_inputs"),
    "live.endpointer": ("OfflineSession",),
    "live.events": ("BeginEvent", "ErrorEvent", "SessionEnd", "SpeechStartedEvent", "TerminationEvent", "TurnEvent"),
    "live.session": ("SessionOptions",),
    "live.sources": ("FileSource", "IterableSource", "MicrophoneSource", "as_source"),
    "pipeline": ("analyze_folder", "open_session"),
    "dataset": ("DatasetOptions", "DatasetRun", "analyze_to_dataset"),
    "remote": ("RemoteFile",),
    "replay": ("ReplayOptions", "ReplayResult", "plan_replay", "replay", "rescore"),
    "notebook.plots": ("plot_offsets", "plot_pause_ecdf", "plot_per_file", "plot_tradeoff"),
    "notebook.agent_plots": ("plot_barge_in_stops", "plot_response_gaps"),
    "notebook.report": ("render_report", "write_report"),
    "notebook.tuner": ("ThresholdTuner",),
    "notebook.live_panel": ("LiveTurns",),
    "notebook.listen": ("ListenTable", "listen_examples"),
    "notebook.outputs": ("output_links",),
    "notebook.browser_mic": ("BrowserMicrophone",),
    "notebook.api_key": ("APIKeyPrompt", "choose_backend"),
}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}


def __getattr__(name: str):
    """A public name, imported from its module on first use and then kept here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    source = import_module(f".{module}", __name__)
    value = getattr(source, name) if hasattr(source, name) else import_module(f".{module}.{name}", __name__)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


class _Package(types.ModuleType):
    """This package's module type: importing the submodules `replay` and `rescore` leaves the
    package's names `replay` and `rescore` the functions (as an eager ``from .replay import
    replay`` did), not the modules the import system would otherwise bind over them."""

    def __setattr__(self, name: str, value) -> None:
        if name in ("replay", "rescore") and isinstance(value, types.ModuleType):
            return  # the submodule stays reachable in sys.modules
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = (
    "__version__",
    "columns",
    # errors
    "TurnTuneError",
    "InputError",
    "TranscriptFormatError",
    "AudioDecodeError",
    "ConfigError",
    "APIError",
    "MissingAPIKeyError",
    "AuthenticationError",
    "RateLimitError",
    "TranscriptionFailedError",
    "StreamingError",
    "StreamingClosedError",
    "NoMicrophoneError",
    "ReplayNotConfirmedError",
    # model and readers
    "Word",
    "Utterance",
    "Transcript",
    "transcripts_to_frame",
    "words_to_frame",
    "read_assemblyai_json",
    "read_rttm",
    "read_csv",
    "read_transcripts",
    "collect_transcripts",
    # gap math
    "compute_guide_gaps",
    "guide_statistics",
    "compute_transitions",
    "summarize_transitions",
    "compute_pauses",
    "compute_turn_ends",
    "summarize_values",
    # presets and results
    "StreamingConfig",
    "PRESETS",
    "AGGRESSIVE",
    "BALANCED",
    "CONSERVATIVE",
    "DEFAULT_CONFIG",
    "recommend_preset",
    "load_config",
    "AnalysisResult",
    "analyze_transcripts",
    "latest_summary",
    "SavedSummary",
    "load_summary",
    # AssemblyAI's streaming surface: models, mode presets, the diarisation profile
    "DEFAULT_STREAMING_MODEL",
    "STREAMING_MODELS",
    "MODE_PRESETS",
    "DIARIZATION_PROFILE",
    "effective_turn_detection",
    # data-driven tuning and export
    "Simulator",
    "EndpointMetrics",
    "Recommendation",
    "RecommendOptions",
    "recommend_config",
    "pareto_frontier",
    "operating_points",
    "wilson_interval",
    "export_settings",
    "export_table",
    "bootstrap_ratio_interval",
    # a deployed agent's calls: what it really does
    "agent_report",
    "AgentReport",
    "AgentThresholds",
    "check_gates",
    "parse_gate",
    "EOT_BENCH_ROWS",
    "TURNBENCH_ROWS",
    "eot_cells",
    "eot_table",
    "select_side",
    "floor_transfer_offsets",
    "speaker_table",
    "role_table",
    "result_tables",
    "readable",
    # AssemblyAI transcription
    "AssemblyAIClient",
    "ask_api_key",
    "EU_BASE_URL",
    "collect_inputs",
    "transcribe_files",
    "TranscriptCache",
    "BatchResult",
    "BatchOptions",
    "FileOutcome",
    "analyze_folder",
    "analyze_to_dataset",
    "DatasetOptions",
    "DatasetRun",
    # offline backend: decoding and voice activity detection
    "AudioData",
    "decode_audio",
    "iter_audio_chunks",
    "DecodeReport",
    "VADSettings",
    "SpeechDetector",
    "segment_speech",
    "transcribe_offline",
    "DiarisationSettings",
    "MonoDiariser",
    # live turns: streaming, sources, offline endpointer
    "StreamingSession",
    "StreamingOptions",
    "SessionOptions",
    "create_temporary_token",
    "OfflineSession",
    "open_session",
    "MicrophoneSource",
    "FileSource",
    "IterableSource",
    "as_source",
    "BeginEvent",
    "SpeechStartedEvent",
    "TurnEvent",
    "TerminationEvent",
    "ErrorEvent",
    "SessionEnd",
    "EU_STREAMING_URL",
    # replay: the real endpointer measured beside the simulator
    "replay",
    "rescore",
    "plan_replay",
    "ReplayResult",
    "ReplayOptions",
    # past one machine: remote folders, executors
    "RemoteFile",
    "transcribe_with_executor",
    # plots, report, widgets
    "plot_offsets",
    "plot_pause_ecdf",
    "plot_per_file",
    "plot_tradeoff",
    "plot_response_gaps",
    "plot_barge_in_stops",
    "listen_examples",
    "ListenTable",
    "output_links",
    "render_report",
    "write_report",
    "ThresholdTuner",
    "LiveTurns",
    "BrowserMicrophone",
    "APIKeyPrompt",
    "choose_backend",
)
