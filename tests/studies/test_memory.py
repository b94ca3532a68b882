"""The allocator parameters a study process sets keep freed memory instead of faulting fresh pages.

Run in fresh subprocesses (the parameters are process-wide): a point-like pattern of allocations —
forty 8,760-hour arrays, three (9 × 8,760) history arrays and one larger array, all freed — repeated
300 times. With glibc's defaults the freed memory goes back to the kernel and every round faults
fresh zeroed pages in (hundreds of thousands of minor faults); with keep_freed_memory() the heap is
reused (a few thousand). Measured on this machine: 383,010 against 1,867.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from planner.engine.studies.memory import keep_freed_memory

ROOT = Path(__file__).resolve().parents[2]
PATTERN = """
import resource, sys
import numpy as np
sys.path.insert(0, {root!r})
if {tuned}:
    from planner.engine.studies.memory import keep_freed_memory
    assert keep_freed_memory()
rng = np.random.default_rng(0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(300):
    keep = [np.ones(8760) * i for _ in range(40)] + [np.ones((9, 8760)) for _ in range(3)]
    big = np.ones(int(rng.integers(100_000, 400_000)))
    del keep, big
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _minor_faults(tuned: bool) -> int:
    code = PATTERN.format(root=str(ROOT), tuned=tuned)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_kept_memory_spares_the_page_faults_of_every_point():
    if not keep_freed_memory():
        pytest.skip("the C library is not glibc: its allocator's defaults stay (nothing to test)")
    default, tuned = _minor_faults(False), _minor_faults(True)
    assert default > 50_000, default  # the mechanism: freed memory returned, fresh pages faulted in
    assert tuned * 20 < default, (tuned, default)


def test_it_is_set_once_per_process():
    first = keep_freed_memory()
    assert keep_freed_memory() is first
