"""The AssemblyAI wing: everything that talks to the service.

- `client`: the v2 pre-recorded API (upload, submit, poll) over one
  ``requests.Session`` with urllib3 ``Retry``.
- `cache`: completed transcripts and submitted job ids on disk, so nothing is paid twice.
- `batch`: many files at once, concurrently, resumable.
- `streaming`: the v3 streaming protocol: `StreamingSession` (a `LiveSession`
  whose transport is AssemblyAI's WebSocket) and its messages.

It produces what the analysis wing reads (transcripts) and what the live wing
defines (events); it never imports the notebook wing. The public names are
re-exported from `turntune_nb`.
"""
