"""The ``data_scripts/fetch.py`` command line: exit codes, --list, --verify and --book output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BLOB

from imgcls.data import cli

REPO = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_fetch_then_verify_succeeds(world, capsys):
    status, out, _ = run(capsys, "blob", "pics")
    assert status == 0
    assert "blob: ready (official" in out and "pics: ready" in out
    status, out, _ = run(capsys, "--verify", "blob", "pics")
    assert status == 0 and "blob: verified (official" in out


def test_a_failed_fetch_exits_non_zero_with_the_error_on_stderr(world, capsys):
    world.put_mirror("blob/a.bin", BLOB[:-1])
    status, out, err = run(capsys, "pics", "blob")
    assert status == 1
    assert "pics: ready" in out
    assert "error: blob" in err and "truncated" in err and "fix:" in err


def test_verify_fetches_nothing_and_fails_on_missing_files(world, capsys):
    status, _, err = run(capsys, "--verify", "blob")
    assert status == 1
    assert f"{world.data / 'blob/a.bin'}: missing" in err
    assert "fix: python -m imgcls.data blob" in err
    assert not world.data.exists()


def test_all_and_explicit_folders(world, capsys, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    monkeypatch.delenv("IMGCLS_DATA")
    other = world.root / "elsewhere"
    status, out, _ = run(capsys, "all", "--mirror", str(world.mirror), "--data-dir", str(other))
    assert status == 0
    assert out.count(": ready") == len(world.resources)
    assert (other / "blob/a.bin").read_bytes() == BLOB


def test_list_shows_every_resource_and_its_state(world, capsys):
    run(capsys, "blob")
    world.put_data("pics/x.png", b"not a png")
    status, out, _ = run(capsys, "--list")
    assert status == 0
    for name in world.resources:
        assert f"\n{name}\n" in f"\n{out}"
    assert "state: present, verified (official)" in out
    assert "state: NOT verified (1 problem(s), e.g." in out and "not a valid image" in out
    assert "state: not present" in out
    assert "mirror: holds lossy" in out  # 'two': only its lossy variant is in the mirror
    assert "variant lossy: lossy (mirror only)" in out


def test_usage_errors_exit_with_2(world, capsys):
    assert run(capsys, "no_such_thing")[0] == 2
    status, _, err = run(capsys)
    assert status == 2 and "name at least one resource" in err


def test_book_uses_stand_ins_only_when_allowed(world, capsys, monkeypatch):
    monkeypatch.setattr(cli, "BOOK", {"blob": None, "two": None,
                                      "digits": "a stand-in replaces the digits"})
    (world.mirror / "digits/idx").unlink()
    status, out, err = run(capsys, "--book")
    assert status == 1 and "blob: ready" in out and "error: digits" in err
    assert "IMGCLS_ALLOW_STANDINS=1" in err  # the offline fix is named
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    status, out, _ = run(capsys, "--book")
    assert status == 0 and "a stand-in replaces the digits" in out
    status, out, _ = run(capsys, "--book", "--verify")
    assert status == 0 and "blob: verified" in out
    assert run(capsys, "--verify") == (status, out, "")  # no names: what the book needs


def test_the_script_exits_non_zero_on_a_missing_resource(tmp_path):
    """The real script, real registry: an empty data folder does not verify (exit status 1)."""
    env = {**os.environ, "IMGCLS_DATA": str(tmp_path), "IMGCLS_MIRROR": ""}
    proc = subprocess.run([sys.executable, str(REPO / "data_scripts/fetch.py"), "--verify",
                           "photos"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "photos: NOT verified" in proc.stderr
    assert str(tmp_path / "photos" / "cheetah.jpg") + ": missing" in proc.stderr


def test_help_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    assert "--mirror" in capsys.readouterr().out


def test_book_prepares_derived_files_in_the_chosen_folder(world, capsys, monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "BOOK", {"blob": None})
    monkeypatch.setattr(cli, "PREPARE", {"blob": lambda: seen.append(os.environ["IMGCLS_DATA"])})
    other = world.root / "other"
    status, out, _ = run(capsys, "--book", "--data-dir", str(other))
    assert status == 0 and seen == [str(other)]
    assert os.environ["IMGCLS_DATA"] == str(world.data)  # restored afterwards


def test_fetching_a_resource_by_name_also_prepares_what_is_derived_from_it(world, capsys,
                                                                          monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "PREPARE", {"blob": lambda: seen.append(os.environ["IMGCLS_DATA"])})
    status, out, _ = run(capsys, "blob", "pics")
    assert status == 0 and seen == [str(world.data)]
