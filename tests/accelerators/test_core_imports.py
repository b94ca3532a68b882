"""The engine core imports without Django (a fresh interpreter proves it)."""

import subprocess
import sys

from tests.conftest import ROOT


def test_it_imports_catalog_and_efficiency_without_django():
    code = (
        "import sys, accelerators.catalog, accelerators.efficiency, accelerators.calibration\n"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
