"""Issue 23's faults, each made for real on files the test creates, taking the reader's path: the
command line that exists wherever the package is installed, fixes that fit where the reader is
(a shell or a notebook kernel), bad settings refused before any work, Ctrl-C, no home folder,
odd entries in the data folders, live writers, the mirror reached through links, read-only
leftovers, and progress bars named after the dataset."""

from __future__ import annotations

import csv
import dataclasses
import os
import re
import signal
import subprocess
import sys
import time
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import BLOB, png_bytes, sha256
from loopback_server import Site, rewrite_to, serving
from test_data_faults import FULL, _load, cifar  # noqa: F401 (cifar is a fixture)

from imgcls import config
from imgcls.data import DataError, cli, derived, disk, fetch, images, progress, verify
from imgcls.data import registry as reg
from imgcls.data import sign_mnist as sm
from imgcls.data import sign_mnist_source as sm_source
from imgcls.data.registry import FileSpec, Resource, Variant

REPO = Path(__file__).resolve().parents[1]
MESSAGE = "interrupted; nothing half-written is kept, run it again"


def run_cli(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def shell(*args, env=None, timeout=120, **kwargs):
    """The data command line as a reader runs it: ``python -m imgcls.data ARGS``."""
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, **kwargs)


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGCLS_")}
    env.update(IMGCLS_DATA=str(tmp_path / "data"), IMGCLS_MIRROR="",
               TORCH_HOME=str(tmp_path / "torch"), **extra)
    return env


@pytest.fixture
def kernel(monkeypatch):
    """A Jupyter kernel as the data layer sees one: IPython's shell has a kernel."""
    shell_ = types.SimpleNamespace(kernel=object())
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell_
    monkeypatch.setitem(sys.modules, "IPython", ipython)


@pytest.fixture
def colab(kernel, monkeypatch):
    """Colab's kernel: ``google.colab`` is imported."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


# --- the command line exists wherever the package is installed ---

@pytest.mark.parametrize("module", ["imgcls.data", "imgcls.data.cli"])
def test_the_module_command_lists_a_named_resource(tmp_path, module):
    proc = shell(module, "--list", "photos", env=clean_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "\nphotos\n" in proc.stdout and "state: not present" in proc.stdout
    assert "\nmnist\n" not in proc.stdout


def test_an_unknown_name_in_list_is_refused_with_the_known_ones(tmp_path):
    proc = shell("imgcls.data", "--list", "bogus", env=clean_env(tmp_path))
    assert proc.returncode == 2
    assert "unknown resource(s) bogus; known: mnist," in proc.stderr


def test_the_console_script_is_declared_and_runs_the_command_line(capsys, monkeypatch):
    tomllib = pytest.importorskip("tomllib")
    with open(REPO / "pyproject.toml", "rb") as f:
        target = tomllib.load(f)["project"]["scripts"]["imgcls-data"]
    module, func = target.split(":")
    entry = getattr(__import__(module, fromlist=[func]), func)
    monkeypatch.setattr(sys, "argv", ["imgcls-data", "--list", "bogus"])
    with pytest.raises(SystemExit) as exit_:
        entry()
    assert exit_.value.code == 2 and "known: " in capsys.readouterr().err


def test_the_checkout_wrapper_names_the_module_command(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "data_scripts/fetch.py"), "--verify",
                           "photos"], capture_output=True, text=True, env=clean_env(tmp_path),
                          timeout=120)
    assert proc.returncode == 1
    assert "fix: python -m imgcls.data photos" in proc.stderr
    assert "data_scripts" not in proc.stderr


# --- fixes that fit where the reader is ---

def test_on_a_command_line_the_fix_is_the_module_command(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    with pytest.raises(DataError) as err:
        fetch("blob")
    assert err.value.fix == ("online: python -m imgcls.data blob; offline: python -m "
                             "imgcls.data blob --mirror DIR (or set IMGCLS_MIRROR=DIR)")


def test_in_a_notebook_the_fix_is_to_run_the_cell_again(world, kernel, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    with pytest.raises(DataError) as err:
        fetch("blob")
    fix = err.value.fix
    assert fix.startswith("check the runtime's internet connection and run this cell again")
    assert "%env IMGCLS_MIRROR=DIR" in fix  # a local Jupyter may have a mirror
    assert "python -m" not in str(err.value) and "data_scripts" not in str(err.value)


def test_on_colab_no_message_mentions_a_mirror_or_a_script(world, colab, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    with pytest.raises(DataError) as err:
        fetch("blob")
    assert err.value.fix == "check the runtime's internet connection and run this cell again"
    assert "data_scripts" not in str(err.value) and "python -m" not in str(err.value)


def test_in_a_notebook_a_damaged_unpacking_names_the_python_call(cifar, kernel):  # noqa: F811
    from imgcls.data.errors import repair_fix

    assert repair_fix("cifar10").startswith(
        'from imgcls.data import prepare; prepare("cifar10")')


def test_the_command_line_run_inside_a_kernel_names_commands(world, kernel, capsys,
                                                             monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    status, _, err = run_cli(capsys, "blob")
    assert status == 1 and "fix: online: python -m imgcls.data blob" in err


# --- settings: checked once, before any work ---

@pytest.mark.parametrize("name, value, accepted", [
    ("IMGCLS_ALLOW_STANDINS", "2", "1/0, true/false, yes/no, on/off"),
    ("IMGCLS_ALLOW_STANDINS", "y", "1/0, true/false, yes/no, on/off"),
    ("IMGCLS_PROGRESS", "maybe", "1/0, true/false, yes/no, on/off"),
    ("IMGCLS_PROFILE", "fast", "quick"),
    ("IMGCLS_DOWNLOAD_TIMEOUT", "nan", "a number like the default"),
    ("IMGCLS_DOWNLOAD_TIMEOUT", "inf", "a number like the default"),
    ("IMGCLS_DOWNLOAD_BACKOFF", "-inf", "a number like the default"),
    ("IMGCLS_URL_REWRITE", "nonsense", "PREFIX=REPLACEMENT"),
])
def test_a_bad_setting_stops_the_book_before_any_work_in_one_line(tmp_path, name, value,
                                                                  accepted):
    proc = shell("imgcls.data", "--book", env=clean_env(tmp_path, **{name: value}))
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{name}={value!r}" in lines[0] or f"{name}:" in lines[0]
    assert accepted in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "data").exists()  # nothing was fetched


def test_a_bad_timeout_never_reaches_a_download_as_a_bug(world, monkeypatch):
    monkeypatch.setenv("IMGCLS_DOWNLOAD_TIMEOUT", "nan")
    with pytest.raises(DataError, match="IMGCLS_DOWNLOAD_TIMEOUT='nan' is not a valid"):
        fetch("blob")


def test_a_misspelt_setting_gets_a_note(world, capsys, monkeypatch):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDIN", "1")
    config.check_settings()
    assert "IMGCLS_ALLOW_STANDIN is not a setting of imgcls; did you mean " \
           "IMGCLS_ALLOW_STANDINS?" in capsys.readouterr().err


def test_a_data_setting_that_names_a_file_says_so(world, capsys, monkeypatch):
    a_file = world.root / "notes.txt"
    a_file.write_text("mine")
    monkeypatch.setenv("IMGCLS_DATA", str(a_file))
    status, _, err = run_cli(capsys, "blob")
    assert status == 2 and f"IMGCLS_DATA='{a_file}' names a file, not a folder" in err
    with pytest.raises(DataError, match="names a file, not a folder"):
        fetch("blob")
    monkeypatch.delenv("IMGCLS_DATA")
    status, _, err = run_cli(capsys, "blob", "--data-dir", str(a_file))
    assert status == 2 and f"the data folder {a_file} is a file, not a folder" in err
    assert a_file.read_text() == "mine"


# --- Ctrl-C: one line, exit 130, nothing half-written kept ---

def test_ctrl_c_during_a_download_prints_one_line_and_exits_130(tmp_path):
    body = tmp_path / "served.jpg"
    body.write_bytes(os.urandom(1 << 20))
    urls = [u for s in reg.get("photos").variants[0].files for u in s.urls]
    site = Site({"/" + u.split("://", 1)[1]: body for u in urls},
                faults={"/" + u.split("://", 1)[1]: ["pause"] for u in urls}, stall_s=60)
    with serving(site) as base:
        env = clean_env(tmp_path, IMGCLS_URL_REWRITE=rewrite_to(base),
                        IMGCLS_DOWNLOAD_TIMEOUT="100")
        proc = subprocess.Popen([sys.executable, "-m", "imgcls.data", "photos"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        folder = tmp_path / "data/photos"
        # generous: on two busy cores, starting Python and importing torch took over a minute
        deadline = time.monotonic() + 240
        while not any(p.stat().st_size for p in folder.rglob(".*.part")
                      if p.is_file()) and time.monotonic() < deadline:
            assert proc.poll() is None, f"the command ended first: {proc.communicate()}"
            time.sleep(0.05)
        assert time.monotonic() < deadline, "the download never started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines() == [f"python -m imgcls.data: {MESSAGE}"]
    assert disk.leftovers([folder, folder / "campus", tmp_path / "data"]) == []
    assert not any(p.is_file() for p in folder.rglob("*"))


def _interrupt_after(n):
    calls = []

    def hook(*args, **kwargs):
        calls.append(1)
        if len(calls) >= n:
            raise KeyboardInterrupt

    return hook


@pytest.mark.parametrize("stage", ["unpack", "decode", "cache"])
def test_ctrl_c_while_preparing_cifar10_keeps_nothing_half_written(cifar, capsys, monkeypatch,  # noqa: F811
                                                                   stage):
    from imgcls.data import cifar10

    patches = pytest.MonkeyPatch()  # undone before the second run; the world's stay
    if stage == "unpack":
        real = zipfile.ZipFile._extract_member
        hook = _interrupt_after(5)

        def extract(self, *args, **kwargs):
            hook()
            return real(self, *args, **kwargs)

        patches.setattr(zipfile.ZipFile, "_extract_member", extract)
    elif stage == "decode":
        real_decode, hook = cifar10._decode, _interrupt_after(7)
        patches.setattr(cifar10, "_decode", lambda p: (hook(), real_decode(p))[1])
    else:
        def half_then_interrupted(f, **arrays):
            f.write(b"x" * 1000)
            raise KeyboardInterrupt

        patches.setattr(derived.np, "savez", half_then_interrupted)
    status, _, err = run_cli(capsys, "cifar10")
    assert status == 130 and err.strip().splitlines()[-1] == f"python -m imgcls.data: {MESSAGE}"
    assert "Traceback" not in err
    assert disk.leftovers([cifar.data]) == []
    assert not (cifar.data / "cifar10_jpeg_arrays.npz").exists()
    if stage == "unpack":
        assert not (cifar.data / "cifar10_jpeg").exists()
    patches.undo()
    assert _load() == FULL  # and running it again works


# --- no home folder: an absolute IMGCLS_DATA is enough ---

def _as_user_without_home(tmp_path, body) -> tuple[int, str]:
    """Run ``body()`` in a forked child as a uid without a passwd entry, with HOME and
    XDG_CACHE_HOME unset and the package taken for a wheel install; its status and output."""
    if os.getuid() != 0:
        pytest.skip("needs root to switch to a uid without a passwd entry")
    uid = 54321
    import pwd

    try:
        pwd.getpwuid(uid)
        pytest.skip(f"uid {uid} has a passwd entry here")
    except KeyError:
        pass
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.lchown(path, uid, uid)
    # pytest's own temporary folders are root's alone: let the uid pass through (not list them)
    modes = {p: p.stat().st_mode for p in tmp_path.parents if p.stat().st_uid == 0}
    for path, mode in modes.items():
        path.chmod(mode | 0o001)
    try:
        return _forked(uid, tmp_path, body)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _forked(uid, tmp_path, body) -> tuple[int, str]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read)
            torch.set_num_threads(1)  # the parent's OpenMP threads do not survive fork
            os.setgid(uid)
            os.setuid(uid)
            for name in ("HOME", "XDG_CACHE_HOME"):
                os.environ.pop(name, None)
            config.REPO_ROOT = tmp_path / "site-packages"  # no checkout around the package
            out = body()
            os.write(write, out.encode())
            status = 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(write, f"{exc.__class__.__name__}: {exc}".encode())
        finally:
            os._exit(status)
    os.close(write)
    deadline = time.monotonic() + 120
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            raise AssertionError("the child running as another uid did not finish in 120 s")
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    with os.fdopen(read) as f:
        out = f.read()
    return os.waitstatus_to_exitcode(status), out


def test_without_a_home_an_absolute_data_folder_is_enough(world, tmp_path):
    def body():
        with pytest.raises(RuntimeError):
            Path("~").expanduser()  # the fault is real: no home for this user
        got = fetch("blob")
        assert got.paths[0].read_bytes() == BLOB
        return str(config.results_dir())

    status, out = _as_user_without_home(tmp_path, body)
    assert status == 0, out
    assert out == os.environ["IMGCLS_RESULTS_DIR"]


def test_without_a_home_and_no_data_setting_the_error_names_the_settings(world, tmp_path,
                                                                        monkeypatch):
    monkeypatch.delenv("IMGCLS_DATA")
    monkeypatch.delenv("IMGCLS_RESULTS_DIR")

    def body():
        for call in (config.data_dir, config.results_dir):
            try:
                call()
            except config.SettingError as exc:
                assert "IMGCLS_DATA and IMGCLS_RESULTS_DIR" in str(exc)
            else:
                raise AssertionError(f"{call.__name__} found a home")
        return "ok"

    assert _as_user_without_home(tmp_path, body) == (0, "ok")


# --- odd entries in the data folders ---

def _animal_faces(world):
    specs = []
    for split in ("train", "valid"):
        for i, name in enumerate(images.ANIMAL_CLASSES):
            rel = f"animal_faces/{split}/{name}/{i}.png"
            world.put_mirror(rel, png_bytes(i))
            specs.append(FileSpec(rel, mirror=rel, sha256=sha256(png_bytes(i)), image=True))
    world.resources["animal_faces"] = Resource("animal_faces", "", "", (
        Variant("official", tuple(specs), "exact"),), label="animal faces")
    assert len(images.animal_faces("train")) == 3


def test_a_symlink_loop_among_the_classes_is_found_named_and_set_aside(world, capsys):
    _animal_faces(world)
    loop = world.data / "animal_faces/train/loop"
    loop.symlink_to(loop)
    variant, problems = verify("animal_faces")
    assert variant is None and len(problems) == 1
    assert problems[0].startswith(f"{loop}: a symbolic link loop, not part of animal_faces")
    status, _, err = run_cli(capsys, "--verify", "animal_faces")
    assert status == 1 and "symbolic link loop" in err
    with pytest.raises(DataError) as err:
        images.animal_faces("train")
    assert str(loop) in str(err.value) and "symbolic link loop" in str(err.value)
    assert "python -m imgcls.data animal_faces" in err.value.fix
    status, out, err = run_cli(capsys, "animal_faces")
    aside = world.data / "set-aside/animal_faces/train/loop"
    assert status == 0 and f"moved {loop} (a symbolic link loop" in err and str(aside) in err
    assert aside.is_symlink() and not os.path.lexists(loop)
    assert len(images.animal_faces("train")) == 3
    assert run_cli(capsys, "--verify", "animal_faces")[0] == 0


def test_an_extra_class_folder_is_named_and_set_aside_with_its_files(world, capsys):
    _animal_faces(world)
    bird = world.put_data("animal_faces/train/bird/b.png", png_bytes(7)).parent
    variant, problems = verify("animal_faces")
    assert variant is None and problems[0].startswith(f"{bird}: unexpected folder")
    with pytest.raises(DataError) as err:
        images.animal_faces("train")
    assert str(bird) in str(err.value) and "move it out of" in err.value.fix
    status, out, err = run_cli(capsys, "animal_faces")
    aside = world.data / "set-aside/animal_faces/train/bird"
    assert status == 0 and "animal_faces: ready" in out and f"moved {bird}" in err
    assert (aside / "b.png").read_bytes() == png_bytes(7)  # nothing of the reader's is lost
    assert len(images.animal_faces("train")) == 3


def test_in_a_notebook_the_loader_names_the_python_repair(world, kernel):
    _animal_faces(world)
    (world.data / "animal_faces/valid/extra").mkdir()
    with pytest.raises(DataError) as err:
        images.animal_faces("valid")
    assert 'prepare("animal_faces")' in err.value.fix and "python -m" not in err.value.fix


def test_a_data_subfolder_linked_elsewhere_is_unpacked_again_through_the_link(cifar, capsys):  # noqa: F811
    assert _load() == FULL
    folder, elsewhere = cifar.data / "cifar10_jpeg", cifar.root / "big-disk"
    elsewhere.mkdir()
    folder.rename(elsewhere / "cifar10_jpeg")
    folder.symlink_to(elsewhere / "cifar10_jpeg", target_is_directory=True)
    (folder / "train/cat/0001.jpg").unlink()
    assert _load() == FULL
    assert "unpacking cifar10_jpeg.zip again" in capsys.readouterr().err
    assert folder.is_symlink() and (elsewhere / "cifar10_jpeg/train/cat/0001.jpg").is_file()
    assert disk.leftovers([cifar.data, elsewhere]) == []


# --- a live writer is not an interrupted run ---

def test_verify_tells_a_running_fetch_from_an_interrupted_one(world, capsys):
    fetch("blob")
    part = world.put_data("blob/.a.bin.k2j3h4l5.part", b"being written")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; "
         "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); "
         "time.sleep(120)", str(world.data / disk.LOCK)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        status, out, _ = run_cli(capsys, "--verify", "blob")
        assert status == 0 and f"{part} (13 bytes) belongs to a fetch that is running now" in out
        assert "interrupted" not in out
    finally:
        holder.kill()
        holder.wait()
    status, out, _ = run_cli(capsys, "--verify", "blob")
    assert f"{part} (13 bytes) was left by an interrupted run" in out


# --- the mirror, reached through links at any step, is never written ---

def test_a_link_into_the_mirror_that_links_out_again_is_refused(world):
    writable = world.root / "writable/blob"
    writable.mkdir(parents=True)
    (writable / "a.bin").write_bytes(b"damaged")  # the mirror's copy, seen through its link
    (writable / ".a.bin.k2j3h4l5.part").write_bytes(b"left over")
    for p in (world.mirror / "blob").iterdir():
        p.unlink()
    (world.mirror / "blob").rmdir()
    (world.mirror / "blob").symlink_to(writable, target_is_directory=True)
    world.data.mkdir()
    (world.data / "blob").symlink_to(world.mirror / "blob", target_is_directory=True)
    before = {p.name: p.read_bytes() for p in writable.iterdir()}
    with pytest.raises(DataError, match="inside the mirror"):
        fetch("blob")
    assert {p.name: p.read_bytes() for p in writable.iterdir()} == before


# --- read-only leftovers ---

def test_a_read_only_unpacking_made_writable_only_at_the_top_is_replaced_and_removed(
        cifar, tmp_path, capsys):  # noqa: F811
    assert _load() == FULL
    folder = cifar.data / "cifar10_jpeg"
    (folder / "train/dog/0000.jpg").unlink()
    stale = cifar.data / ".cifar10_jpeg.abcd1234.part"
    (stale / "train/cat").mkdir(parents=True)
    (stale / "train/cat/x.jpg").write_bytes(b"x" * 10)
    for top in (folder, stale):  # read-only throughout, then chmod u+w on the top alone
        for path in sorted(top.rglob("*"), reverse=True):
            path.chmod(path.stat().st_mode & ~0o222)
        top.chmod(top.stat().st_mode | 0o200)

    def body():
        assert _load() == FULL
        return "ok"

    if os.getuid() == 0:  # root writes anywhere: switch to a plain uid for the real fault
        status, out = _as_user_without_home(tmp_path, body)
        assert (status, out) == (0, "ok"), out
    else:
        body()
    assert disk.leftovers([cifar.data]) == []
    assert (folder / "train/dog/0000.jpg").is_file()


# --- the Sign Language MNIST CSV with a short row ---

def _csv(path: Path, n_per_label: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(sm.COLUMNS)
        for label in sorted(sm_source.LABELS):
            for _ in range(n_per_label):
                out.writerow([label, *rng.integers(0, 256, 784)])


@pytest.fixture
def sign_csvs(world, monkeypatch):
    """Official-format CSVs in the data folder (small), the resource without its Kaggle client."""
    monkeypatch.setitem(sm_source.ROWS, "train", 48)
    monkeypatch.setitem(sm_source.ROWS, "test", 24)
    variants = sm_source.variants()
    files = tuple(FileSpec(s.path, mirror=s.mirror, content_check=s.content_check)
                  for s in variants[0].files)
    world.resources["sign_mnist"] = Resource("sign_mnist", "", "", (
        Variant("official", files, "exact"),), label="Sign Language MNIST")
    folder = world.data / "sign_mnist"
    folder.mkdir(parents=True)
    _csv(folder / "sign_mnist_train.csv", 2, 1)
    _csv(folder / "sign_mnist_test.csv", 1, 2)
    got = sm.load_sign_mnist_splits()
    assert len(got.train) + len(got.valid) == 48 and len(got.test) == 24
    return folder


def test_a_short_row_is_named_by_verify_fetch_and_the_loader(sign_csvs, capsys):
    train = sign_csvs / "sign_mnist_train.csv"
    lines = train.read_text().splitlines(keepends=True)
    lines[5] = ",".join(lines[5].split(",")[:775]) + "\n"  # a row cut short at 775 values
    train.write_text("".join(lines))
    status, _, err = run_cli(capsys, "--verify", "sign_mnist")
    assert status == 1 and f"{train}: wrong content: line 6: 775 values, expected 785" in err
    status, _, err = run_cli(capsys, "sign_mnist")
    assert status == 1 and str(train) in err and "line 6: 775 values" in err
    with pytest.raises(DataError) as exc:
        sm.load_sign_mnist_splits()
    assert str(train) in str(exc.value) and "line 6" in str(exc.value)


def test_the_loader_names_the_file_and_line_pandas_cannot_read(sign_csvs, monkeypatch):
    train = sign_csvs / "sign_mnist_train.csv"
    lines = train.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ",,", 1)[:-1].rsplit(",", 1)[0] + "\n"  # an empty value
    train.write_text("".join(lines))
    monkeypatch.setattr(sm, "fetch", _as_if_verified)  # the loader's own check must name it
    with pytest.raises(DataError) as exc:
        sm.load_sign_mnist_splits()
    message = str(exc.value)
    assert str(train) in message and "line 4: an empty value" in message
    assert "delete" in exc.value.fix and "python -m imgcls.data sign_mnist" in exc.value.fix


def _as_if_verified(name):
    from imgcls.data.fetch import Fetched

    resource = reg.get(name)
    variant = resource.variants[0]
    return Fetched(resource, variant, tuple(config.data_dir() / s.path for s in variant.files))


# --- progress bars, named after the dataset ---

def test_decoding_cifar10_shows_bars_named_after_the_dataset(cifar, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("IMGCLS_PROGRESS", "1")
    monkeypatch.setattr(progress, "DELAY_S", 0)
    cifar.resources["cifar10"] = dataclasses.replace(cifar.resources["cifar10"],
                                                     label="CIFAR-10")
    assert _load() == FULL
    err = capsys.readouterr().err
    assert "CIFAR-10: unpacking cifar10_jpeg.zip" in err and "CIFAR-10: decoding JPEGs" in err
    assert not re.search(r"(^|\r)(jpeg|official):", err)  # not the variant's name


def test_no_bars_where_nobody_watches(cifar, capsys, monkeypatch):  # noqa: F811
    monkeypatch.delenv("IMGCLS_PROGRESS", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setattr(progress, "DELAY_S", 0)
    assert _load() == FULL
    assert "CIFAR-10:" not in capsys.readouterr().err


def test_download_bars_carry_the_dataset_name(world, monkeypatch, capsys):
    monkeypatch.delenv("IMGCLS_MIRROR")
    world.resources["blob"] = Resource("blob", "", "", world.resources["blob"].variants,
                                       label="The Blob")
    world.served["http://files.example/a.bin"] = BLOB
    monkeypatch.setenv("IMGCLS_PROGRESS", "1")
    fetch("blob")
    assert "The Blob: a.bin" in capsys.readouterr().err
