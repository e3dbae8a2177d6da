"""HTML → PDF with WeasyPrint, with every external resource refused.

The report's HTML carries no links to resources, and its stylesheet is read from this app's
static folder; fonts come from the system (fontconfig). Any URL in the document (an image,
a stylesheet, a font) is refused by the fetcher and left out, so making a report never
reaches the network or the disk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

# WeasyPrint logs each rendering step at INFO; a report is not worth seven log lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

STYLESHEET = Path(__file__).parent / "static" / "learners" / "report-print.css"


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class RefuseEverything(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"reports load no external resources: {url}")

    return RefuseEverything(allowed_protocols=())


def render_pdf(html: str, stylesheet: Path = STYLESHEET) -> bytes:
    """``stylesheet``: a print stylesheet of our own static files (the family report's by
    default); it is read from disk here, never fetched."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher()
    css = CSS(string=stylesheet.read_text(encoding="utf-8"), url_fetcher=fetcher)
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(stylesheets=[css])
    assert pdf is not None
    return bytes(pdf)
