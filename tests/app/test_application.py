"""One Application per command run, a Context per environment, and the layers below the wizard kept free of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from dandiops.cli.common import ReadOptions, get_context, option_groups

CONFIG = """
[environments.staging]
heroku_app = "my-staging"

[environments.production]
heroku_app = "my-prod"
production = true
"""


def _two_environment_command(built: list):
    """A command that reports on two environments the way `release status` does."""
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        pass

    @app.command()
    @option_groups(read=("json_output",))
    def report(ctx: typer.Context, read: ReadOptions) -> None:
        context = get_context(ctx, json_mode=read.json_output, subject_of_result=False)
        per_env = [
            get_context(ctx, env=name, json_mode=read.json_output, subject_of_result=False)
            for name in ("staging", "production")
        ]
        built.extend(per_env)
        data = [{"env": c.env.name, "app": c.env.heroku_app} for c in per_env]
        context.reporter.result({"environments": data})

    return app


def test_a_command_on_two_environments_builds_one_application_and_two_contexts(tmp_path, monkeypatch):
    (tmp_path / "dandiops.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    built: list = []
    result = CliRunner().invoke(_two_environment_command(built), ["report", "--json"])
    assert result.exit_code == 0, result.output
    staging, production = built
    assert staging is not production and staging.app is production.app
    assert staging.reporter is production.reporter and staging.prompter is production.prompter
    assert (staging.env.name, production.env.name) == ("staging", "production")
    # the one JSON document is about both environments, so it is labelled with neither
    assert json.loads(result.stdout) == {
        "environments": [{"env": "staging", "app": "my-staging"}, {"env": "production", "app": "my-prod"}]
    }


def test_a_context_built_the_old_way_has_its_own_application():
    from dandiops.app.context import Context

    first, second = Context(env_name="staging", yes=True), Context(env_name="staging")
    assert first.app is not second.app and first.yes and not second.yes


def test_the_layers_below_the_wizard_import_nothing_from_it():
    root = Path(__file__).resolve().parents[2]
    code = (
        "import importlib, pkgutil, sys\n"
        "import dandiops\n"
        "for name in ('core', 'providers', 'archive', 'app', 'steps'):\n"
        "    package = importlib.import_module('dandiops.' + name)\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if '.in_dyno' not in module.name:  # runs inside a dyno, under Django\n"
        "            importlib.import_module(module.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('dandiops.wizard') or m == 'questionary'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


LAYERS = ("core", "providers", "archive", "app", "steps", "wizard", "cli")  # bottom to top (DESIGN.md)


def upward_imports(package: Path) -> list[str]:
    """Every import statement in a layer's modules (at import time, inside functions, or for type
    checking only) that names a layer above it or the sandbox; code run inside a dyno is left out."""
    import ast

    rank = {layer: number for number, layer in enumerate(LAYERS)}
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        layer = relative.parts[0]
        if layer not in rank or "in_dyno" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] != "dandiops" or len(parts) < 2:
                    continue
                if parts[1] == "sandbox" and layer != "cli" or rank.get(parts[1], -1) > rank[layer]:
                    found.append(f"{relative}:{node.lineno} imports {module}")
    return found


def test_every_import_in_a_layer_points_down(tmp_path):
    package = Path(__file__).resolve().parents[2] / "dandiops"
    assert upward_imports(package) == []
    # the scan sees imports that run late: one inside a function of steps/ naming the wizard is found
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "late.py").write_text("def f():\n    from dandiops.wizard.state import InitState\n")
    assert upward_imports(tmp_path) == ["steps/late.py:2 imports dandiops.wizard.state"]
