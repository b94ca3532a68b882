"""The C allocator's parameters for a process that computes study points (pure, no Django).

A point allocates and frees a few hundred arrays of 70 kB (8,760 hours) and some of 0.6 MB (history
years × hours). With glibc's defaults a long-lived process with a fragmented heap (a Celery pool
child: Django, Celery, the catalogs) gives freed memory back to the kernel and faults fresh zeroed
pages in for the next point: measured in a worker, ≈ 100,000 minor page faults and 1.6–2.3 s of CPU
for a 512-point sweep, against ≈ 10–300 faults and 1.0–1.3 s with the parameters below
(docs/studies.md, *Measured figures*; tests/studies/test_memory.py shows the mechanism).

``keep_freed_memory()`` sets them once per process: allocations under 8 MB come from the heap (not
mmap), up to 128 MB of freed heap is kept, and the heap grows 16 MB at a time. The sizes are
assumptions sized for this working set; the cost is at most that much memory held by an idle
process. Elsewhere than Linux with glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

# glibc malloc.h parameter numbers
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD_BYTES = 8 * 1024 * 1024
KEEP_FREED_BYTES = 128 * 1024 * 1024
TOP_PAD_BYTES = 16 * 1024 * 1024


@cache  # once per process (a fork keeps it: the child inherits the parameters)
def keep_freed_memory() -> bool:
    """Set the parameters; True when glibc accepted them."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
        return all(
            mallopt(parameter, value) == 1
            for parameter, value in (
                (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
                (M_TRIM_THRESHOLD, KEEP_FREED_BYTES),
                (M_TOP_PAD, TOP_PAD_BYTES),
            )
        )
    except (OSError, AttributeError):  # not glibc: its allocator's defaults stay
        return False
