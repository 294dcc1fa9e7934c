"""turntune_nb: tune streaming turn detection from your own recorded conversations.

Transcribe a folder of recordings (AssemblyAI, or offline voice activity
detection), measure turn-taking (gaps, overlaps, pauses inside turns), recommend
``min_turn_silence`` / ``max_turn_silence``, tune them interactively, and try
them live.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("turntune_nb")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

# analysis: pure (the data model, gap math, the simulator, the recommendation, displays)
from .analysis import columns
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

# top level: where a backend is chosen, remote folders, measuring the real endpointer
from .pipeline import analyze_folder, open_session
from .remote import RemoteFile
from .replay import ReplayOptions, ReplayResult, plan_replay, replay, rescore

# Plotting, reports and panels pull in seaborn, matplotlib and ipywidgets: imported on
# first use, so the command line and the core start fast.
_LAZY = {
    "plot_offsets": "notebook.plots", "plot_pause_ecdf": "notebook.plots", "plot_per_file": "notebook.plots",
    "plot_tradeoff": "notebook.plots",
    "render_report": "notebook.report", "write_report": "notebook.report",
    "ThresholdTuner": "notebook.tuner", "LiveTurns": "notebook.live_panel",
    "BrowserMicrophone": "notebook.browser_mic",
    "APIKeyPrompt": "notebook.api_key", "choose_backend": "notebook.api_key",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

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
    "render_report",
    "write_report",
    "ThresholdTuner",
    "LiveTurns",
    "BrowserMicrophone",
    "APIKeyPrompt",
    "choose_backend",
)
