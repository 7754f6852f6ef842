import subprocess
import sys
from pathlib import Path

import latentlab.core


def test_core_imports_without_qt():
    """Every core module imports in a fresh interpreter where Qt and pyqtgraph cannot be imported at all."""
    modules = sorted(
        "latentlab.core." + ".".join(path.relative_to(Path(latentlab.core.__file__).parent).with_suffix("").parts)
        for path in Path(latentlab.core.__file__).parent.rglob("*.py")
        if path.name != "__init__.py"
    )
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6') or name.startswith('latentlab.gui'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
