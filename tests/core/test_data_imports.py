"""The data package is pure numpy and Pillow: importing and using it loads neither torch nor Qt."""

import subprocess
import sys


def test_data_package_needs_neither_torch_nor_qt():
    code = (
        "import sys\n"
        "from latentlab.core.data import load_data\n"
        "load_data('builtin', image_size=14)\n"
        "print(sorted(m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
