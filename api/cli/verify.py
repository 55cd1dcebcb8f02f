"""``kyso verify``: validate a signed PDF and print or write the report.

Exit status: 0 every signature TOTAL_PASSED, 1 any TOTAL_FAILED, 2 otherwise (INDETERMINATE),
3 the input is not a readable PDF (or exceeds the processing limits), 4 a kyso error (bad
option, missing file ...). Several files or a folder verify a batch (api/cli/verify_batch.py):
one line per document, a summary, and the worst document's status.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from asn1crypto import pem, x509

from api.settings import Settings
from api.wiring import Services

if TYPE_CHECKING:
    from verify.model import ValidationReport
    from verify.options import VerifyOptions

EXIT_PASSED, EXIT_FAILED, EXIT_INDETERMINATE, EXIT_UNREADABLE = 0, 1, 2, 3


class SigningSealer:
    """Seals PDF reports with the service's seal certificate (``signing/``)."""

    def __init__(self, services: Services, serial: str) -> None:
        self.services, self.serial = services, serial

    async def seal(self, pdf: bytes) -> bytes:
        from signing.options import SignOptions
        from signing.pades import PadesSigner, SigningContext
        from signing.pki_adapter import signing_key, trust_from_pki

        pki = self.services.pki
        context = SigningContext(trust=trust_from_pki(pki), clock=self.services.clock)
        signer = PadesSigner(self.services.keystore, signing_key(pki, self.serial), context)
        done = await signer.sign(
            pdf, SignOptions(reason="Báo cáo xác minh chữ ký số / verification report")
        )
        assert done.pdf is not None
        return done.pdf


def _load_certs(paths: list[Path]) -> list[x509.Certificate]:
    from verify.errors import VerificationInputError

    found: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
            if pem.detect(data):
                found += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, True)]
            else:
                found.append(x509.Certificate.load(data))
        except (OSError, ValueError) as exc:
            raise VerificationInputError("verify_trust_invalid", f"{path}: {exc}") from exc
    return found


def _parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    from verify.errors import VerificationInputError

    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise VerificationInputError("verify_time_invalid", f"not ISO 8601: {value}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _default_seal(services: Services) -> str | None:
    now = services.clock.now()
    for record in services.pki.certificates("seal"):
        if record.status == "good" and record.key_label and record.not_after > now:
            return record.serial
    return None


def _write_etsi(report: ValidationReport, path: Path) -> None:
    from verify.errors import VerificationInputError
    from verify.etsi import etsi_xml

    try:
        path.write_bytes(etsi_xml(report))
    except OSError as exc:
        raise VerificationInputError("verify_output_unwritable", f"{path}: {exc}") from exc


def verify_command(
    files: list[Path] = typer.Argument(
        ..., help="The signed PDF to verify; several PDFs or folders of PDFs verify a batch."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the JSON report on stdout."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the sealed PDF report here."),
    trust: list[Path] = typer.Option([], "--trust", help="Extra trusted root (PEM/DER)."),
    at: str | None = typer.Option(None, "--at", help="Validate as of this ISO 8601 time."),
    lang: str = typer.Option("vi", "--lang", help="Report language: vi or en."),
    offline: bool = typer.Option(False, "--offline", help="No OCSP/CRL fetching."),
    policy: Path | None = typer.Option(None, "--policy", help="Validation policy (YAML)."),
    seal: str | None = typer.Option(None, "--seal", help="Seal certificate serial (--pdf)."),
    etsi_out: Path | None = typer.Option(
        None, "--etsi-xml", help="Write the ETSI TS 119 102-2 validation report (XML) here."
    ),
) -> None:
    """Xác minh chữ ký số: verify the signatures of a PDF (ETSI EN 319 102-1 report)."""
    from api.cli.verify_setup import verification_setup
    from verify import STRICT, load_policy

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    if lang not in ("vi", "en"):
        raise typer.BadParameter("--lang must be vi or en")
    batch = len(files) != 1 or files[0].is_dir()
    if batch and (html or pdf or etsi_out):
        from verify.errors import VerificationInputError

        raise VerificationInputError(
            "verify_batch_option", "--html, --pdf and --etsi-xml take one document, not a batch"
        )
    extra = _load_certs(trust)
    services, base, with_pki = verification_setup(Settings(), offline=offline)
    options = dataclasses.replace(
        base,
        trust_roots=(*base.trust_roots, *extra),
        at=_parse_at(at),
        policy=load_policy(policy.read_text("utf-8")) if policy else STRICT,
    )
    if with_pki:
        # the child is forked: it must not share pooled database connections with this process
        services.engine.dispose()
    if batch:
        from api.cli.verify_batch import verify_batch

        sys.exit(verify_batch(files, options, services.settings, json_out=json_out, lang=lang))
    _verify_one(files[0], options, services, json_out, html, pdf, seal, etsi_out, lang)


def _verify_one(file: Path, options: VerifyOptions, services: Services, json_out: bool,
                html: Path | None, pdf: Path | None, seal: str | None, etsi_out: Path | None,
                lang: str) -> None:  # fmt: skip
    """One document, as ``kyso verify FILE`` always did: its report, and its exit status."""
    from verify.isolate import verify_isolated
    from verify.render import render_text
    from verify.serialize import report_json

    report = verify_isolated(file, options)
    if etsi_out is not None:
        _write_etsi(report, etsi_out)
    if json_out:
        typer.echo(report_json(report))
    else:
        typer.echo(render_text(report, lang), nl=False)
    if html is not None:
        from verify.render import render_html

        html.write_text(render_html(report, lang), encoding="utf-8")
    if pdf is not None:
        from verify.pdfreport import render_pdf

        serial = seal or _default_seal(services)
        sealer = SigningSealer(services, serial) if serial else None
        if sealer is None:
            typer.echo("cảnh báo / warning: no seal certificate, the PDF is not sealed", err=True)
        pdf.write_bytes(asyncio.run(render_pdf(report, lang, sealer)))
    sys.exit(exit_status(report))


def exit_status(report: ValidationReport) -> int:
    """0 passed, 1 failed, 2 indeterminate, 3 unreadable (not a PDF, or over the limits)."""
    from verify.model import Indication

    if not report.document.readable and report.indication is Indication.TOTAL_FAILED:
        return EXIT_UNREADABLE  # not a PDF, or one over the limits (resource_limit)
    if report.indication is Indication.TOTAL_PASSED:
        return EXIT_PASSED
    return EXIT_FAILED if report.indication is Indication.TOTAL_FAILED else EXIT_INDETERMINATE
