"""Importing the symbolic and numeric layers must never import matplotlib (it is an optional dependency)."""

import subprocess
import sys


def test_importing_symbolic_and_numeric_does_not_import_matplotlib():
    code = "import sys, lossbook.symbolic, lossbook.numeric; assert 'matplotlib' not in sys.modules"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
