"""The import contracts cover every app and every module: a module is public (listed in
[tool.soloops.public-modules]) or private (named in its app's protected contract), and every
app sits in a layer. A new module no one decided about fails here, not in review."""

import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "soloops"
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text())
PUBLIC = CONFIG["tool"]["soloops"]["public-modules"]
CONTRACTS = CONFIG["tool"]["importlinter"]["contracts"]
SKIP = {"templates", "static", "__pycache__"}


def apps() -> list[str]:
    """The project's apps: its packages but translations and locale formats."""
    return sorted(
        p.name
        for p in PACKAGE.iterdir()
        if (p / "__init__.py").exists() and p.name not in {"locale", "formats", "demo"}
    )


def modules(app: str) -> set[str]:
    """The app's own modules and subpackages (one level: a subpackage covers its contents)."""
    found = set()
    for p in (PACKAGE / app).iterdir():
        if p.name.startswith("__") or p.name in SKIP:
            continue
        if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py":
            found.add(p.stem)
    return found


def protected(app: str) -> set[str]:
    names = set()
    for contract in CONTRACTS:
        if contract["type"] == "protected":
            names |= {
                m.removeprefix(f"soloops.{app}.")
                for m in contract["protected_modules"]
                if m.startswith(f"soloops.{app}.")
            }
    return names


def public(app: str) -> set[str]:
    return set(PUBLIC.get(app, PUBLIC["default"]))


@pytest.mark.parametrize("app", apps())
def test_every_module_of_an_app_is_public_or_protected(app):
    # given the app's modules, and what the configuration says about them
    undecided = modules(app) - public(app) - protected(app)

    # then none is undecided: add it to the app's protected contract (private, the default)
    # or, if other apps need it, to [tool.soloops.public-modules]
    assert not undecided, f"soloops.{app}: no contract covers {sorted(undecided)}"


@pytest.mark.parametrize("app", apps())
def test_a_contract_names_only_modules_that_exist(app):
    assert protected(app) <= modules(app), f"soloops.{app}: stale {protected(app) - modules(app)}"


def test_every_app_sits_in_a_layer():
    # given the layers contract
    (layers,) = [c for c in CONTRACTS if c["type"] == "layers"]
    in_layers = {
        name.strip().split(".")[1]
        for layer in layers["layers"]
        for name in layer.replace("|", ":").split(":")
    }

    # then every app is in one (a new app must be given its place)
    assert set(apps()) - {"accounts"} <= in_layers
