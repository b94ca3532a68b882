"""The computing core must import without Django (STYLE.md §5): a fresh interpreter proves it."""

import subprocess
import sys

from tests.conftest import ROOT

CORE_MODULES = [
    "accelerators.catalog",
    "accelerators.efficiency",
    "grid.weather",
    "grid.cooling",
    "grid.facility",
    "grid.carbon",
    "grid.bills",
    "grid.headroom",
    "grid.tco",
    "grid.siting",
    "planner.engine.schema",
    "planner.engine.runner",
    "planner.engine.facility_stage",
    "planner.engine.grid_stage",
    "planner.engine.checks",
    "planner.engine.levers",
    "planner.engine.sweep",
    "planner.engine.tco_stage",
    "planner.engine.site_comparison",
    "planner.engine.studies.points",
    "planner.engine.studies.aggregate",
]


def test_it_imports_the_core_without_django():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"core modules imported Django: {done.stdout.strip()}"
