"""`manage.py figures [--check | --write] [NAME …]`: the figures README and docs quote, recomputed."""

from __future__ import annotations

import difflib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planner import docs_figures


class Command(BaseCommand):
    help = "Recompute the figures quoted in README.md and docs/ (between <!-- figures:NAME --> markers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="blocks to compute (default: all)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--check", action="store_true", help="exit 1 when a quoted figure differs")
        mode.add_argument("--write", action="store_true", help="rewrite the blocks in place")

    def handle(self, *args: Any, **options: Any) -> None:
        known = {block.name: block for block in docs_figures.BLOCKS}
        unknown = sorted(set(options["names"]) - set(known))
        if unknown:
            raise CommandError(f"unknown block(s) {unknown}; known: {sorted(known)}", returncode=2)
        stale = []
        for block in (known[name] for name in options["names"] or known):
            if not docs_figures.available(block):
                self.stdout.write(f"{block.name}: skipped, needs {docs_figures.REFERENCE}")
                continue
            rendered = docs_figures.render_block(block)
            if options["write"]:
                changed = docs_figures.write(block, rendered)
                self.stdout.write(f"{block.name} ({block.path}): {'rewritten' if changed else 'unchanged'}")
            elif options["check"]:
                quoted = docs_figures.quoted(block)
                if quoted != rendered:
                    stale.append(block.name)
                    diff = difflib.unified_diff(
                        quoted.splitlines(), rendered.splitlines(), "quoted", "now", lineterm=""
                    )
                    self.stdout.write(f"{block.name} ({block.path}) is stale:\n" + "\n".join(diff))
            else:
                self.stdout.write(f"<!-- figures:{block.name} --> in {block.path}\n{rendered}\n")
        if stale:
            raise CommandError(f"stale figures in {stale}: run `manage.py figures --write`", returncode=1)
