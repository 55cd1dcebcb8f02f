"""The batch figure of bench/verify.py (issue 18): ``kyso verify dir/`` per document against
pyHanko validating each document in one process with a fresh ValidationContext each.

Each repetition times, taking turns so that they share the machine's load: ``kyso verify`` of
the N folder, of the 2N folder (each document twice: kyso keeps nothing keyed by a document's
bytes) and pyHanko over the N documents in this process. kyso's CPU time is user + system of
the ``kyso`` process and of the verifier child it waits for (``RUSAGE_CHILDREN`` around the
run); pyHanko's is this process's ``process_time``. Each repetition gives its own ratios
(the marginal (t(2N) - t(N)) / N, start-up left out, and the whole process / N) against the
same repetition's pyHanko; the table gives the minimum and the median of those ratios over
the repetitions, not a ratio of two minima taken from different moments.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Repetition:
    """One repetition, in ms per document (CPU, and wall for the record)."""

    pyhanko_cpu: float
    kyso_cpu: float
    kyso_double_cpu: float
    pyhanko_wall: float
    kyso_wall: float
    kyso_double_wall: float

    @property
    def marginal_cpu(self) -> float:
        return 2 * self.kyso_double_cpu - self.kyso_cpu  # (t(2N) - t(N)) / N

    @property
    def marginal_wall(self) -> float:
        return 2 * self.kyso_double_wall - self.kyso_wall


def _child_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s of the process and the children it waited for)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return wall, after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime


def repetitions(
    kyso: str,
    base: Path,
    documents: list[bytes],
    fresh: Callable[[bytes], Awaitable[None]],
    runs: int,
) -> list[Repetition]:
    count = len(documents)
    folders = []
    for size in (count, 2 * count):
        folder = Path(tempfile.mkdtemp(prefix=f"kyso-bench-batch-{size}-"))
        for index in range(size):
            (folder / f"{index:03d}.pdf").write_bytes(documents[index % count])
        folders.append(folder)
    env = {**os.environ, "KYSO_DATA_DIR": str(base),
           "KYSO_KEY_PASSPHRASE": "bench-passphrase-0123456789",
           "KYSO_PUBLIC_URL": "http://kyso.invalid"}  # fmt: skip

    async def each() -> None:
        for document in documents:
            await fresh(document)

    def pyhanko_run(runner: asyncio.Runner) -> tuple[float, float]:
        start, used = time.perf_counter(), time.process_time()
        runner.run(each())
        return time.perf_counter() - start, time.process_time() - used

    from verify import batchcache, fastread

    # pyHanko's figure with pyHanko's and asn1crypto's own functions (kyso's fast paths are
    # process-wide once a kyso verification ran in this process)
    fastread.uninstall()
    batchcache.uninstall()
    out: list[Repetition] = []
    try:
        with asyncio.Runner() as runner:
            for folder in folders:  # warm-up: page cache, the bytecode, pyHanko's first calls
                _child_run([kyso, "verify", str(folder)], env)
            pyhanko_run(runner)
            for _ in range(runs):
                k_wall, k_cpu = _child_run([kyso, "verify", str(folders[0])], env)
                p_wall, p_cpu = pyhanko_run(runner)
                d_wall, d_cpu = _child_run([kyso, "verify", str(folders[1])], env)
                per = 1000 / count
                out.append(Repetition(p_cpu * per, k_cpu * per, d_cpu * per / 2,
                                      p_wall * per, k_wall * per, d_wall * per / 2))  # fmt: skip
    finally:
        fastread.install()
        batchcache.install()
    return out


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def print_table(reps: list[Repetition], count: int) -> None:
    """ms per document (min / median / max over the repetitions) and the ratios, each ratio
    computed within one repetition."""
    rows = [
        (f"pyHanko, {count} documents in one process, fresh context each, CPU",
         [r.pyhanko_cpu for r in reps], None),
        (f"kyso verify dir/ ({count}, whole process) / {count}, CPU",
         [r.kyso_cpu for r in reps], [r.kyso_cpu / r.pyhanko_cpu for r in reps]),
        (f"kyso verify dir/, marginal (t({2 * count}) - t({count})) / {count}, CPU",
         [r.marginal_cpu for r in reps], [r.marginal_cpu / r.pyhanko_cpu for r in reps]),
        ("kyso verify dir/, marginal, wall",
         [r.marginal_wall for r in reps], [r.marginal_wall / r.pyhanko_wall for r in reps]),
    ]  # fmt: skip
    print(f"| per document ({len(reps)} repetitions) | ms min / median / max | "
          "ratio to pyHanko min / median / max (target <= 0.2x) |")  # fmt: skip
    print("| --- | ---: | ---: |")
    for what, values, ratios in rows:
        ratio = _spread(ratios) if ratios is not None else "1.00"
        print(f"| {what} | {_spread(values)} | {ratio} |")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
