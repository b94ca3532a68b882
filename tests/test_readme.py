"""The README's commands work when pasted (issue 20, item 13): every `manage.py` line parses with its
command's own parser, and the self-contained headroom example finds headroom."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def _manage_lines() -> list[str]:
    lines = []
    for block in _shell_blocks():
        joined = re.sub(r"\\\n\s*", " ", block)
        lines += [line.strip() for line in joined.splitlines() if line.strip().startswith(".venv/bin/python manage.py")]
    return lines


MANAGE_LINES = _manage_lines()


def test_the_readme_has_command_lines_to_check():
    assert len(MANAGE_LINES) >= 6, MANAGE_LINES


@pytest.mark.parametrize("line", MANAGE_LINES)
def test_each_manage_py_line_parses_as_pasted(line):
    words = shlex.split(line, comments=True)
    command_words = words[words.index("manage.py") + 1 :]
    cut = command_words.index("&&") if "&&" in command_words else len(command_words)
    name, args = command_words[0], command_words[1:cut]
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    try:
        parser.parse_args(args)
    except SystemExit as error:  # argparse's way of refusing a line
        pytest.fail(f"README line does not parse ({error}): {line}")
    for word in args:
        if word.startswith("examples/"):
            assert (ROOT / word).is_file(), f"README names {word}, which is not in the repository"


def test_the_self_contained_headroom_example_finds_headroom(tmp_path):
    block = next(b for b in _shell_blocks() if "/tmp/system_load.csv" in b)
    script = block.replace("/tmp/system_load.csv", str(tmp_path / "system_load.csv"))
    done = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    headroom = {row["rate_pct"]: row for row in json.loads(done.stdout)["headroom"]}
    # A winter and a summer peak, as real systems have: every published rate has a headroom, and more
    # curtailment buys more room (Norris et al. 2025's method is monotone in the rate).
    assert all(row["headroom_mw"] for row in headroom.values()), headroom
    assert headroom[0.25]["headroom_mw"] < headroom[0.5]["headroom_mw"] < headroom[1.0]["headroom_mw"]
