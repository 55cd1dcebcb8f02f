"""The printed-copy check as a standalone HTML page (``kyso verify-print --html``)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.printcheck.schemas import PrintCheckPublic
from api.printcheck.texts import print_texts
from api.web.i18n import texts

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"


def verdict_text(indication: str, lang: str) -> str:
    return texts(lang).get("verdict_" + indication, indication)


def render_print_html(check: PrintCheckPublic, lang: str = "vi") -> str:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    return environment.get_template("print_report.html").render(
        lang=lang,
        p=print_texts(lang),
        check=check,
        verdict_text=verdict_text(check.original.indication, lang),
    )
