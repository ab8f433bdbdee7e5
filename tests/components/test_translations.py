"""Translations: every language has every key, with the same placeholders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import custom_components.school_portal as integration
from custom_components.school_portal.api import PORTALS, PortalInfo
from custom_components.school_portal.api.portal import LoginMethod, SecondFactor

ROOT = Path(integration.__file__).parent


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Dotted keys to strings."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def load(name: str) -> dict[str, str]:
    """One translation file, flattened."""
    return flatten(json.loads((ROOT / name).read_text(encoding="utf-8")))


def test_english_is_strings() -> None:
    """Custom integrations read translations/en.json: it must be complete."""
    assert load("translations/en.json") == load("strings.json")


@pytest.mark.parametrize("language", ["he", "fr", "de", "sv"])
def test_language_complete(language: str) -> None:
    """Same keys, same placeholders, no URL, nothing left in English."""
    english = load("translations/en.json")
    other = load(f"translations/{language}.json")
    assert other.keys() == english.keys()
    for key, text in other.items():
        assert re.findall(r"{\w+}", text) == re.findall(r"{\w+}", english[key]), key
        assert "://" not in text
    untranslated = [
        key
        for key, text in other.items()
        if text == english[key]
        and text not in {"Webtop", "Token", "Server", "Messages", "PIN"}
        and "Webtop (SmartSchool" not in text
    ]
    assert not untranslated


def test_icons_cover_entities() -> None:
    """Every translated entity has an icon."""
    names = {
        key.rsplit(".", 1)[0]
        for key in load("strings.json")
        if key.startswith("entity.") and key.endswith(".name")
    }
    icons = {
        key.rsplit(".", 1)[0] for key in load("icons.json") if key.endswith(".default")
    }
    assert names == icons


def test_manifest() -> None:
    """hassfest's order (domain, name, then alphabetical) and HACS's keys."""
    manifest = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("version", "documentation", "issue_tracker", "codeowners", "iot_class"):
        assert manifest[key]
    assert manifest["documentation"].startswith("https://")
    assert manifest["requirements"] == []


def test_every_form_error_is_raised_by_the_flow() -> None:
    """No text that is never shown (the old ``pin_required``).

    Errors are raised by the flow, or named by a portal's declaration (what
    a refused login of one method is called).
    """
    flow = (ROOT / "config_flow.py").read_text(encoding="utf-8")
    flow += "".join(
        f'"{method.refused}"' for info in PORTALS.values() for method in info.methods
    )
    errors = [
        key.rsplit(".", 1)[1]
        for key in load("strings.json")
        if key.startswith("config.error.")
    ]
    assert "pin_required" not in errors
    assert [key for key in errors if f'"{key}"' not in flow] == []


def test_login_errors_name_what_was_refused() -> None:
    """A refused password is not called "username, password or token"."""
    english = load("strings.json")
    assert "token" not in english["config.error.invalid_auth"].lower()
    assert "token" in english["config.error.invalid_token"].lower()
    assert "token" in english["config.error.captcha_required"].lower()
    assert "password" not in english["config.error.invalid_secret"].lower()


def test_options_state_the_limits_and_the_entry() -> None:
    """The options dialog names its entry and says the interval's range."""
    english = load("strings.json")
    assert "{name}" in english["options.step.init.title"]
    scan = english["options.step.init.data_description.scan_interval"]
    assert "{min_interval}" in scan
    assert "{max_interval}" in scan


# Every file the frontend may read a login's texts from.
LOGIN_TEXTS = ["strings.json"] + [
    f"translations/{language}.json" for language in ("en", "fr", "de", "he", "sv")
]
METHODS = [
    pytest.param(info, method, id=f"{info.key}_{method.key}")
    for info in PORTALS.values()
    for method in info.methods
]
FACTORS = [
    pytest.param(info, factor, id=f"{info.key}_{factor.answer_key}")
    for info in PORTALS.values()
    for factor in info.second_factors
]


def tree(name: str) -> dict[str, Any]:
    """One translation file, as nested keys."""
    loaded: dict[str, Any] = json.loads((ROOT / name).read_text(encoding="utf-8"))
    return loaded


def missing(texts: dict[str, Any], *paths: tuple[str, ...]) -> list[str]:
    """The dotted paths that lead to no text (or an empty one)."""
    absent = []
    for path in paths:
        node: Any = texts
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, str) or not node.strip():
            absent.append(".".join(path))
    return absent


@pytest.mark.parametrize("name", LOGIN_TEXTS)
@pytest.mark.parametrize(("info", "method"), METHODS)
def test_every_login_method_is_labelled(
    name: str, info: PortalInfo, method: LoginMethod
) -> None:
    """Title, description, and each field's label and help, in every language."""
    step = ("config", "step", f"{info.key}_{method.key}")
    paths = [
        ("config", "step", "user", "menu_options", info.key),
        (*step, "title"),
        (*step, "description"),
    ]
    for field in method.fields:
        paths += [(*step, "data", field.key), (*step, "data_description", field.key)]
    if len(info.methods) > 1:
        # Several ways in: the portal's own menu names each.
        paths.append(
            ("config", "step", info.key, "menu_options", f"{info.key}_{method.key}")
        )
    assert missing(tree(name), *paths) == []


@pytest.mark.parametrize("name", LOGIN_TEXTS)
@pytest.mark.parametrize(("info", "factor"), FACTORS)
def test_every_second_factor_is_labelled(
    name: str, info: PortalInfo, factor: SecondFactor
) -> None:
    """The challenge step labels every answer a portal may ask for."""
    paths = [("config", "step", "challenge", key) for key in ("title", "description")]
    paths += [
        ("config", "step", "challenge", part, factor.answer_key)
        for part in ("data", "data_description")
    ]
    assert missing(tree(name), *paths) == []
