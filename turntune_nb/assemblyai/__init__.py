"""The AssemblyAI wing: everything that talks to the service.

- `client`: the v2 pre-recorded API (upload, submit, poll) over one
  ``requests.Session`` with urllib3 ``Retry``.
- `cache`: completed transcripts and the write-ahead journal of paid work (upload
  URLs, intents, job ids) on disk, under an inter-process lock, so nothing is paid twice.
- `batch`: many files at once, concurrently, resumable; checks before paying; how
  a run goes is one `BatchOptions`.
- `submission`: one job's paid steps, each journaled first (cached result, known job
  id, or upload once + intent + submit) and settling an interrupted run's intents:
  a `PaidSteps` the batch run builds with its collaborators (batch imports it, never
  the other way round).
- `sources`: what the service is given per input: a URL it fetches itself (public,
  or presigned by ``fs.sign()``), or an upload (once; lossless FLAC on request).
- `space`: room on disk before paying: what a batch run writes (transcripts, cache,
  summary) against what its folders hold free.
- `pool`: daemon worker threads an interrupt can walk away from.
- `streaming`: the v3 streaming protocol: `StreamingSession` (a `LiveSession`
  whose transport is AssemblyAI's WebSocket).
- `streaming_messages`: the v3 messages parsed into the live wing's typed events,
  and each close code with what to do about it.
- `streaming_echo`: ``Begin.configuration`` (what the service says is in force) set
  beside what a session asked for: what it ignored or changed.
- `streaming_options`: `StreamingOptions`, how a streaming session reaches the
  service and what it asks for (URL, model, connection parameters, time-out).
- `tokens`: single-use temporary streaming tokens (``GET /v3/token``), so a
  browser or another process streams without holding the key.

It produces what the analysis wing reads (transcripts) and what the live wing
defines (events); it never imports the notebook wing. The public names are
re-exported from `turntune_nb`.
"""
