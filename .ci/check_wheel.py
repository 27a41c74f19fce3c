"""The built wheel holds the whole package, and the installed nshsched is that wheel.

    python .ci/check_wheel.py WHEEL               # contents: every file of src/nshsched
    python .ci/check_wheel.py WHEEL --installed   # the nshsched of this environment is it

Contents: every file under ``src/nshsched`` (Python modules of every subpackage, the preset
YAML files, ``py.typed``), nothing else of the package, and the ``nshsched`` console script.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def source_files() -> set[str]:
    return {
        p.relative_to(SRC).as_posix()
        for p in (SRC / "nshsched").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def wheel_files(wheel: Path) -> tuple[set[str], str]:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(
            (z.read(n).decode() for n in names if n.endswith("entry_points.txt")), ""
        )
    return {n for n in names if n.startswith("nshsched/")}, entry_points


def check_contents(wheel: Path) -> list[str]:
    problems = []
    files, entry_points = wheel_files(wheel)
    expected = source_files()
    for name in sorted(expected - files):
        problems.append(f"missing from the wheel: {name}")
    for name in sorted(files - expected):
        problems.append(f"in the wheel but not in src/: {name}")
    must = {"nshsched/py.typed", "nshsched/presets/warmup_cosine.yaml", "nshsched/cli/__init__.py"}
    for name in sorted(must - files):
        problems.append(f"missing from the wheel: {name}")
    if "nshsched=nshsched.cli:main" not in entry_points.replace(" ", "").splitlines():
        problems.append(f"no nshsched console script in entry_points.txt: {entry_points!r}")
    packages = sorted({n.rsplit("/", 1)[0] for n in files if n.endswith("/__init__.py")})
    yamls = sorted(n for n in files if n.endswith(".yaml"))
    print(f"{wheel.name}: {len(files)} files, packages {packages}, {len(yamls)} presets, py.typed")
    return problems


def check_installed(wheel: Path) -> list[str]:
    import importlib.metadata as md
    import json

    dist = md.distribution("nshsched")
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    problems = []
    if direct.get("dir_info", {}).get("editable"):
        problems.append("the installed nshsched is an editable install, not the wheel")
    installed = {str(f).replace("\\", "/") for f in (dist.files or [])}
    installed = {f for f in installed if f.startswith("nshsched/") and not f.endswith(".pyc")}
    files, _ = wheel_files(wheel)
    if installed != files:
        problems.append(
            f"installed files differ from the wheel: missing {sorted(files - installed)[:5]}, "
            f"extra {sorted(installed - files)[:5]}"
        )
    import nshsched

    location = Path(nshsched.__file__).resolve()
    if SRC in location.parents:
        problems.append(f"nshsched is imported from the checkout ({location}), not the install")
    print(f"installed nshsched {dist.version}: {len(installed)} files, the same as {wheel.name}")
    return problems


def main(argv: list[str]) -> int:
    wheel = Path(argv[0])
    problems = check_installed(wheel) if "--installed" in argv[1:] else check_contents(wheel)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
