"""Start-up time of `dandiops --help` and `--version` next to a minimal Typer app's `--help`.

The minimal app is the floor that Typer's rich help sets. Target: `dandiops --help` at most
1.5x that floor. Usage: python bench/startup.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL_APP = '''
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "x"):
    """Say hello."""
@app.command()
def bye():
    """Say bye."""
app()
'''


def median_seconds(argv: list[str], runs: int) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(argv, capture_output=True, env=env, check=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as folder:
        minimal = Path(folder) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        floor = median_seconds([sys.executable, str(minimal), "--help"], runs)
    dandiops = [sys.executable, "-m", "dandiops"]
    help_time = median_seconds([*dandiops, "--help"], runs)
    version_time = median_seconds([*dandiops, "--version"], runs)
    print(f"runs per command:            {runs}")
    print(f"minimal Typer app --help:    {floor:.3f} s (floor)")
    print(f"dandiops --help:             {help_time:.3f} s ({help_time / floor:.2f}x floor; target <= 1.5x)")
    print(f"dandiops --version:          {version_time:.3f} s")


if __name__ == "__main__":
    main()
