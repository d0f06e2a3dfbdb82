"""Every test module stands alone: shared helpers are fixtures of tests/conftest.py, never
imports of another test module (which would tie the modules and run one's code in another)."""

import ast
from pathlib import Path

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
