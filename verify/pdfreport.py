"""The PDF verification report: the HTML report printed by headless Chromium, then sealed.

Like DSS's signed reports, the PDF carries the verifying service's seal signature, so a
reader can check that the report itself came from kyso and was not edited. Sealing goes
through the ``ReportSealer`` protocol (``api/`` gives one built on ``signing/`` with the
service's seal certificate and its key store).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from common.subprocess_run import ProgramError, run
from verify.errors import ReportRenderError
from verify.model import ValidationReport
from verify.render import render_html

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class ReportSealer(Protocol):
    async def seal(self, pdf: bytes) -> bytes:
        """Return ``pdf`` with the service's seal signature added."""
        ...


def _browser() -> str:
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ReportRenderError("verify_report_no_browser", "Chromium is not installed")


def html_to_pdf(html: str, timeout: float = 60.0) -> bytes:
    with tempfile.TemporaryDirectory(prefix="kyso-report-") as folder:
        base = Path(folder)
        page, out = base / "report.html", base / "report.pdf"
        page.write_text(html, encoding="utf-8")
        args = [
            _browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
            f"--user-data-dir={base / 'profile'}", "--disable-dev-shm-usage",
            f"--print-to-pdf={out}", page.as_uri(),
        ]  # fmt: skip
        try:
            run(args, timeout=timeout, env={"HOME": str(base), "PATH": "/usr/bin:/bin"})
        except ProgramError as exc:
            raise ReportRenderError("verify_report_render_failed", exc.message) from exc
        if not out.exists() or out.stat().st_size == 0:
            raise ReportRenderError("verify_report_render_failed", "Chromium wrote no PDF")
        return out.read_bytes()


async def render_pdf(
    report: ValidationReport, lang: str = "vi", sealer: ReportSealer | None = None
) -> bytes:
    """The report as PDF; sealed when a sealer is given."""
    pdf = html_to_pdf(render_html(report, lang))
    if sealer is None:
        return pdf
    return await sealer.seal(pdf)
