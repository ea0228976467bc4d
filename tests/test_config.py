"""Run-time settings read from the environment: profile, folders, stand-ins, seeding."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from imgcls import config


@pytest.mark.parametrize("value, expected", [("quick", "quick"), (" FULL ", "full"),
                                             ("Quick\n", "quick")])
def test_profile_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("IMGCLS_PROFILE", value)
    assert config.profile() == expected


@pytest.mark.parametrize("cuda, expected", [(True, "full"), (False, "quick")])
def test_profile_default_follows_the_device(monkeypatch, cuda, expected):
    monkeypatch.delenv("IMGCLS_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert config.profile() == expected
    assert config.device().type == ("cuda" if cuda else "cpu")


def test_an_unknown_profile_is_an_error(monkeypatch):
    monkeypatch.setenv("IMGCLS_PROFILE", "fast")
    with pytest.raises(ValueError, match="not a profile"):
        config.profile()


def test_pick_uses_the_active_profile(monkeypatch):
    sizes = {"quick": {"n": 10}, "full": {"n": 1000}}
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    assert config.pick(sizes) == {"n": 10}
    monkeypatch.setenv("IMGCLS_PROFILE", "full")
    assert config.pick(sizes) == {"n": 1000}


def test_folders_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("IMGCLS_MIRROR", str(tmp_path / "m"))
    monkeypatch.setenv("IMGCLS_RESULTS_DIR", str(tmp_path / "r"))
    assert config.data_dir() == tmp_path / "d"
    assert config.mirror_dir() == tmp_path / "m"
    assert config.results_dir() == tmp_path / "r"


@pytest.mark.skipif(not config.in_checkout(), reason="the checkout's own folders; an installed "
                    "package uses the cache folder (tested below)")
def test_folder_defaults(monkeypatch):
    for name in ("IMGCLS_DATA", "IMGCLS_MIRROR", "IMGCLS_RESULTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    root = Path(config.__file__).resolve().parents[2]
    assert config.data_dir() == root / "data"
    assert config.mirror_dir() is None
    assert config.results_dir() == root / "_build" / "results"
    monkeypatch.setenv("IMGCLS_MIRROR", "  ")
    assert config.mirror_dir() is None


@pytest.mark.parametrize("value, allowed", [
    ("1", True), ("yes", True), ("True", True), ("ON", True), (" on ", True), ("YES", True),
    ("0", False), ("", False), ("no", False), ("False", False), ("OFF", False)])
def test_allow_standins(monkeypatch, value, allowed):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", value)
    assert config.allow_standins() is allowed


@pytest.mark.parametrize("value", ["2", "enabled", "y es", "tru"])
def test_a_yes_no_setting_with_another_value_is_an_error(monkeypatch, value):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", value)
    with pytest.raises(ValueError, match=f"IMGCLS_ALLOW_STANDINS={value!r} is not a yes/no"):
        config.allow_standins()


@pytest.mark.skipif(not config.in_checkout(), reason="the checkout's own folders; an installed "
                    "package uses the cache folder (tested below)")
def test_a_relative_data_folder_is_taken_from_the_repository_root(monkeypatch, tmp_path):
    root = Path(config.__file__).resolve().parents[2]
    monkeypatch.chdir(tmp_path)  # wherever a chapter runs
    monkeypatch.setenv("IMGCLS_DATA", "some/data")
    assert config.data_dir() == root / "some" / "data"
    monkeypatch.setenv("IMGCLS_DATA", "  ")
    assert config.data_dir() == root / "data"


def test_an_installed_package_keeps_its_folders_in_the_user_cache(monkeypatch, tmp_path):
    # installed from a wheel, config.py sits in site-packages: no checkout around it
    site = tmp_path / "lib" / "python3.11"
    monkeypatch.setattr(config, "REPO_ROOT", site)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("IMGCLS_DATA", "IMGCLS_RESULTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert not config.in_checkout()
    assert config.data_dir() == tmp_path / "cache" / "imgcls" / "data"
    assert config.results_dir() == tmp_path / "cache" / "imgcls" / "results"
    monkeypatch.setenv("IMGCLS_DATA", "mine")
    assert config.data_dir() == tmp_path / "cache" / "imgcls" / "mine"
    assert not site.exists()  # nothing is written next to the installed package


def test_seed_everything_makes_runs_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    config.seed_everything(3)
    first = draw()
    config.seed_everything(3)
    assert draw() == first


def test_describe_names_the_settings(monkeypatch):
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    monkeypatch.delenv("IMGCLS_MIRROR", raising=False)
    info = config.describe()
    assert info["profile"] == "quick"
    assert info["data"] == "the official sources, checksums verified"
    assert set(info) == {"profile", "device", "data", "offline stand-ins"}


def test_describe_names_no_path_of_the_machine(monkeypatch, tmp_path):
    """The note a page shows names the source of its data, never a folder of the build machine."""
    mirror = tmp_path / "a-mirror-folder"
    mirror.mkdir()
    monkeypatch.setenv("IMGCLS_MIRROR", str(mirror))
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path / "data-here"))
    text = " ".join(str(v) for v in config.describe().values())
    assert "offline copy" in text
    assert str(tmp_path) not in text and "/" not in text
