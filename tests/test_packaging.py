"""The project files agree with each other: pyproject.toml vs environment.yml,
the README's two commands vs scripts/ and .ci/run."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    pip_side = {_name(r) for r in project["dependencies"] + extras["mic"] + extras["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_side = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            conda_side |= {_name(r) for r in dep["pip"] if not r.startswith("-")}
        else:
            conda_side.add(_name(dep))
    conda_side -= {"python", "pip"}
    assert conda_side == pip_side, f"only in environment.yml: {conda_side - pip_side}; only in pyproject: {pip_side - conda_side}"


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    for cmd in commands:
        assert (ROOT / cmd).stat().st_mode & 0o111, f"{cmd} is not executable"
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_public_names_are_exported():
    import turntune_nb

    missing = [n for n in turntune_nb.__all__ if not hasattr(turntune_nb, n)]
    assert not missing


def test_every_name_the_readme_and_notebooks_import_is_public():
    """The README and the notebooks import from `turntune_nb` only, and every name they
    import is in its ``__all__`` (so moving code between wings never breaks them)."""
    import json

    import turntune_nb

    sources = {"README.md": (ROOT / "README.md").read_text()}
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        sources[nb.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    imported = {}
    for where, text in sources.items():
        assert not re.search(r"(?m)^\s*(from|import) turntune_nb\.", text), f"{where} imports from a submodule"
        for paren, line in re.findall(r"from turntune_nb import (?:\(([\w\s,]+)\)|([\w ,]+))", text):
            names = paren or line
            for name in re.split(r"[\s,]+", names.strip()):
                if name:
                    imported.setdefault(name, where)
    assert len(imported) >= 10  # the README and notebooks do import from the package
    not_public = {n: w for n, w in imported.items() if n not in turntune_nb.__all__ or not hasattr(turntune_nb, n)}
    assert not not_public, f"imported but not public: {not_public}"
