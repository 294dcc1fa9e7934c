"""The streaming v3 WebSocket of the fake (``/v3/ws``), as
``reference/assemblyai_protocol.md`` section 2 describes.

- Handshake: query parameters are validated (``sample_rate``, ``encoding``,
  ``speech_model``, ``min/max_turn_silence``, ``end_of_turn_confidence_threshold``,
  ``format_turns``, ``inactivity_timeout`` 5-3600, ``keyterms_prompt`` JSON list of at
  most 100, ``mode`` min_latency|balanced|max_accuracy, ``interruption_delay`` integer
  0-1000 ms, ``vad_threshold`` number 0-1, ``max_turn_duration``, ``speaker_labels``,
  ``max_speakers``); a bad value is refused with HTTP 400 ``{"error": ...}`` before the
  upgrade, an unknown (misspelled) name is ignored, as the service does since 2026.
- The December 2026 surface (its table: `streaming_surface`, the fake's own): no
  ``speech_model`` is ``universal-3-6-pro``; on the U3 Pro models the ``mode`` preset
  (``balanced`` by default) fills what the query leaves unset, ``speaker_labels=true``
  the diarisation profile instead (turns then carry ``speaker_label``: ``A``, the fake
  has no diariser, or ``PENDING`` under 1 s); ``min_turn_silence`` is clamped to
  50-10000; ``max_turn_duration`` force-finalises a long turn; a turn's first partial
  waits ``interruption_delay`` + 256 ms of speech. ``Begin.configuration`` echoes the
  settings in force. Choices where the docs are silent: ``mode`` and
  ``interruption_delay`` with a Universal-Streaming model are refused (400; the docs
  list them as U3 Pro only and the LiveKit plugin raises on them); ``vad_threshold``
  is accepted by every model and recorded (the fake's energy detector does not use it).
- ``GET /v3/token?expires_in_seconds=N[&max_session_duration_seconds=M]`` with the key
  in ``Authorization``: ``{"token", "expires_in_seconds"}`` (N 1-600, M 60-10800, else
  400; a bad key 401). The token is single-use and must open its session within N s
  (the fake's choice for a late one: the same 1008 as an unknown token). Minted
  tokens are recorded (`tokens_minted`).
  Auth is the key or a temporary token (`issue_token`, single use) in the
  ``Authorization`` header, or the token in ``?token=``; otherwise the socket is
  accepted and closed with 1008 ``Unauthorized Connection: ...``.
- Then ``Begin``; audio must come as binary frames of 50-1000 ms
  (``3007 Input duration violation: <t> ms. Expected between 50 and 1000 ms``) and
  no faster than real time (``3007 Audio Transmission Rate Exceeded: Received <x>
  sec. audio in <y> sec``; ``rate_allowance_ms`` of lead is tolerated, and
  ``max_speed`` lets tests that are not about pacing go faster).
- Turns (``mode="energy"``, the default) come from the energy of the audio in 10 ms
  frames: ``SpeechStarted`` (U3 Pro models) at a turn's first speech, a partial
  ``Turn`` every ``partial_every_ms`` of speech and at ``min_turn_silence`` of
  silence, and the final (``end_of_turn``, formatted) at ``max_turn_silence``
  (``end_at="min"`` ends it at ``min_turn_silence``, as U3 Pro does after a full
  stop). Words are one per speech run (split every 400 ms), named from a fixed
  vocabulary, with their real timings. ``mode="script"`` sends
  ``script=[(audio_ms, message), ...]`` when that much audio has arrived;
  ``mode="silent"`` sends nothing but Begin and Termination.
- ``mode="rules"``: AssemblyAI's documented endpointing rules, applied
  deterministically to a reference transcript of the audio instead of to the sound
  (the fake has no speech recogniser). A test registers the words it will stream
  with `add_reference` (keyed by the SHA-1 of the first 50 ms binary frame, so
  concurrent sessions of different recordings each find theirs; an unknown audio
  is closed with 3005). After each word, with ``s`` the silence until the next one
  (endless after the last): the turn ends at ``min_turn_silence`` when the word
  ends in ``.`` ``?`` ``!`` and ``s >= min``, else at ``max_turn_silence`` when
  ``s >= max`` (the forced end), with one partial at ``min`` while it waits
  (U3 Pro's rule, used for every model here). Each message goes out once that much
  audio has arrived, and each ``Turn`` carries ``x_decided_at_ms``: the audio time
  of the decision, a field only this fake sends (AssemblyAI states none), so that
  a replay can be scored exactly. ``extra_eot_ms`` adds a fixed delay before every
  end of turn (a second, slower rule: the same turns, each decided that much later).
- ``Terminate``: the open turn is finalised, ``Termination`` sent, close 1000
  (``ignore_terminate`` to test the client's bounded wait; ``terminate_close={"code":
  3005, "reason": ..., "message": False, "termination": False}`` answers it with that
  close code instead, after ``Termination`` only when ``termination`` is true). ``ForceEndpoint`` ends
  the open turn; ``UpdateConfiguration`` changes the settings for the audio after it
  (``mode`` re-applies its whole preset; the fields each model family may update, types
  and ranges checked as at the handshake; a bad one is closed with ``3006 Invalid
  Message``: the docs do not say what the service answers, this is the fake's choice;
  each update's settings in force are recorded in ``in_force``); ``KeepAlive`` resets
  the server inactivity timer; anything else is ``3006``. A message over 128 KB is
  closed with 1009. The server's ``inactivity_timeout`` ends the session with an
  ``Error`` and close 3006 (``inactivity_close="termination"``: Termination and 1000).
- Faults: ``error={"code": 3005, "reason": ..., "after_ms": 0, "message": True}``
  (an ``Error`` message, then that close code; ``"hang_up": True`` resets the TCP
  connection right after the close frame, without waiting for the client's answer, as
  a loaded server does), ``abrupt_after_ms`` (the TCP connection is dropped without a
  close frame).
- Every connection is recorded (`sessions`): parameters, auth kind, chunk sizes and
  monotonic arrival times, client messages, server messages with send times, the
  close code sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import struct
import time
import uuid

import numpy as np
from aiohttp import WSMsgType, web

from . import streaming_surface as surface

__all__ = ("register", "configure", "add_reference", "issue_token", "tokens_minted", "sessions", "last_session",
           "wait_for_sessions", "SPEECH_MODELS", "DEFAULTS")

SPEECH_MODELS = surface.SPEECH_MODELS
_U3 = surface.U3_MODELS
_VOCAB = ("so", "we", "looked", "at", "the", "numbers", "and", "I", "think", "it", "works", "okay",
          "right", "yes", "maybe", "later", "today", "call", "back", "sure", "thanks", "plan")
#: Fields only the U3 Pro models take ("Updating configuration mid-stream": Models column).
_U3_ONLY = {"mode", "interruption_delay", "prompt", "agent_context"}
_MODES = ("min_latency", "balanced", "max_accuracy")

#: What `configure` can set, with the defaults.
DEFAULTS = {
    "mode": "energy",  # "energy" | "script" | "silent" | "rules"
    "references": {},  # rules mode: sha1 of the first frame -> [(text, start_ms, end_ms), ...]
    "extra_eot_ms": 0,  # rules mode: a fixed delay added before every end of turn
    "script": (),  # [(audio_ms, message dict)]
    "energy_threshold": 500.0,  # RMS of a 10 ms int16 frame above which it is speech
    "end_at": "max",  # "max": partial at min_turn_silence, final at max; "min": final at min
    "partial_every_ms": 750,
    "rate_check": True,
    "rate_allowance_ms": 1000.0,
    "max_speed": 1.0,
    "ignore_terminate": False,
    "terminate_close": None,  # {"code", "reason", "message", "termination"}: an error close answers Terminate
    "error": None,  # {"code", "reason", "after_ms", "message", "times"}: "times" = only the first N sessions
    "abrupt_after_ms": None,
    "inactivity_scale": 1.0,  # multiplies the server inactivity_timeout (tests shrink it)
    "inactivity_close": "3006",  # "3006" (Error + close 3006, December 2026) | "termination" (+ 1000)
    "close_timeout": 3.0,
}


def _check_fields(fields: dict, u3: bool, typed: bool) -> str | None:
    """The error for the new streaming fields, or None. `typed`: JSON values (an
    UpdateConfiguration); otherwise query strings."""
    for key in sorted(set(fields) & _U3_ONLY):
        if not u3 and fields[key] is not None:
            return f"{key} is not supported for this speech_model (U3 Pro only)"
    mode = fields.get("mode")
    if mode is not None and mode not in _MODES:
        return f"mode must be one of {', '.join(_MODES)}"
    for key, lo, hi, kind in (("interruption_delay", 0, 1000, int), ("vad_threshold", 0.0, 1.0, float),
                              ("min_turn_silence", 0, None, int), ("max_turn_silence", 0, None, int),
                              ("end_of_turn_confidence_threshold", 0.0, 1.0, float)):
        value = fields.get(key)
        if value is None:
            continue
        if typed:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or value == int(value))
        else:
            try:
                value = kind(value)
                ok = True
            except ValueError:
                ok = False
        if not ok:
            return f"{key} must be {'an integer' if kind is int else 'a number'}"
        if value < lo or (hi is not None and value > hi):
            return f"{key} must be between {lo} and {hi}" if hi is not None else f"{key} must be non-negative"
    terms = fields.get("keyterms_prompt")
    if typed and terms is not None and (not isinstance(terms, list) or not all(isinstance(t, str) for t in terms)
                                        or len(terms) > 100):
        return "keyterms_prompt must be a list of at most 100 strings"
    return None


# --------------------------------------------------------------------------- test helpers
def _store(fake) -> dict:
    return fake.state.data.setdefault(
        "streaming", {"sessions": [], "tokens": {}, "minted": [], "config": dict(DEFAULTS), "cond": _Cond()})


def configure(fake, **options) -> None:
    """Set how the next connections behave (see `DEFAULTS`); unknown names are an error."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown streaming options {sorted(unknown)}")
    with fake.state.lock:
        _store(fake)["config"].update(options)


def add_reference(fake, audio, words) -> None:
    """Rules mode: the words of the audio a session will stream.

    Parameters
    ----------
    audio : bytes or int16 array
        The PCM (16-bit, the session's rate) the client will send; only its first
        50 ms frame is used, as the key.
    words : list of (text, start_ms, end_ms)
        In stream time; the text's final ``.`` ``?`` ``!`` decides the rule.
    """
    data = audio.astype("<i2").tobytes() if isinstance(audio, np.ndarray) else bytes(audio)
    key = hashlib.sha1(data[:1600]).hexdigest()
    with fake.state.lock:
        store = _store(fake)
        refs = dict(store["config"].get("references") or {})
        refs[key] = sorted(((str(t), int(a), int(b)) for t, a, b in words), key=lambda w: (w[1], w[2]))
        store["config"]["references"] = refs


def issue_token(fake, expires_in_seconds: float = 600.0) -> str:
    """A single-use temporary token the fake accepts (header or ``?token=``)."""
    token = "tmp-" + uuid.uuid4().hex
    with fake.state.lock:
        _store(fake)["tokens"][token] = time.monotonic() + expires_in_seconds
    return token


def tokens_minted(fake) -> list[dict]:
    """The ``GET /v3/token`` requests answered: query and the token given, oldest first."""
    with fake.state.lock:
        return list(_store(fake)["minted"])


def sessions(fake) -> list[dict]:
    """The connection records so far, oldest first (live dicts: read after the end)."""
    with fake.state.lock:
        return list(_store(fake)["sessions"])


def last_session(fake) -> dict:
    found = sessions(fake)
    if not found:
        raise AssertionError("the fake saw no streaming connection")
    return found[-1]


def wait_for_sessions(fake, n: int = 1, timeout: float = 10.0) -> list[dict]:
    """Wait until `n` connections have ended on the server side; return their records."""
    deadline = time.monotonic() + timeout
    store = _store(fake)
    with store["cond"].cond:
        while True:
            done = [s for s in store["sessions"] if s["ended"]]
            if len(done) >= n:
                return done
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"only {len(done)} of {n} streaming sessions ended within {timeout} s")
            store["cond"].cond.wait(remaining)


class _Cond:
    def __init__(self):
        import threading

        self.cond = threading.Condition()

    def notify(self):
        with self.cond:
            self.cond.notify_all()


# --------------------------------------------------------------------------- validation
def _validate(query) -> tuple[dict, str | None]:
    """(settings, error text or None) for the handshake's query parameters.

    Unknown names are ignored, not refused (as the service does since 2026); the
    settings in force (``configuration``) are what `Begin.configuration` echoes."""
    q = dict(query)
    s = {}
    try:
        encoding = q.get("encoding", "pcm_s16le")
        if encoding not in ("pcm_s16le", "pcm_mulaw"):
            return s, f"Invalid encoding: {encoding}"
        s["encoding"] = encoding
        if "sample_rate" not in q:
            return s, "sample_rate is required for PCM audio"
        s["sample_rate"] = int(q["sample_rate"])
        if not 8000 <= s["sample_rate"] <= 48000:
            return s, f"Invalid sample_rate: {q['sample_rate']}"
        model = q.get("speech_model", surface.DEFAULT_MODEL)
        if model not in SPEECH_MODELS:
            return s, f"Invalid speech_model: {model}"
        s["speech_model"] = model
        u3 = model in _U3
        s["u3"] = u3
        for key in ("min_turn_silence", "max_turn_silence", "max_turn_duration", "max_speakers"):
            if key in q and int(q[key]) < (1 if key == "max_speakers" else 0):
                return s, f"{key} must be a {'positive' if key == 'max_speakers' else 'non-negative'} integer"
        if "end_of_turn_confidence_threshold" in q:
            t = float(q["end_of_turn_confidence_threshold"])
            if not 0.0 <= t <= 1.0:
                return s, "end_of_turn_confidence_threshold must be between 0 and 1"
        for key in ("format_turns", "language_detection", "speaker_labels"):
            if key in q and q[key] not in ("true", "false"):
                return s, f"{key} must be a Boolean"
        s["format_turns"] = u3 or q.get("format_turns") == "true"
        if "inactivity_timeout" in q:
            value = int(q["inactivity_timeout"])
            if not 5 <= value <= 3600:
                return s, "inactivity_timeout must be between 5 and 3600 seconds"
            s["inactivity_timeout"] = value
        if "keyterms_prompt" in q:
            terms = json.loads(q["keyterms_prompt"])
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                return s, "keyterms_prompt must be a JSON list of strings"
            if len(terms) > 100:
                return s, "keyterms_prompt accepts at most 100 terms"
        problem = _check_fields({k: q[k] for k in ("mode", "interruption_delay", "vad_threshold", "prompt")
                                 if k in q}, u3, typed=False)
        if problem:
            return s, problem
        s["mode"] = q.get("mode", surface.DEFAULT_MODE) if u3 else None
        s["speaker_labels"] = q.get("speaker_labels") == "true"
        values = surface.preset(u3, s["mode"], s["speaker_labels"])
        for key, kind in (("min_turn_silence", int), ("max_turn_silence", int), ("interruption_delay", int),
                          ("vad_threshold", float), ("max_turn_duration", int)):
            if key in q:
                values[key] = kind(q[key])
        s.update(surface.clamp(values))
        s["max_speakers"] = int(q["max_speakers"]) if "max_speakers" in q else None
    except ValueError as err:
        return s, f"Invalid parameter: {err}"
    return s, None


def _configuration(s: dict) -> dict:
    """What ``Begin.configuration`` echoes: the settings in force (the fake echoes all of them)."""
    keys = ("speech_model", "mode", "speaker_labels", "max_speakers", "min_turn_silence", "max_turn_silence",
            "interruption_delay", "vad_threshold", "max_turn_duration", "format_turns", "inactivity_timeout")
    return {"api_version": "v3", **{k: s.get(k) for k in keys if k in s}}


def _update(settings: dict, fields: dict) -> None:
    """Apply an UpdateConfiguration: ``mode`` re-applies its whole preset (the diarisation
    profile stays under speaker_labels), then the fields given beside it; the clamp again."""
    values = {k: settings[k] for k in ("min_turn_silence", "max_turn_silence", "interruption_delay",
                                       "vad_threshold")}
    if fields.get("mode") is not None:
        settings["mode"] = fields["mode"]
        base = surface.preset(settings["u3"], fields["mode"], settings.get("speaker_labels", False))
        values.update({k: base[k] for k in values})
    for key in values:
        if fields.get(key) is not None:
            values[key] = fields[key]
    settings.update(surface.clamp(values))


def _reason(text: str) -> str:
    return text if len(text.encode()) <= 123 else "See Error message for details"


# --------------------------------------------------------------------------- the session
class _Turns:
    """Energy-driven turn detection over 10 ms frames, honouring the thresholds."""

    def __init__(self, settings: dict, cfg: dict):
        self.min = settings["min_turn_silence"]
        self.max = settings["max_turn_silence"]
        self.cap = settings.get("max_turn_duration")  # force-finalise a turn this long (ms), None: never
        self.delay = settings.get("interruption_delay")  # U3 Pro: the first partial waits delay + 256 ms
        self.speaker_labels = bool(settings.get("speaker_labels"))
        self.u3 = settings["u3"]
        self.formatted = settings["format_turns"]
        self.threshold = float(cfg["energy_threshold"])
        self.end_at = cfg["end_at"]
        self.partial_every = int(cfg["partial_every_ms"])
        self.frame = settings["sample_rate"] // 100
        self.pending = np.zeros(0, dtype=np.int16)
        self.t = 0  # ms of audio processed
        self.order = 0
        self.vocab_i = 0
        self._reset_turn()

    def apply(self, settings: dict) -> None:
        """Settings changed mid-stream (UpdateConfiguration): used from the next 10 ms frame on."""
        self.min, self.max = settings["min_turn_silence"], settings["max_turn_silence"]
        self.delay = settings.get("interruption_delay")

    def _reset_turn(self):
        self.in_turn = False
        self.turn_start = None
        self.partials = 0
        self.words: list[list] = []  # [text, start, end]
        self.word_start = None
        self.silence = 0
        self.partial_at_silence = False
        self.speech_since_partial = 0

    def _close_word(self, end):
        if self.word_start is not None:
            self.words.append([_VOCAB[self.vocab_i % len(_VOCAB)], self.word_start, end])
            self.vocab_i += 1
            self.word_start = None

    def message(self, final: bool) -> dict:
        texts = [w[0] for w in self.words]
        if final and self.formatted and texts:
            texts = [texts[0].capitalize(), *texts[1:]]
            texts[-1] += "."
        transcript = " ".join(texts)
        words = [{"start": w[1], "end": w[2], "text": text, "confidence": 0.9, "word_is_final": final}
                 for w, text in zip(self.words, texts)]
        out = {
            "turn_order": self.order, "turn_is_formatted": bool(final and self.formatted), "end_of_turn": final,
            "transcript": transcript, "end_of_turn_confidence": 1.0 if final else 0.0, "words": words,
            "utterance": transcript if final else "", "type": "Turn",
        }
        if self.speaker_labels:  # the fake has no diariser: one voice, "A"; short turns PENDING
            span = (self.words[-1][2] - self.words[0][1]) if self.words else 0
            out["speaker_label"] = "A" if span >= surface.PENDING_UNDER_MS else "PENDING"
        return out

    def end_turn(self) -> list[dict]:
        """Finalise the open turn (ForceEndpoint, Terminate, max silence)."""
        if not self.in_turn:
            return []
        self._close_word(self.t - self.silence)
        out = [self.message(True)] if self.words else []
        if self.words:
            self.order += 1
        self._reset_turn()
        return out

    def feed(self, samples: np.ndarray) -> list[dict]:
        out = []
        data = np.concatenate([self.pending, samples]) if self.pending.size else samples
        n = data.size // self.frame
        self.pending = data[n * self.frame:].copy()
        if n == 0:
            return out
        frames = data[: n * self.frame].astype(np.float64).reshape(n, self.frame)
        rms = np.sqrt((frames ** 2).mean(axis=1))
        for level in rms:
            speech = level > self.threshold
            if speech:
                if not self.in_turn:
                    self.in_turn = True
                    self.turn_start = self.t
                    if self.u3:
                        out.append({"type": "SpeechStarted", "timestamp": self.t, "confidence": 0.9})
                if self.word_start is None:
                    self.word_start = self.t
                elif self.t + 10 - self.word_start >= 400:
                    self._close_word(self.t + 10)
                    self.word_start = self.t + 10
                self.silence = 0
                self.partial_at_silence = False
                self.speech_since_partial += 10
                # U3 Pro: a turn's first partial waits interruption_delay + the server's fixed 256 ms
                every = (self.delay + surface.SERVER_INTERRUPTION_MS
                         if self.u3 and self.delay is not None and not self.partials else self.partial_every)
                if self.speech_since_partial >= every:
                    self._close_word(self.t + 10)
                    self.speech_since_partial = 0
                    self.partials += 1
                    out.append(self.message(False))
                if self.cap is not None and self.t + 10 - self.turn_start >= self.cap:
                    self.t += 10  # max_turn_duration: the turn is force-finalised here, speech or not
                    out.extend(self.end_turn())
                    continue
            elif self.in_turn:
                if self.word_start is not None:
                    self._close_word(self.t)
                self.silence += 10
                if self.silence >= self.min and not self.partial_at_silence:
                    self.partial_at_silence = True
                    if self.end_at == "min":
                        self.t += 10
                        out.extend(self.end_turn())
                        continue
                    self.partials += 1
                    out.append(self.message(False))
                if self.in_turn and self.silence >= self.max:
                    self.t += 10
                    out.extend(self.end_turn())
                    continue
            self.t += 10
        return out


class _RuleTurns:
    """Rules mode: the documented endpointing rules over a reference transcript.

    Every message is worked out when the reference is known (the first frame);
    `due` hands out those whose time has come as audio arrives.
    """

    def __init__(self, settings: dict, cfg: dict, words):
        self.min, self.max = settings["min_turn_silence"], settings["max_turn_silence"]
        self.u3, self.formatted = settings["u3"], settings["format_turns"]
        self.extra = int(cfg["extra_eot_ms"])
        self.plan: list[tuple[int, dict]] = []  # (audio ms at which it is sent, message)
        self.order = 0
        turn: list = []
        for i, (text, start, end) in enumerate(words):
            if not turn and self.u3:
                self.plan.append((start, {"type": "SpeechStarted", "timestamp": start, "confidence": 0.9}))
            turn.append((text, start, end))
            silence = words[i + 1][1] - end if i + 1 < len(words) else None
            terminal = text.rstrip().endswith((".", "?", "!"))
            wait = self.min if terminal else self.max
            if silence is None or silence >= wait:
                if not terminal and self.min < self.max:
                    self.plan.append((end + self.min, self._turn(turn, False, end + self.min)))
                decided = end + wait + self.extra
                self.plan.append((decided, self._turn(turn, True, decided)))
                turn = []
            elif silence >= self.min and not terminal:
                self.plan.append((end + self.min, self._turn(turn, False, end + self.min)))
        self.plan.sort(key=lambda item: item[0])  # stable: a partial stays before its final
        self.next = 0

    def _turn(self, words, final: bool, decided: int) -> dict:
        texts = [w[0] for w in words]
        transcript = " ".join(texts)
        msg = {
            "turn_order": self.order, "turn_is_formatted": bool(final and self.formatted), "end_of_turn": final,
            "transcript": transcript, "end_of_turn_confidence": 1.0 if final else 0.0,
            "words": [{"start": a, "end": b, "text": t, "confidence": 0.9, "word_is_final": final} for t, a, b in words],
            "utterance": transcript if final else "", "type": "Turn", "x_decided_at_ms": int(decided),
        }
        if final:
            self.order += 1
        return msg

    def due(self, received_ms: float, everything: bool = False) -> list[dict]:
        """The messages whose audio time has arrived; at Terminate (`everything`) the
        rest too, a turn not yet due being decided there, at the end of the audio."""
        out = []
        while self.next < len(self.plan) and (everything or self.plan[self.next][0] <= received_ms):
            when, msg = self.plan[self.next]
            if when > received_ms and "x_decided_at_ms" in msg:
                msg = dict(msg, x_decided_at_ms=int(received_ms))
            out.append(msg)
            self.next += 1
        return out


async def _handle(request: web.Request, fake) -> web.StreamResponse:
    store = _store(fake)
    with fake.state.lock:
        fake.state.counts["stream"] += 1
        fake.state.requests.append(("GET", request.path, {k: v for k, v in request.headers.items()
                                                          if k.lower() != "authorization"}))
        cfg = dict(store["config"])
    settings, problem = _validate(request.query)
    rec = {
        "params": dict(request.query), "settings": settings, "auth": None, "chunks": [], "arrivals": [],
        "client_messages": [], "sent": [], "close": None, "terminate_received": False, "terminate_at": None,
        "chunks_after_terminate": 0, "updates": [], "in_force": [], "refused_updates": [], "force_endpoints": 0, "keepalives": 0, "ended": False,
        "started_at": time.monotonic(), "refused": problem,
    }
    with fake.state.lock:
        store["sessions"].append(rec)
    cond = store["cond"]
    try:
        if problem:
            return web.json_response({"error": problem}, status=400)
        return await _session(request, fake, store, cfg, settings, rec)
    finally:
        rec["ended"] = True
        cond.notify()


def _auth(request, fake, store) -> tuple[str, str | None]:
    header = request.headers.get("Authorization")
    token = request.query.get("token")
    with fake.state.lock:
        for candidate in (header, token):
            if candidate and candidate in store["tokens"]:
                expires = store["tokens"].pop(candidate)
                if time.monotonic() > expires:
                    return "expired", "Unauthorized Connection: Invalid API key or token"
                return "token", None
    if header and header == fake.api_key:
        return "key", None
    if not header and not token:
        return "missing", "Unauthorized Connection: Missing Authorization header"
    return "invalid", "Unauthorized Connection: Invalid API key or token"


async def _session(request, fake, store, cfg, settings, rec):
    ws = web.WebSocketResponse(timeout=cfg["close_timeout"], autoping=True, max_msg_size=0)  # 1009: checked below
    await ws.prepare(request)
    kind, problem = _auth(request, fake, store)
    rec["auth"] = kind

    async def send(message: dict):
        rec["sent"].append((time.monotonic(), message))
        await ws.send_str(json.dumps(message))

    async def close(code: int, reason: str, message: bool = False, hang_up: bool = False):
        if message:
            await send({"type": "Error", "error_code": code, "error": reason})
        rec["close"] = (code, _reason(reason))
        if hang_up:  # the close frame, then the line cut at once (RST): the client's answer cannot be sent
            await ws._writer.close(code, _reason(reason).encode())
            sock = request.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.transport.abort()
            return
        await ws.close(code=code, message=_reason(reason).encode())

    if problem:
        await close(1008, problem)
        return ws

    await send({"type": "Begin", "id": str(uuid.uuid4()), "expires_at": int(time.time()) + 10800,
                "configuration": _configuration(settings)})
    turns = _Turns(settings, cfg)
    rules = None
    script = sorted(cfg["script"] or (), key=lambda item: item[0])
    script_i = 0
    bytes_per_ms = settings["sample_rate"] / 1000 * (2 if settings["encoding"] == "pcm_s16le" else 1)
    received_ms = 0.0
    first = None
    error = cfg["error"]
    last_activity = time.monotonic()
    inactivity = settings.get("inactivity_timeout")
    inactivity_s = inactivity * float(cfg["inactivity_scale"]) if inactivity else None

    async def flush_script():
        nonlocal script_i
        while script_i < len(script) and script[script_i][0] <= received_ms:
            await send(script[script_i][1])
            script_i += 1

    async def termination():
        if cfg["mode"] == "energy":
            for msg in turns.end_turn():
                await send(msg)
        elif rules is not None:
            for msg in rules.due(received_ms, everything=True):
                await send(msg)
        await send({"type": "Termination", "audio_duration_seconds": int(round(received_ms / 1000)),
                    "session_duration_seconds": int(round(time.monotonic() - rec["started_at"]))})

    async def terminate():
        await termination()
        rec["close"] = (1000, "")
        await ws.close(code=1000)

    async def inactive():
        """The inactivity timer elapsed: 3006 (December 2026; the Error message first, as for every
        300x close: the fake's choice), or, with ``inactivity_close="termination"``, the older
        Termination + 1000."""
        if cfg["inactivity_close"] == "termination":
            await terminate()
            return
        rec["inactivity_closed"] = True
        await close(3006, f"Inactivity Timeout: no speech for {inactivity} s (inactivity_timeout)", message=True)

    if cfg["mode"] == "script":
        await flush_script()
    if error and error.get("times") is not None:
        with fake.state.lock:
            left = int(store["config"]["error"].get("times", 0))
            if left > 0:
                store["config"]["error"] = dict(store["config"]["error"], times=left - 1)
            else:
                error = None
    if error and error.get("after_ms", 0) <= 0:
        await close(error["code"], error["reason"], error.get("message", True), error.get("hang_up", False))
        return ws

    while True:
        timeout = None
        if inactivity_s is not None:
            timeout = last_activity + inactivity_s - time.monotonic()
            if timeout <= 0:  # silence (or nothing) for inactivity_timeout: the server ends it
                await inactive()
                return ws
        try:
            msg = await ws.receive(timeout=timeout)
        except asyncio.TimeoutError:
            await inactive()  # the server's own inactivity_timeout
            return ws
        now = time.monotonic()
        if msg.type in (WSMsgType.BINARY, WSMsgType.TEXT) and len(msg.data) > surface.MAX_MESSAGE_BYTES:
            await close(1009, f"Message Too Big: {len(msg.data)} bytes, the limit is 128 KB")
            return ws
        if msg.type == WSMsgType.BINARY:
            data = msg.data
            rec["chunks"].append(len(data))
            rec["arrivals"].append(now)
            if rec["terminate_received"]:
                rec["chunks_after_terminate"] += 1
                continue
            duration = len(data) / bytes_per_ms
            if duration < 50 or duration > 1000:
                await close(3007, f"Input duration violation: {duration:g} ms. Expected between 50 and 1000 ms",
                            message=True)
                return ws
            if first is None:
                first = now
            received_ms += duration
            elapsed = (now - first) * 1000.0
            if cfg["rate_check"] and received_ms > elapsed * float(cfg["max_speed"]) + float(cfg["rate_allowance_ms"]):
                await close(3007, f"Audio Transmission Rate Exceeded: Received {received_ms / 1000:.1f} sec. "
                            f"audio in {elapsed / 1000:.1f} sec", message=True)
                return ws
            if cfg["abrupt_after_ms"] is not None and received_ms >= cfg["abrupt_after_ms"]:
                rec["close"] = ("abrupt", "")
                request.transport.abort()
                return ws
            if error and received_ms >= error.get("after_ms", 0):
                await close(error["code"], error["reason"], error.get("message", True), error.get("hang_up", False))
                return ws
            if cfg["mode"] == "energy" and settings["encoding"] == "pcm_s16le":
                before = turns.order
                for out in turns.feed(np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")):
                    await send(out)
                if turns.in_turn or turns.order != before:
                    last_activity = now
            elif cfg["mode"] == "script":
                await flush_script()
            elif cfg["mode"] == "rules":
                if rules is None:
                    words = (cfg["references"] or {}).get(hashlib.sha1(data[:1600]).hexdigest())
                    if words is None:
                        await close(3005, "Session Cancelled: the fake has no reference transcript for this audio",
                                    message=True)
                        return ws
                    rules = _RuleTurns(settings, cfg, words)
                for out in rules.due(received_ms):
                    await send(out)
                last_activity = now
        elif msg.type == WSMsgType.TEXT:
            rec["client_messages"].append((now, msg.data))
            try:
                body = json.loads(msg.data)
            except ValueError:
                await close(3006, f"Invalid JSON: {msg.data}", message=True)
                return ws
            if not isinstance(body, dict):
                await close(3006, f"Invalid Message: {msg.data}", message=True)
                return ws
            kind = body.get("type")
            if kind == "Terminate":
                rec["terminate_received"] = True
                rec["terminate_at"] = now
                if cfg["ignore_terminate"]:
                    continue
                answer = cfg["terminate_close"]
                if answer:
                    if answer.get("termination"):
                        await termination()
                    await close(answer["code"], answer["reason"], answer.get("message", False))
                    return ws
                await terminate()
                return ws
            if kind == "ForceEndpoint":
                rec["force_endpoints"] += 1
                for out in turns.end_turn():
                    await send(out)
            elif kind == "UpdateConfiguration":
                fields = {k: v for k, v in body.items() if k != "type"}
                bad = set(fields) - surface.UPDATABLE[settings["u3"]]
                problem = _check_fields(fields, settings["u3"], typed=True)
                if bad or problem:
                    rec["refused_updates"].append((fields, problem or f"unknown fields {sorted(bad)}"))
                    await close(3006, f"Invalid Message: {problem or msg.data}", message=True)
                    return ws
                rec["updates"].append(fields)
                _update(settings, fields)
                rec["in_force"].append((received_ms, dict(settings)))
                turns.apply(settings)
            elif kind == "KeepAlive":
                rec["keepalives"] += 1
                last_activity = now
            else:
                await close(3006, f"Invalid Message Type: {kind}", message=True)
                return ws
        elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            if rec["close"] is None:
                rec["close"] = ("client", ws.close_code)
            return ws


def register(app: web.Application, fake) -> None:
    """Add ``GET /v3/ws`` (the streaming WebSocket) to the fake's app."""
    _store(fake)

    async def handle(request: web.Request) -> web.StreamResponse:
        return await _handle(request, fake)

    app.router.add_get("/v3/ws", handle)
