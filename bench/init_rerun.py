"""How long `dandiops init` takes on a finished deployment, and how many writes it makes (target: <= 2 s, 0).

Starts a fresh sandbox (Heroku, GitHub, one-off dynos, moto), runs init once with the bundled demo
answers, then re-runs it RUNS times: in-process (the wizard alone) and as a `dandiops` command
(interpreter start-up and imports included). Prints the median of each and the write requests the
re-runs caused on the stand-ins. Usage: python bench/init_rerun.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(runs: int) -> int:
    from dandiops.sandbox.demo import DEMO_ENV, demo_answers_path, demo_environment, quiet_rerun, write_requests
    from dandiops.sandbox.full import build_sandbox

    answers = demo_answers_path()
    with tempfile.TemporaryDirectory(prefix="dandiops-bench-") as folder:
        sandbox = build_sandbox(Path(folder))
        sandbox.start()
        try:
            with demo_environment(sandbox) as environ:
                environ["DANDIOPS_GITHUB_WRITE_INTERVAL"] = "0"
                os.environ["DANDIOPS_GITHUB_WRITE_INTERVAL"] = "0"
                first = quiet_rerun(sandbox, answers)
                if first.result.error is not None or first.result.incomplete:
                    print(f"first init did not finish: {first.result.error or first.result.incomplete}")
                    return 1
                print(f"first init: {first.seconds:.2f} s, {first.writes} write request(s)")

                in_process = [quiet_rerun(sandbox, answers) for _ in range(runs)]
                before = write_requests(sandbox)
                command = [sys.executable, "-m", "dandiops", "-e", DEMO_ENV, "init", "--non-interactive",
                           "--answers", str(answers)]
                as_command = []
                for _ in range(runs):
                    started = time.perf_counter()
                    done = subprocess.run(command, env=environ, capture_output=True, text=True)
                    as_command.append(time.perf_counter() - started)
                    if done.returncode != 0:
                        print(done.stdout + done.stderr)
                        return 1
                command_writes = sum(write_requests(sandbox).values()) - sum(before.values())
        finally:
            sandbox.stop()

    writes = sum(r.writes for r in in_process) + command_writes
    in_process_median = statistics.median(r.seconds for r in in_process)
    command_median = statistics.median(as_command)
    print(f"re-run, in-process:   median {in_process_median:.3f} s over {runs} runs")
    print(f"re-run, as a command: median {command_median:.3f} s over {runs} runs (start-up included)")
    print(f"write requests during the re-runs: {writes}")
    verdict = "OK" if command_median <= 2.0 and writes == 0 else "OVER TARGET"
    print(f"target: at most 2 s and 0 writes -> {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
