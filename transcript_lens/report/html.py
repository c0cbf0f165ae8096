"""The HTML reflection report: one self-contained file (inline CSS and SVG, no script, no
network request), from a Jinja2 template with autoescaping, so transcript text is always text.

Every value a template prints passes ``plain_text`` (no control characters, no bidi overrides);
the templates put each transcript-derived string in its own ``<bdi>``, and ``isolate`` does that
for the names inside a sentence (the verdict, the notes), so right-to-left text stays in its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import charts
from .content import percent, plain_text


def template_environment(names: Iterable[str] = ()) -> Any:
    """The Jinja2 environment of the report and the dashboard; ``names`` are the ones ``isolate`` finds."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup, escape

    def finalize(value: Any) -> Any:
        return plain_text(value) if isinstance(value, str) and not isinstance(value, Markup) else value

    known = sorted({plain_text(name) for name in names if plain_text(name).strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in known)) if known else None

    def isolate(text: Any) -> Markup:
        """``text`` escaped, with every known name in it inside a ``<bdi>``."""
        text = plain_text(text)
        if pattern is None:
            return escape(text)
        parts, last = [], 0
        for match in pattern.finditer(text):
            parts += [escape(text[last:match.start()]), Markup("<bdi>%s</bdi>") % match.group()]
            last = match.end()
        return Markup("").join([*parts, escape(text[last:])])

    environment = Environment(loader=PackageLoader("transcript_lens.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True,
                              finalize=finalize)
    environment.filters["isolate"] = isolate
    return environment


def render_html(data: dict[str, Any]) -> str:
    names = [row["name"] for row in data["speaker_rows"]] + list(data["silent_attendees"])
    figures = {"airtime": charts.airtime_chart(data), "timeline": charts.timeline_chart(data),
               "windows": charts.windows_chart(data), "codes": charts.codes_chart(data),
               "transitions": charts.transition_chart(data)}
    return template_environment(names).get_template("report.html.j2").render(d=data, charts=figures, pct=percent)
