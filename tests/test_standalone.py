"""Every test module stands alone: shared helpers are fixtures of tests/conftest.py, never
imports of another test module (which would tie the modules and run one's code in another)."""

import ast
import threading
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _is_test_module(name: str) -> bool:
    package, *rest = name.split(".")
    return package == "tests" and any(part.startswith("test_") for part in rest)


def imports_of_test_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of each import of a test module in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names if _is_test_module(name)][:1]
    return found


def test_no_test_module_imports_another():
    offenders = [
        f"{path.relative_to(TESTS)}:{line}: {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, name in imports_of_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use a fixture of tests/conftest.py instead:\n" + "\n".join(offenders)


def test_the_check_sees_every_import_form():
    source = (
        "from tests.test_orders import add\n"
        "import tests.test_api\n"
        "from tests import test_basket\n"
        "from tests import conftest\n"
        "def f():\n    from tests.browser.test_shopping import sign_in\n"
    )
    assert imports_of_test_modules(source) == [
        (1, "tests.test_orders"),
        (2, "tests.test_api"),
        (3, "tests.test_basket"),
        (6, "tests.browser.test_shopping"),
    ]


def test_a_hung_thread_fails_with_its_stack(run_threads):
    release = threading.Event()

    def stuck_in_here():
        release.wait(30)

    with pytest.raises(pytest.fail.Exception) as failure:
        run_threads([stuck_in_here, lambda: None], timeout=0.5)
    release.set()
    assert "1 thread(s) still running" in str(failure.value)
    assert "stuck_in_here" in str(failure.value) and "release.wait(30)" in str(failure.value)


def test_a_worker_error_is_raised_in_the_test(run_threads):
    def broken():
        raise LookupError("from the worker")

    with pytest.raises(LookupError, match="from the worker"):
        run_threads([broken, lambda: 1])
