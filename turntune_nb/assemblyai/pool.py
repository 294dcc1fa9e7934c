"""`DaemonPool`: worker threads that an interrupt can walk away from.

`concurrent.futures.ThreadPoolExecutor` joins its threads when the interpreter
exits, so Ctrl+C during a slow upload would wait for it (36 s with one slow upload).
Paid work is journaled before it is sent (`turntune_nb.assemblyai.cache`), so
nothing is lost by abandoning a request in flight: these threads are daemons, and
`shutdown(wait=False)` returns at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import queue
import threading

__all__ = ("DaemonPool",)


class DaemonPool:
    """A fixed pool of daemon threads returning `concurrent.futures.Future` objects.

    Parameters
    ----------
    workers : int
    name : str
        Prefix of the threads' names.

    Examples
    --------
    >>> pool = DaemonPool(2, "demo")
    >>> pool.submit(pow, 2, 10).result()
    1024
    >>> pool.shutdown(wait=True)

    Unlike `ThreadPoolExecutor`, whose threads the interpreter joins at exit, an
    interrupt can walk away from a slow upload: the journal says where each stood.
    """

    def __init__(self, workers: int, name: str):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(workers)]
        for t in self._threads:
            t.start()

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            fut, fn, args = task
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args))
            except BaseException as err:  # handed to whoever reads the future
                fut.set_exception(err)

    def submit(self, fn, *args) -> cf.Future:
        """Run ``fn(*args)`` on a worker; the future holds its result or exception."""
        fut: cf.Future = cf.Future()
        self._queue.put((fut, fn, args))
        return fut

    def shutdown(self, wait: bool) -> None:
        """Cancel what has not started; with `wait`, join the threads."""
        while True:
            try:
                task = self._queue.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for t in self._threads:
                t.join()

    def join(self) -> None:
        """Wait for every worker to end (after `shutdown`)."""
        for t in self._threads:
            t.join()
