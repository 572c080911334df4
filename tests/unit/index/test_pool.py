"""The index's worker processes (real `python -m claude_lsp.index.worker` subprocesses)."""

from __future__ import annotations

import asyncio
import marshal
from pathlib import Path

import pytest

from claude_lsp.index.pool import WorkerFailed, WorkerPool
from claude_lsp.index.worker import Job, parse_job, run_job


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "shapes.py").write_text("class Shape:\n    def area(self):\n        return 0\n")
    (tmp_path / "run.sh").write_text("greet() { echo hi; }\n")
    return tmp_path


def job_for(root: Path, *names: str) -> Job:
    files = []
    for name in names:
        stat = (root / name).stat()
        language = "python" if name.endswith(".py") else "bash"
        files.append((name, language, stat.st_mtime_ns, stat.st_size))
    return parse_job(str(root), files, False)


async def test_a_worker_answers_as_the_same_job_run_here(workspace: Path) -> None:
    job = job_for(workspace, "shapes.py", "run.sh")
    pool = WorkerPool.start(2, ["python"], False, 10)
    try:
        results = await asyncio.gather(*(pool.run(job) for _ in range(4)))
    finally:
        await pool.close()
    assert results == [run_job(job)] * 4
    sent = marshal.loads(results[0])
    assert [path for path, *_ in sent] == ["shapes.py", "run.sh"]
    assert all(error == "" for *_, error in sent)


async def test_workspace_modules_do_not_shadow_the_workers_imports(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "tree_sitter.py").write_text("raise SystemExit('the workspace ran')\n")
    monkeypatch.chdir(workspace)  # where editors usually start the server
    job = job_for(workspace, "shapes.py")
    pool = WorkerPool.start(1, ["python"], False, 10)
    try:
        assert await pool.run(job) == run_job(job)
    finally:
        await pool.close()


async def test_a_job_that_raises_fails_alone(workspace: Path) -> None:
    pool = WorkerPool.start(1, [], False, 10)
    try:
        with pytest.raises(WorkerFailed, match="KeyError: 'no_such_job'"):
            await pool.run(("no_such_job",))
        job = job_for(workspace, "shapes.py")
        assert await pool.run(job) == run_job(job)
    finally:
        await pool.close()


async def test_close_lets_the_workers_exit(workspace: Path) -> None:
    pool = WorkerPool.start(2, [], False, 10)
    await pool.run(job_for(workspace, "shapes.py"))
    processes = list(pool._processes)
    await pool.close()
    assert [process.returncode for process in processes] == [0, 0]
    with pytest.raises(WorkerFailed, match="closed"):
        await pool.run(job_for(workspace, "shapes.py"))


async def test_a_dead_worker_breaks_the_pool(workspace: Path) -> None:
    pool = WorkerPool.start(2, [], False, 10)
    job = job_for(workspace, "shapes.py")
    try:
        pool._processes[0].kill()
        pool._processes[0].wait()
        with pytest.raises(WorkerFailed, match=r"exited \(status -?\d+\)"):
            await pool.run(job)
        # The other worker is stopped too, and every later job fails at once.
        with pytest.raises(WorkerFailed):
            await pool.run(job)
        assert pool._processes[1].wait(10) != 0
    finally:
        pool.kill()


async def test_a_cancelled_job_takes_only_its_worker(workspace: Path) -> None:
    pool = WorkerPool.start(2, [], False, 10)
    job = job_for(workspace, "shapes.py")
    try:
        running = asyncio.ensure_future(pool.run(job))
        await asyncio.sleep(0)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert len(pool._processes) == 1
        assert await pool.run(job) == run_job(job)
    finally:
        await pool.close()


async def test_kill_stops_the_workers_at_once(workspace: Path) -> None:
    pool = WorkerPool.start(2, [], False, 10)
    processes = list(pool._processes)
    pool.kill()
    codes = [process.wait(10) for process in processes]  # reaped in the background
    assert all(code != 0 for code in codes)
    with pytest.raises(WorkerFailed):
        await pool.run(job_for(workspace, "shapes.py"))
