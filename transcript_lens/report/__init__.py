"""Writers: one per output, chosen from ``WRITERS`` (the choices of `report --to` come from it)."""

from __future__ import annotations

WRITERS = {
    "html": "transcript_lens.report.html:render_html",
    "md": "transcript_lens.report.markdown:render_markdown",
}


def writer(name: str):
    """The render function for ``name`` (imported on use: matplotlib only for HTML)."""
    import importlib

    module, _, function = WRITERS[name].partition(":")
    return getattr(importlib.import_module(module), function)
