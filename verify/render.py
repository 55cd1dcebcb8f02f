"""Human reports: plain text (CLI) and HTML (Jinja2), Vietnamese by default, English on request.

The verdict comes first, in words a non-expert reads; the evidence follows.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING

from common.clock import iso_vn
from verify.errors import VerificationInputError
from verify.i18n import CHANGES, LABELS, LANGS, VERDICT, VERDICT_EXPLAINED
from verify.model import Finding, Indication, Severity, ValidationReport

if TYPE_CHECKING:  # Jinja (0.1 s to import) for the HTML report only
    from jinja2 import Environment

_MODIFICATION = {
    "incremental_content_change", "active_content_added", "shadow_hide", "shadow_replace",
    "shadow_hide_and_replace", "overlay_over_signed_content", "visual_change",
    "docmdp_violation", "fieldmdp_violation",
}  # fmt: skip


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise VerificationInputError("verify_lang_invalid", "language must be vi or en")
    return lang


def _time(value: datetime | None) -> str:
    return iso_vn(value) if value is not None else "-"


def message(finding: Finding, lang: str) -> str:
    return finding.message_vi if lang == "vi" else finding.message_en


def changed_after_signing(report: ValidationReport) -> bool:
    return any(
        f.code in _MODIFICATION and f.severity is Severity.FAIL for f in report.all_findings()
    )


def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vntime"] = _time
    return env


def render_html(report: ValidationReport, lang: str = "vi", *, standalone: bool = True) -> str:
    """The HTML report; ``standalone=False`` gives a fragment to embed in a page (scoped CSS)."""
    lang = _lang(lang)
    template = resources.files("verify").joinpath("templates/report.html.j2").read_text("utf-8")
    return (
        _environment()
        .from_string(template)
        .render(
            r=report,
            standalone=standalone,
            lang=lang,
            t=LABELS[lang],
            verdict=VERDICT[lang],
            explained=VERDICT_EXPLAINED[lang],
            changes=CHANGES[lang],
            changed=changed_after_signing(report),
            message=lambda f: message(f, lang),
            passed=Indication.TOTAL_PASSED,
        )
    )


def render_text(report: ValidationReport, lang: str = "vi") -> str:
    lang = _lang(lang)
    t = LABELS[lang]
    lines = [
        f"{t['verdict']}: {VERDICT[lang][report.indication]} ({report.indication.value}"
        + (f" / {report.sub_indication.value}" if report.sub_indication else "")
        + ")",
        VERDICT_EXPLAINED[lang][report.indication],
    ]
    if changed_after_signing(report):
        lines.append(t["changed_after"])
    for finding in report.findings:
        lines.append(f"  [{finding.severity.value}] {finding.code}: {message(finding, lang)}")
    for number, sig in enumerate(report.signatures, start=1):
        who = sig.signer.name if sig.signer else "?"
        if sig.signer and sig.signer.organisation:
            who += f" ({sig.signer.organisation})"
        code = sig.indication.value + (f"/{sig.sub_indication.value}" if sig.sub_indication else "")
        verdict = VERDICT[lang][sig.indication]
        lines.append(f"{t['signature']} {number} [{sig.field_name}]: {verdict} ({code})")
        lines.append(f"  {t['signer']}: {who}")
        time = sig.timestamped_signing_time or sig.claimed_signing_time
        lines.append(f"  {t['ts_time'] if sig.timestamped_signing_time else t['claimed_time']}: "
                     f"{_time(time)}")  # fmt: skip
        lines.append(f"  {t['level']}: {sig.pades_level or '-'}; {t['changes']}: "
                     f"{CHANGES[lang][sig.changes.kind]}")  # fmt: skip
        for finding in sig.findings:
            lines.append(f"  [{finding.severity.value}] {finding.code}: {message(finding, lang)}")
    return "\n".join(lines) + "\n"
