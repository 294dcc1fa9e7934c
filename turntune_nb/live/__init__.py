"""The live wing: a live session, whatever its service.

- `sources`: where audio comes from (microphone, file, any iterable of PCM).
- `events`: what a session reports (`BeginEvent`, `TurnEvent`, ..., `SessionEnd`).
- `session`: `LiveSession`, the pacing, callbacks, inactivity rule and ending
  every session shares (set by one `SessionOptions`); a subclass supplies the transport.
- `endpointer`: `OfflineSession`, the offline endpointer (speech detection plus
  the configuration's silence thresholds), with no key and no network.

AssemblyAI's `StreamingSession` (in `turntune_nb.assemblyai.streaming`) builds on
this wing; this wing never imports it. `turntune_nb.pipeline.open_session` picks
one of the two. The public names are re-exported from `turntune_nb`.
"""
