"""``kyso sign``: sign a PDF (PAdES B-B..B-LTA) or extend a signed one to B-LTA in place."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer

from api.files import write_private
from api.settings import Settings
from signing.errors import SigningInputError
from signing.options import Level, Placement, ReservedField, SignedDocument, SignOptions, StampKind

#: the stamp a certificate profile gets when --stamp is not given
DEFAULT_STAMP = {
    "citizen": StampKind.CITIZEN,
    "official": StampKind.OFFICIAL,
    "seal": StampKind.OFFICIAL,
}


def _placement(page: int | None, box: str | None) -> Placement | None:
    if page is None and box is None:
        return None
    if page is None or box is None:
        raise SigningInputError("signing_bad_box", "--page and --box go together")
    return Placement.parse(page, box)


def _reserved(spec: str) -> ReservedField:
    name, _, where = spec.partition("@")
    page, _, box = where.partition(":")
    if not name or not page.isdigit() or not box:
        raise SigningInputError("signing_bad_reserve", "--reserve takes NAME@PAGE:x1,y1,x2,y2")
    return ReservedField(name, Placement.parse(int(page), box))


def _report(done: SignedDocument, target: Path) -> None:
    typer.echo(
        f"Đã ký / signed: {target} ({done.level}, field {done.field_name}, "
        f"signer {done.signer_serial}, sha256 {done.sha256})"
    )


def sign_command(
    source: Path | None = typer.Argument(None, exists=True, dir_okay=False, help="PDF to sign."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Signed PDF to write."),
    signer: str | None = typer.Option(None, "--signer", help="Serial of the signing certificate."),
    level: Level = typer.Option(Level.B_T, "--level", help="PAdES level."),
    stamp: StampKind | None = typer.Option(
        None, "--stamp", help="Visible stamp (default: by certificate: citizen or official)."
    ),
    certify: bool = typer.Option(False, "--certify", help="Certify (DocMDP: forms and signing)."),
    reason: str | None = typer.Option(None, "--reason", help="Lý do ký."),
    location: str | None = typer.Option(None, "--location", help="Nơi ký."),
    field: str | None = typer.Option(None, "--field", help="Existing empty field to sign."),
    page: int | None = typer.Option(None, "--page", help="Page (from 1) of a new visible field."),
    box: str | None = typer.Option(None, "--box", help="x1,y1,x2,y2 in points (with --page)."),
    qr_url: str | None = typer.Option(None, "--qr-url", help="Verification URL drawn as QR."),
    reserve: list[str] = typer.Option(
        [], "--reserve", help="Empty field for a later signer: NAME@PAGE:x1,y1,x2,y2 (repeat)."
    ),
    pss: bool = typer.Option(False, "--pss", help="RSA keys: sign with RSASSA-PSS."),
    extend: Path | None = typer.Option(
        None, "--extend", exists=True, dir_okay=False, help="Signed PDF to upgrade in place."
    ),
    to: Level = typer.Option(Level.B_LTA, "--to", help="Level to extend to (B-LTA)."),
) -> None:
    """Ký số tệp PDF (PAdES) / sign a PDF, or extend a signed one (--extend FILE --to B-LTA)."""
    from api.wiring import build_services  # pyHanko loads when a command runs, not for --help
    from signing.extend import extend_to_lta
    from signing.pades import PadesSigner
    from signing.pki_adapter import signing_key
    from signing.stamps import content_for

    services = build_services(Settings())
    services.ensure_pki()
    context = services.signing_context
    if extend is not None:
        if to is not Level.B_LTA:
            raise SigningInputError("signing_bad_level", "documents are extended to B-LTA only")
        with extend.open("rb") as stream:
            done = asyncio.run(extend_to_lta(stream, context))
        assert done.pdf is not None
        write_private(extend, done.pdf)
        _report(done, extend)
        return
    if source is None or output is None or signer is None:
        raise SigningInputError(
            "signing_bad_arguments", "IN.pdf, -o OUT.pdf and --signer are needed"
        )
    key = signing_key(services.pki, signer, pss=pss)
    record = services.pki.get(signer)
    kind = stamp or DEFAULT_STAMP.get(record.profile, StampKind.NONE)
    content = None if kind is StampKind.NONE else content_for(kind, key.certificate.subject, qr_url)
    options = SignOptions(
        level=level,
        stamp=content,
        field_name=field,
        placement=_placement(page, box),
        certify=certify,
        reason=reason,
        location=location,
        reserve=tuple(_reserved(spec) for spec in reserve),
    )
    pades = PadesSigner(services.keystore, key, context)
    temporary = output.with_name(f".{output.name}.kyso-tmp")
    try:
        # streamed: the input is read, the output written to a temporary file then renamed
        with source.open("rb") as stream, temporary.open("w+b") as sink:
            done = asyncio.run(pades.sign_stream(stream, sink, options, keep_bytes=False))
            sink.flush()
            os.fsync(sink.fileno())
        temporary.replace(output)
    finally:
        temporary.unlink(missing_ok=True)
    _report(done, output)
