"""Run the fake as a process: ``python -m tests.fake_assemblyai --port 0`` prints its port."""

import argparse
import threading

from .server import FakeAssemblyAI

parser = argparse.ArgumentParser(prog="python -m tests.fake_assemblyai")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--api-key", default="test-key")
parser.add_argument("--processing-time", type=float, default=0.2, help="seconds a job stays queued/processing")
args = parser.parse_args()
fake = FakeAssemblyAI(api_key=args.api_key, port=args.port, processing_time=args.processing_time).start()
print(fake.port, flush=True)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    fake.stop()
