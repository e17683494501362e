"""Flag assertions in the test suite that cannot fail: `assert a or b` (one true side
passes whatever the other does) and `assert <constant>`. Run by `make lint` and by a
guard test. Exits 1 and names each place when it finds one."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = ("portfolio/tests", "e2e")


def problems(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Assert):
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.Or):
            found.append(f"{where}: `assert … or …` passes when either side does")
        elif isinstance(node.test, ast.Constant):
            found.append(f"{where}: an assertion on a constant")
    return found


def main() -> int:
    found = [
        problem
        for suite in SUITES
        for path in sorted((ROOT / suite).rglob("*.py"))
        for problem in problems(path)
    ]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
