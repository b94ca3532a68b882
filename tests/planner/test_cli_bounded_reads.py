"""Every command-line input is read bounded and refused in one line (issue 20, item 7).

`manage.py plan /dev/zero` read without limit (killed at 23 GB); a non-UTF-8 system-load file to
`manage.py headroom` printed a traceback. Now each file argument is read up to a limit and every
problem is one line on stderr with exit status 2.
"""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import ROOT

NOT_UTF8 = b"time,load\n2020-01-01 00:00,1\n2020-01-01 01:00,\xff\xfe\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    def cap_memory() -> None:  # the unbounded read ran to 23 GB; 1 GiB of address space is plenty
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        preexec_fn=cap_memory,
    )


def _one_line_error(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and expected in done.stderr, done.stderr


def test_plan_refuses_dev_zero_after_reading_the_limit():
    _one_line_error(_run("plan", "/dev/zero", "--json"), "larger than the limit of 8,388,608 bytes")


def test_headroom_names_a_non_utf8_file_in_one_line(tmp_path):
    path = tmp_path / "load.csv"
    path.write_bytes(NOT_UTF8)
    _one_line_error(_run("headroom", str(path), "--json"), "not UTF-8 text (byte 46 is 0xff)")


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("plan", []),
        ("sweep", ["--vary", "site.cooling=immersion"]),
        ("compare_sites", []),
        ("headroom", []),
        ("estimate_model", []),
        ("estimate_accelerator", []),
    ],
)
@pytest.mark.parametrize("case", ["dev_zero", "not_utf8", "missing", "directory"])
def test_every_file_argument_is_bounded_and_named(tmp_path, command, args, case):
    (tmp_path / "zero.json").symlink_to("/dev/zero")  # a file name that reads without end
    (tmp_path / "bad.json").write_bytes(NOT_UTF8)
    (tmp_path / "folder.json").mkdir()
    name = {"dev_zero": "zero.json", "not_utf8": "bad.json", "missing": "missing.json", "directory": "folder.json"}
    path = str(tmp_path / name[case])
    if command.startswith("estimate"):
        which = command.split("_")[1]
        other = {"model": ["--accelerator", "h100-sxm"], "accelerator": ["--model", "meta-llama/Llama-3.1-8B-Instruct"]}
        call = ["estimate", f"--{which}", path, *other[which]]
    else:
        call = [command, path, *args]
    with pytest.raises(CommandError) as raised:
        call_command(*call)
    message = str(raised.value)
    assert raised.value.returncode == 2 and "\n" not in message.strip(), message
    expected = {
        "dev_zero": "larger than the limit",
        "not_utf8": "UTF-8",
        "missing": "no such file" if command == "headroom" else "not found",
        "directory": "is a directory",
    }[case]
    assert expected in message, message
