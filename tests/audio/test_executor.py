"""The offline backend on executors: a process pool and a real Dask LocalCluster of 2 worker
processes give the same transcripts as `transcribe_offline` run in this process; failures stay per
file; a worker killed mid-run loses no file."""

import os
import shutil
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from turntune_nb import analyze_folder
from turntune_nb.audio.executor import open_executor, transcribe_with_executor
from turntune_nb.audio.offline import transcribe_offline
from turntune_nb.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "samples" / "synthetic"
FILES = sorted(p for p in SYNTH.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calls")
    for p in FILES:
        shutil.copy(p, folder / p.name)
    (folder / "broken.wav").write_bytes(b"RIFF this is not audio at all" * 10)
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def serial(inputs):
    """The reference: the existing one-process loop."""
    return transcribe_offline(inputs, progress=False)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc, \
            distributed.Client(lc) as client:
        yield client


def _key(transcripts):
    return [(t.name, t.utterances, t.duration_ms, t.notes) for t in transcripts]


def test_serial_reference_has_one_failure_named(serial):
    transcripts, failed = serial
    assert [f["filename"] for f in failed] == ["broken.wav"]
    assert len(transcripts) == len(FILES)


@pytest.mark.parametrize("kind", ["serial", "thread", "process"])
def test_local_executors_give_the_serial_transcripts(inputs, serial, kind):
    transcripts, failed = transcribe_with_executor(inputs, kind, workers=2, progress=False)
    assert _key(transcripts) == _key(serial[0])
    assert [(f["filename"], f["stage"]) for f in failed] == [("broken.wav", "decode")]
    assert failed[0]["reason"] == serial[1][0]["reason"]


def test_any_executor_object_is_used_as_given(inputs, serial):
    with ThreadPoolExecutor(2) as pool:
        transcripts, _ = transcribe_with_executor(inputs[:3], pool, progress=False)
        assert pool.submit(lambda: 1).result() == 1  # not shut down: it is the caller's
    assert _key(transcripts) == _key([t for t in serial[0] if t.name in {p.name for p in inputs[:3]}])


def test_unknown_executor_is_refused():
    with pytest.raises(ConfigError, match="executor must be one of"):
        open_executor("gpu")


def test_dask_cluster_gives_the_serial_transcripts(inputs, serial, cluster):
    transcripts, failed = transcribe_with_executor(inputs, cluster.get_executor(), progress=False)
    assert _key(transcripts) == _key(serial[0])
    assert [f["filename"] for f in failed] == ["broken.wav"]


def test_analyze_folder_on_the_cluster_gives_the_serial_figures(inputs, cluster):
    folder = inputs[0].parent
    here = analyze_folder(str(folder), backend="offline", progress=False, executor="serial")
    there = analyze_folder(str(folder), backend="offline", progress=False, executor=cluster.get_executor())
    assert there.overall == here.overall
    assert there.transitions.equals(here.transitions)
    assert [s["filename"] for s in there.skipped] == [s["filename"] for s in here.skipped] == ["broken.wav"]


def test_a_worker_killed_mid_run_loses_no_file(inputs, serial, cluster, tmp_path):
    many = []
    for i in range(6):  # 48 files: the run outlasts the kill
        for p in [p for p in inputs if p.name != "broken.wav"]:
            target = tmp_path / f"r{i}_{p.name}"
            shutil.copy(p, target)
            many.append(target)
    pids = cluster.run(os.getpid)
    killed = []

    def kill_one_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [w for w, tasks in cluster.processing().items() if tasks]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_one_busy_worker)
    killer.start()
    transcripts, failed = transcribe_with_executor(many, cluster.get_executor(pure=False), progress=False, chunk=3)
    killer.join()
    assert killed, "no worker was busy to kill"
    assert failed == []
    by_name = {t.name: t for t in serial[0]}
    assert [t.name for t in transcripts] == [p.name for p in many]
    assert all(t.utterances == by_name[t.name.split("_", 1)[1]].utterances for t in transcripts)
    cluster.wait_for_workers(2, timeout=60)
    assert killed[0] not in cluster.run(os.getpid).values()  # the nanny started a new worker process


def test_files_shipped_several_per_task_keep_their_order_and_their_own_failures(inputs, serial):
    # broken.wav shares its task with three good files: only it fails
    transcripts, failed = transcribe_with_executor(inputs, "process", workers=2, progress=False, chunk=4)
    assert _key(transcripts) == _key(serial[0])
    assert [f["filename"] for f in failed] == ["broken.wav"]


def test_a_scheduler_address_and_the_dask_kind_run_on_dask(inputs, serial, cluster):
    some = [p for p in inputs if p.name != "broken.wav"][:2]
    want = _key([t for t in serial[0] if t.name in {p.name for p in some}])
    got, failed = transcribe_with_executor(some, scheduler=cluster.scheduler.address, progress=False)
    assert _key(got) == want and failed == []
    # the files ran on the cluster's workers: their task log grew
    log = cluster.run(lambda dask_worker: [t for t in dask_worker.state.log if "_transcribe_chunk" in str(t)])
    assert any(log.values())
    got, _ = transcribe_with_executor(some, "dask", workers=1, progress=False)  # a LocalCluster of its own
    assert _key(got) == want


def test_the_dask_kinds_own_cluster_runs_workers_without_the_sampling_profiler():
    # the profiler samples every worker thread every 10 ms: measured ~20% more CPU per file
    from turntune_nb.audio.executor import open_executor

    executor, close = open_executor("dask", workers=1)
    try:
        client = executor._client
        on = client.run(lambda: __import__("dask").config.get("distributed.worker.profile.enabled"))
        assert list(on.values()) == [False]
        threads = client.run(lambda dask_worker: dask_worker.state.nthreads)
        assert list(threads.values()) == [1]
    finally:
        close()
    import dask

    assert dask.config.get("distributed.worker.profile.enabled") is True  # this process's setting untouched


class _Counting(ThreadPoolExecutor):
    """A thread pool that records the most tasks submitted and not yet done at any time."""

    def __init__(self):
        super().__init__(2)
        self.lock, self.pending, self.most, self.submitted = threading.Lock(), 0, 0, 0

    def submit(self, fn, /, *args, **kwargs):
        with self.lock:
            self.pending += 1
            self.submitted += 1
            self.most = max(self.most, self.pending)

        def run():
            try:
                time.sleep(0.01)  # long enough for the submitter to run ahead if it would
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.pending -= 1
        return super().submit(run)


def test_tasks_in_flight_are_bounded(tmp_path):
    """200 one-file tasks, at most in_flight_limit(workers=2) = 4 submitted and not done at once, and
    every file's outcome still comes back, in order (missing files: each its own failure)."""
    from turntune_nb.audio.executor import in_flight_limit

    files = [tmp_path / f"missing{i:03d}.wav" for i in range(200)]
    pool = _Counting()
    try:
        transcripts, failed = transcribe_with_executor(files, pool, workers=2, chunk=1, progress=False)
    finally:
        pool.shutdown()
    assert in_flight_limit(pool, workers=2) == 4
    assert pool.submitted == 200 and pool.most <= 4
    assert transcripts == [] and [f["filename"] for f in failed] == [f.name for f in files]


def test_process_workers_are_not_forks_of_this_process():
    """A fork copies the model runtimes' thread pools mid-lock: a CI run hung with both forked workers waiting on
    a lock. The process pool starts its workers from a fork server instead: their parent is that server."""
    import os

    from turntune_nb.audio.executor import open_executor

    pool, close = open_executor("process", workers=2)
    try:
        parents = {pool.submit(os.getppid).result() for _ in range(4)}
    finally:
        close()
    assert os.getpid() not in parents and len(parents) == 1


def test_process_workers_see_the_environment_of_when_the_pool_was_opened(monkeypatch, tmp_path):
    """The fork server keeps the environment it started with; credentials set since (an S3 key in a notebook)
    must still reach the workers of a pool opened after them."""
    import os

    from turntune_nb.audio.executor import open_executor

    pool, close = open_executor("process", workers=1)
    try:
        assert pool.submit(os.getenv, "TURNTUNE_TEST_SETTING").result() is None   # the server runs now
    finally:
        close()
    monkeypatch.setenv("TURNTUNE_TEST_SETTING", "set after the fork server started")
    monkeypatch.chdir(tmp_path)            # the working directory too (multiprocessing passes it on itself)
    pool, close = open_executor("process", workers=1)
    try:
        assert pool.submit(os.getenv, "TURNTUNE_TEST_SETTING").result() == "set after the fork server started"
        assert pool.submit(os.getcwd).result() == str(tmp_path)
    finally:
        close()
