"""The published build's workflow: every step a make target, caches saved when a step fails,
CPU wheels, deploy from main only (a hosted runner cannot be started from here)."""

from __future__ import annotations

import re

import yaml

from imgcls.config import REPO_ROOT

WORKFLOW = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "book.yml").read_text())
BUILD = WORKFLOW["jobs"]["build"]
STEPS = BUILD["steps"]


def _targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text().replace("\\\n", " ")
    phony = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)
    assert phony, "the Makefile declares its targets .PHONY"
    return set(phony.group(1).split())


def test_every_command_is_a_make_target() -> None:
    commands = [step["run"].strip() for step in STEPS if "run" in step]
    assert commands, "the build runs make targets"
    targets = _targets()
    for command in commands:
        words = command.split()
        assert words[0] == "make" and len(words) == 2 and words[1] in targets, command


def test_torch_comes_from_the_cpu_index_at_the_pinned_versions() -> None:
    assert BUILD["env"]["TORCH_INDEX"] == "https://download.pytorch.org/whl/cpu"
    assert "$(TORCH_INDEX)" in (REPO_ROOT / "Makefile").read_text()
    python = next(s for s in STEPS if s.get("uses", "").startswith("actions/setup-python"))
    assert "constraints.txt" in python["with"]["cache-dependency-path"]


def test_caches_are_saved_right_after_their_step_even_when_it_fails() -> None:
    for step_id, paths in (("data", "data"), ("chapters", "_build/.jupyter_cache")):
        index = next(i for i, s in enumerate(STEPS) if s.get("id") == step_id)
        save = STEPS[index + 1]
        assert save["uses"].startswith("actions/cache/save"), save
        assert save["if"].startswith("always()") and paths in save["with"]["path"]
        restore = next(s for s in STEPS[:index] if s.get("uses", "").startswith(
            "actions/cache/restore") and paths in s["with"]["path"])
        assert restore["with"]["restore-keys"], "an older or partial cache is restored too"


def test_kaggle_secrets_are_optional_env_and_deploy_is_main_only() -> None:
    assert {"KAGGLE_USERNAME", "KAGGLE_KEY"} <= set(BUILD["env"])
    assert "IMGCLS_PROFILE" not in BUILD["env"], "profiles.yml chooses each chapter's profile"
    assert WORKFLOW["jobs"]["deploy"]["if"] == "github.ref == 'refs/heads/main'"
