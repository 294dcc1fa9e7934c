"""The audio wing: what touches sound on this machine.

- `decode`: any container or codec PyAV reads, to 16 kHz mono PCM, streamed.
- `vad`: speech detection (WebRTC or Silero) into speech segments.
- `levels`: frame levels (dB re full scale) and spectral flatness, shared by the detector,
  the conditions and crosstalk.
- `crosstalk`: two-channel calls: speech that is only the other channel's leak is dropped.
- `conditions`: a file's channel layout (identical channels, one silent channel, two
  parties), bandwidth, speech level and SNR, and the accuracy validated for them.
- `denoise`: noise hardening: steady noise subtracted before detection, background
  talk (babble) dropped after it, on noisy channels.
- `embeddings`: mel frames and the speaker encoder shipped in the package
  (Resemblyzer's GE2E, run in numpy): windows of speech to speaker embeddings.
- `segmentation`: pyannote's segmentation-3.0 run in numpy: up to three local
  speakers per ~17 ms frame of a 10 s window, two at once where they overlap.
- `local_speakers`: those windows' local speakers tied into a file's speakers
  (embeddings, one-to-one per window) and aggregated into turns that may overlap.
- `clustering`: speaker embeddings clustered into a file's speakers (spherical
  k-means), the count estimated at the elbow when not given.
- `diarize`: who spoke when in a mono recording: windows segmented, their local
  speakers embedded and clustered per file, overlapped speech given to two speakers.
- `offline`: the offline backend: recordings to `Transcript`s with no key and no
  network (one speaker per channel in stereo, diarised speakers in mono).
- `encode`: lossless FLAC from 16-bit PCM WAV, fewer bytes to upload.
- `executor`: the offline backend on any `concurrent.futures.Executor` (a process
  pool, or a Dask cluster): files shipped as paths or remote references, one task each.

It produces what the analysis wing reads; it imports neither the service nor the
notebook wing. The public names are re-exported from `turntune_nb`.
"""
