"""DaemonPool: results and exceptions through futures, cancellation, and threads that an
interrupted interpreter does not wait for."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from turntune_nb.assemblyai.pool import DaemonPool


def test_results_and_exceptions_come_back_through_futures():
    pool = DaemonPool(2, "t")
    assert [f.result(5) for f in [pool.submit(pow, 3, k) for k in range(4)]] == [1, 3, 9, 27]
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(5)
    pool.shutdown(wait=True)


def test_shutdown_cancels_what_has_not_started():
    pool = DaemonPool(1, "t")
    gate, started = threading.Event(), threading.Event()
    running = pool.submit(lambda: started.set() or gate.wait(10))
    assert started.wait(5)
    queued = [pool.submit(pow, 2, 2) for _ in range(3)]
    pool.shutdown(wait=False)
    gate.set()
    assert running.result(5) is True
    assert all(f.cancelled() for f in queued)
    pool.join()


def test_the_interpreter_does_not_wait_for_a_busy_worker():
    code = ("import time\nfrom turntune_nb.assemblyai.pool import DaemonPool\n"
            "p = DaemonPool(1, 'slow'); p.submit(time.sleep, 600)\nprint('done')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "done\n"  # a ThreadPoolExecutor would block 600 s
