"""Figures quoted in README.md and docs/ are what the code computes today (issue 20, item 13).

When the engine, the grid data or a default moves, this test fails until `manage.py figures --write`
regenerates the quoted tables."""

from __future__ import annotations

import pytest

from planner import docs_figures


@pytest.mark.parametrize("block", docs_figures.BLOCKS, ids=lambda b: b.name)
def test_quoted_figures_match_what_the_code_computes(block, request):
    if block.needs_reference:
        request.getfixturevalue("reference_dir")  # skips without ../shared, fails in CI
    assert docs_figures.quoted(block) == docs_figures.render_block(block), (
        f"{block.path}: the '{block.name}' figures are stale; run `.venv/bin/python manage.py figures --write`"
    )


def test_a_stale_block_is_detected_and_rewritten(tmp_path, monkeypatch):
    (tmp_path / "doc.md").write_text("intro\n<!-- figures:x -->\nold 1.0\n<!-- /figures:x -->\nend\n")
    monkeypatch.setattr(docs_figures, "ROOT", tmp_path)
    block = docs_figures.Block("x", "doc.md", lambda: "new 2.0")
    assert docs_figures.quoted(block) != docs_figures.render_block(block)
    assert docs_figures.write(block, docs_figures.render_block(block))
    assert (tmp_path / "doc.md").read_text() == "intro\n<!-- figures:x -->\nnew 2.0\n<!-- /figures:x -->\nend\n"
    assert not docs_figures.write(block, "new 2.0")
