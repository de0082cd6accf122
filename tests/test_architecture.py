"""The layers hold (docs/architecture.md): import-linter's contracts, and no import hidden in a function."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("aybiza", "accounts", "agents", "telephony", "analytics", "automation", "security_app")


def test_import_contracts_are_kept():
    """`lint-imports` (contracts in pyproject.toml): layers, a core that imports no app, no cycles."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _local_project_imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level or module.split(".")[0] in PACKAGES:
                    yield node.lineno, ("." * node.level) + module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        yield node.lineno, alias.name


def test_no_project_import_is_hidden_inside_a_function():
    """A function-local import would hide a dependency (or dodge a cycle) from the contracts above."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        # migrations freeze their own imports; AppConfig.ready() must import late (Django loads apps.py early)
        if "migrations" not in path.parts and path.name != "apps.py"
        for line, module in _local_project_imports(path)
    ]
    assert not found, "\n".join(found)
