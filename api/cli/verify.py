"""``kyso verify``: validate a signed PDF and print or write the report.

Exit status: 0 every signature TOTAL_PASSED, 1 any TOTAL_FAILED, 2 otherwise (INDETERMINATE),
3 the input is not a readable PDF (or exceeds the processing limits), 4 a kyso error (bad
option, missing file ...). Several files or a folder verify a batch (api/cli/verify_batch.py):
one line per document, a summary, and the worst document's status.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import pem, x509

from api.cli.exitcodes import exit_status
from api.settings_verify import verify_settings

if TYPE_CHECKING:
    from api.cli.verify_setup import VerifySetup
    from verify.model import ValidationReport
    from verify.options import VerifyOptions


class SigningSealer:
    """Seals PDF reports with the service's seal certificate (``signing/``)."""

    def __init__(self, services: VerifySetup, serial: str) -> None:
        self.services, self.serial = services, serial

    async def seal(self, pdf: bytes) -> bytes:
        from signing.options import SignOptions
        from signing.pades import PadesSigner, SigningContext
        from signing.pki_adapter import signing_key, trust_from_pki

        pki, store = self.services.pki, self.services.keystore
        assert pki is not None and store is not None  # a seal serial comes with kyso's PKI
        context = SigningContext(trust=trust_from_pki(pki), clock=self.services.clock)
        signer = PadesSigner(store, signing_key(pki, self.serial), context)
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


def _default_seal(services: VerifySetup) -> str | None:
    if services.pki is None:
        return None  # no kyso PKI here: no seal
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


def _collect_again() -> None:
    """The cyclic collector back on for the verification, if ``kyso``'s main turned it off for
    the start-up. What the start-up made stays (modules, classes, trust material) and is
    frozen first: no collection walks it again, and the verifier child, a fork, does not
    write to its pages (copy-on-write) to walk them."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyso verify",
        description="Xác minh chữ ký số: verify the signatures of a PDF (ETSI EN 319 102-1 "
        "report).",
    )
    add = parser.add_argument
    add(
        "files",
        nargs="+",
        type=Path,
        metavar="FILES",
        help="The signed PDF to verify; several PDFs or folders of PDFs verify a batch.",
    )
    add("--json", action="store_true", dest="json_out", help="Print the JSON report on stdout.")
    add("--html", type=Path, help="Write the HTML report here.")
    add("--pdf", type=Path, help="Write the sealed PDF report here.")
    add("--trust", type=Path, action="append", default=[], help="Extra trusted root (PEM/DER).")
    add("--at", help="Validate as of this ISO 8601 time.")
    add("--lang", default="vi", choices=("vi", "en"), help="Report language: vi or en.")
    add("--offline", action="store_true", help="No OCSP/CRL fetching.")
    add("--policy", type=Path, help="Validation policy (YAML).")
    add("--seal", help="Seal certificate serial (--pdf).")
    add(
        "--etsi-xml",
        type=Path,
        dest="etsi_out",
        help="Write the ETSI TS 119 102-2 validation report (XML) here.",
    )
    return parser  # fmt: skip


def run_verify(argv: list[str]) -> None:
    """``kyso verify ARGV``: prints the report(s) and exits with the verdict's status (usage
    errors: 2, with the usage, as argparse does)."""
    args = _parser().parse_intermixed_args(argv)
    from api.cli.verify_setup import verification_setup
    from verify import STRICT, load_policy

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    files: list[Path] = args.files
    batch = len(files) != 1 or files[0].is_dir()
    if batch and (args.html or args.pdf or args.etsi_out):
        from verify.errors import VerificationInputError

        raise VerificationInputError(
            "verify_batch_option", "--html, --pdf and --etsi-xml take one document, not a batch"
        )
    extra = _load_certs(args.trust)
    services, base, _with_pki = verification_setup(verify_settings(), offline=args.offline,
                                                   seal=args.pdf is not None)  # fmt: skip
    policy: Path | None = args.policy
    options = dataclasses.replace(
        base,
        trust_roots=(*base.trust_roots, *extra),
        at=_parse_at(args.at),
        policy=load_policy(policy.read_text("utf-8")) if policy else STRICT,
    )
    if services.engine is not None:
        # the child is forked: it must not share pooled database connections with this process
        services.engine.dispose()
    if batch:
        from api.cli.verify_batch import verify_batch

        _collect_again()
        sys.exit(verify_batch(files, options, services.settings, json_out=args.json_out,
                              lang=args.lang))  # fmt: skip
    _verify_one(files[0], options, services, args.json_out, args.html, args.pdf, args.seal,
                args.etsi_out, args.lang)  # fmt: skip


def _verify_one(file: Path, options: VerifyOptions, services: VerifySetup, json_out: bool,
                html: Path | None, pdf: Path | None, seal: str | None, etsi_out: Path | None,
                lang: str) -> None:  # fmt: skip
    """One document, as ``kyso verify FILE`` always did: its report, and its exit status."""
    from verify.isolate import verify_isolated
    from verify.render import render_text
    from verify.serialize import report_json

    _collect_again()
    report = verify_isolated(file, options)
    if etsi_out is not None:
        _write_etsi(report, etsi_out)
    if json_out:
        print(report_json(report))
    else:
        sys.stdout.write(render_text(report, lang))
    if html is not None:
        from verify.render import render_html

        html.write_text(render_html(report, lang), encoding="utf-8")
    if pdf is not None:
        from verify.pdfreport import render_pdf

        serial = seal or _default_seal(services)
        sealer = SigningSealer(services, serial) if serial else None
        if sealer is None:
            print("cảnh báo / warning: no seal certificate, the PDF is not sealed", file=sys.stderr)
        pdf.write_bytes(asyncio.run(render_pdf(report, lang, sealer)))
    sys.exit(exit_status(report))
