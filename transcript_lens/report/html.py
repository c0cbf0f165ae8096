"""The HTML reflection report: one self-contained file (inline CSS and SVG, no script, no
network request), from a Jinja2 template with autoescaping, so transcript text is always text."""

from __future__ import annotations

from typing import Any

from . import charts
from .content import percent


def render_html(data: dict[str, Any]) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("transcript_lens.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    figures = {"airtime": charts.airtime_chart(data), "timeline": charts.timeline_chart(data),
               "windows": charts.windows_chart(data), "codes": charts.codes_chart(data)}
    return environment.get_template("report.html.j2").render(d=data, charts=figures, pct=percent)
