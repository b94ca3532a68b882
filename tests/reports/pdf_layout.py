"""What WeasyPrint laid out beyond the right edge of a page's content area (issue 20, item 10).

A PDF viewer clips whatever is drawn past the page edge, so a table wider than the page loses its
right-hand columns without an error. `overflowing()` patches WeasyPrint's write_pdf while a report
is built, lays the same document out, and lists every table and every line of text whose right
edge passes the content area's right edge (0.5 px tolerance).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

TOLERANCE_PX = 0.5  # WeasyPrint lays out in CSS px (0.75 pt)


def _text(box) -> str:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return box.text
    return " ".join(_text(child) for child in getattr(box, "children", []))[:80]


def overflow_of(document) -> list[str]:
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        html = page_box.children[0]  # the root element's box (margin boxes follow it)
        right = page_box.content_box_x() + page_box.width
        for box in html.descendants():
            # What is drawn: tables (their borders), text and images; margins are not.
            if not isinstance(box, boxes.TableBox | boxes.TextBox | boxes.ReplacedBox):
                continue
            edge = box.border_box_x() + box.border_width()
            if edge > right + TOLERANCE_PX:
                where = f"x {box.position_x:.0f}, width {box.border_width():.0f}, edge {right:.0f} px; 1 px = 0.75 pt"
                past = f"{type(box).__name__} {edge - right:.1f} px past the edge"
                found.append(f"page {number}: {past} ({where}): {_text(box)!r}")
    return found


@contextmanager
def overflowing() -> Iterator[list[str]]:
    """Collect the overflow of every PDF WeasyPrint writes inside the block."""
    from weasyprint import HTML

    original = HTML.write_pdf
    found: list[str] = []

    def write_pdf(self, *args, **kwargs):
        document = self.render()
        found.extend(overflow_of(document))
        return document.write_pdf(*args, **kwargs)

    HTML.write_pdf = write_pdf
    try:
        yield found
    finally:
        HTML.write_pdf = original
