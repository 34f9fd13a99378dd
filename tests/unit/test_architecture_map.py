"""The architecture map in docs/architecture.md names exactly the modules that exist.

The map's format (the first fenced block of docs/architecture.md that starts with
``helpdesk/``):

- each line is ``<indent><names>  <description>``: the names run up to the first two
  spaces; several names are joined by ``, ``; there are no wrapped description lines;
- a name ending in ``/`` is a folder; the lines indented two more spaces under a line
  naming one folder alone are inside it; every other name is a file;
- a sub-package's ``__init__.py`` is covered by its folder's line (naming it is allowed).

Every ``.py`` module and sub-package of ``helpdesk/`` must be named, and every name must
exist. When this fails, the message lists the missing and extra paths: add or remove them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP_DOC = ROOT / "docs" / "architecture.md"
NAME = re.compile(r"^[A-Za-z0-9_.\-]+/?$")


def map_block() -> list[str]:
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", MAP_DOC.read_text(), re.M | re.S)
    block = next((b for b in blocks if b.startswith("helpdesk/")), None)
    assert block is not None, f"{MAP_DOC}: no fenced block starting with 'helpdesk/'"
    return block.splitlines()


def parse_map(lines: list[str]) -> set[str]:
    """The paths (relative to the repository, folders ending in /) the map names."""
    named: set[str] = set()
    folders: list[str] = []  # folders[d] is the folder that lines at depth d + 1 are in
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"map line {number}: indent by two spaces: {line!r}"
        depth = indent // 2
        assert depth <= len(folders), f"map line {number}: indented under no folder: {line!r}"
        del folders[depth:]
        names = re.split(r" {2,}", line.strip(), maxsplit=1)[0].split(", ")
        for name in names:
            assert NAME.match(name), f"map line {number}: {name!r} is not a file or folder name"
            named.add("".join(folders) + name)
        if len(names) == 1 and names[0].endswith("/"):
            folders.append(names[0])
    return named


def package_tree() -> set[str]:
    """Every module and sub-package of helpdesk/ (sub-packages' __init__.py implied)."""
    tree = {"helpdesk/"}
    for path in (ROOT / "helpdesk").rglob("*.py"):
        rel = path.relative_to(ROOT)
        if "__pycache__" in rel.parts:
            continue
        for parent in list(rel.parents)[:-1]:
            tree.add(f"{parent.as_posix()}/")
        if rel.name != "__init__.py" or rel.parent.as_posix() == "helpdesk":
            tree.add(rel.as_posix())
    return tree


def exists(name: str) -> bool:
    path = ROOT / name
    return path.is_dir() if name.endswith("/") else path.is_file()


def test_the_map_names_every_module_and_package():
    named = parse_map(map_block())
    missing = sorted(package_tree() - named)
    assert not missing, (
        f"{MAP_DOC.relative_to(ROOT)} does not name these (add a line for each): "
        + ", ".join(missing)
    )


def test_everything_the_map_names_exists():
    extra = sorted(name for name in parse_map(map_block()) if not exists(name))
    assert not extra, (
        f"{MAP_DOC.relative_to(ROOT)} names what does not exist (remove or rename): "
        + ", ".join(extra)
    )


def test_the_parser_reads_folders_lists_and_descriptions():
    lines = [
        "helpdesk/          the package",
        "  a.py, b.py       two modules",
        "  pkg/             a sub-package",
        "    c.py           inside it",
        "  d.py             back at the top",
        "tests/             another root",
    ]
    assert parse_map(lines) == {
        "helpdesk/",
        "helpdesk/a.py",
        "helpdesk/b.py",
        "helpdesk/pkg/",
        "helpdesk/pkg/c.py",
        "helpdesk/d.py",
        "tests/",
    }


def test_the_readme_starts_with_its_two_commands_and_points_to_the_map():
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("# Helpdesk with a learner mode\n\n```sh\nmake run    #"), (
        "README.md must start with the make run / make test block"
    )
    assert "\nmake test   #" in readme.split("```", 2)[1]
    assert "docs/architecture.md" in readme
    assert "\nhelpdesk/" not in readme, "the map lives in docs/architecture.md only"
