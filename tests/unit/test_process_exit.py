"""The exit watchdog: a worker thread that will not finish cannot keep the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

WORKER_STUCK_FOR_A_MINUTE = textwrap.dedent(
    """
    import threading, time
    from claude_lsp.lsp.process_exit import arm_exit_watchdog

    threading.Thread(target=time.sleep, args=(60,), name="stuck-worker").start()
    arm_exit_watchdog(7, grace_seconds=0.2)
    """
)

WORKERS_THAT_FINISH = textwrap.dedent(
    """
    import threading, time
    from claude_lsp.lsp.process_exit import arm_exit_watchdog

    threading.Thread(target=time.sleep, args=(0.1,)).start()
    arm_exit_watchdog(7, grace_seconds=30)
    print("finished normally")
    """
)


def test_a_stuck_worker_thread_is_left_behind_with_the_exit_status() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKER_STUCK_FOR_A_MINUTE],
        capture_output=True,
        text=True,
        timeout=30,  # the worker would hold a plain exit for 60 s
    )
    assert done.returncode == 7
    assert "still busy" in done.stderr and "stuck-worker" in done.stderr


def test_a_normal_exit_is_not_cut_short() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKERS_THAT_FINISH], capture_output=True, text=True, timeout=30
    )
    # the script's own status: the watchdog never fired
    assert done.returncode == 0 and done.stdout == "finished normally\n"
    assert "still busy" not in done.stderr
