"""``kyso verify-print``: does a printed result say what its archived original says?

Exit status: 0 the paper matches and the original's signatures are TOTAL_PASSED; 1 the paper
was changed or the original is TOTAL_FAILED; 2 otherwise (inconclusive, a print of another
registered document, INDETERMINATE);
4 a kyso error (no QR code, unknown code, unreadable scan ...).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from api.cli.exitcodes import ExitCode
from api.settings import Settings

if TYPE_CHECKING:
    from api.printcheck.schemas import PrintCheckPublic


def verify_print_command(
    scan: Path = typer.Argument(..., help="Scan or photo of the printed result (PDF, PNG, JPEG)."),
    code: str | None = typer.Option(
        None, "--code", help="Look-up code of the result, if its QR code cannot be read."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the JSON answer on stdout."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML answer here."),
    pictures: Path | None = typer.Option(
        None, "--pictures", help="Write each page with its changes drawn (JPEG) in this folder."
    ),
    lang: str = typer.Option("vi", "--lang", help="Language: vi or en."),
    offline: bool = typer.Option(False, "--offline", help="No OCSP/CRL fetching."),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Pages recognised at once."),
) -> None:
    """Kiểm tra bản in: compare a printed result with its archived, signed original."""
    from api.printcheck.html import render_print_html
    from api.printcheck.schemas import print_check_public
    from api.printcheck.service import check_print
    from api.wiring import build_services
    from archive.metadata import VersionRecord
    from verify.isolate import verify_isolated
    from verify.model import Indication, ValidationReport

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    if lang not in ("vi", "en"):
        raise typer.BadParameter("--lang must be vi or en")
    if not scan.is_file():
        raise typer.BadParameter(f"{scan}: no such file")
    services = build_services(Settings())

    def verify(pdf: bytes, _version: VersionRecord) -> ValidationReport:
        options = services.verify_options(online=not offline)
        services.engine.dispose()  # the verifier is forked: no shared database connections
        return verify_isolated(pdf, options)

    # the operator of this archive may check any document, public or not
    check = check_print(services, scan, verify, code=code, public_only=False, jobs=jobs)
    answer = print_check_public(check, pictures=html is not None)
    if json_out:
        typer.echo(answer.model_copy(update={"pages": [
            page.model_copy(update={"picture": None}) for page in answer.pages
        ]}).model_dump_json(indent=2))  # fmt: skip
    else:
        _echo_text(answer, lang)
    if html is not None:
        html.write_text(render_print_html(answer, lang), encoding="utf-8")
    if pictures is not None:
        pictures.mkdir(parents=True, exist_ok=True)
        for n, picture in enumerate(check.pictures, 1):
            (pictures / f"page-{n:02d}.jpg").write_bytes(picture)
    failed = check.report.indication is Indication.TOTAL_FAILED
    if answer.verdict == "changed" or failed:
        sys.exit(ExitCode.FAILED)
    if answer.verdict == "matches" and check.report.indication is Indication.TOTAL_PASSED:
        sys.exit(ExitCode.OK)
    sys.exit(ExitCode.INDETERMINATE)


def _echo_text(answer: PrintCheckPublic, lang: str) -> None:
    from api.printcheck.html import verdict_text
    from api.printcheck.texts import print_texts

    p = print_texts(lang)
    original = answer.original
    typer.echo(f"{p['print_of']}: {original.title} [{original.code}]")
    if original.number:
        typer.echo(f"{p['number']}: {original.number}")
    typer.echo(
        f"{p['original_signatures']}: {verdict_text(original.indication, lang)} "
        f"({original.indication})"
    )
    typer.echo(p["paper_" + answer.verdict])
    other = answer.other_result
    if other is not None:
        number = f" ({other.number})" if other.number else ""
        typer.echo(f"  {p['other_result']}: {other.title}{number} [{other.code}]")
        typer.echo(f"  {p['other_verdict']}: {p['short_' + other.verdict]}")
    for page in answer.pages:
        if not page.aligned:
            why = p["other_document"] if page.other_document else p["not_aligned"]
            typer.echo(f"  {p['page']} {page.page}: {why}")
        marked = [(c, "!") for c in page.changes] + [(d, "?") for d in page.doubts]
        for n, (item, sign) in enumerate(marked, 1):
            x0, y0, x1, y1 = (round(v) for v in item.region)
            typer.echo(
                f"  {sign}{n} {p['page']} {page.page} {p['kind_' + item.kind]} ({item.reason})"
                f": {item.original!r} -> {item.printed!r} at ({x0},{y0})-({x1},{y1})"
                + (f"; {p['line']}: {item.line}" if item.line else "")
            )
    if answer.missing_pages:
        typer.echo(f"{p['missing_pages']}: {', '.join(map(str, answer.missing_pages))}")
    if answer.qr_mismatch:
        typer.echo(f"{p['qr_mismatch']}: {answer.qr_url}")
