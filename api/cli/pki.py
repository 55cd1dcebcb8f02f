"""``kyso pki``: the certificate authorities, issuance, revocation, trust anchors, enrolment."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from asn1crypto.keys import PublicKeyInfo
from rich.console import Console
from rich.table import Table

from api.settings import Settings
from api.wiring import Services, build_services
from certs.csr import public_key_from_csr
from certs.identity import validate_phone
from certs.records import CertificateRecord, IssuedCertificate, short_subject, to_pem

app = typer.Typer(help="Hạ tầng khoá công khai (PKI): CA, cấp và thu hồi chứng thư số.")
issue_app = typer.Typer(help="Cấp chứng thư số (issue a certificate).")
trust_app = typer.Typer(help="Neo tin cậy (trust anchors) used by verification.")
enrol_app = typer.Typer(help="Đăng ký chứng thư miễn phí cho công dân (one-stop-shop enrolment).")
app.add_typer(issue_app, name="issue")
app.add_typer(trust_app, name="trust")
app.add_typer(enrol_app, name="enrol")
console = Console()


def _services() -> Services:
    services = build_services(Settings())
    services.ensure_pki()
    return services


def _csr_key(csr: Path | None) -> PublicKeyInfo | None:
    return public_key_from_csr(csr.read_bytes()) if csr else None


def _print_issued(issued: IssuedCertificate) -> None:
    typer.echo(issued.serial)


@app.command()
def init() -> None:
    """Tạo CA gốc, CA công dân, CA cán bộ, TSA và OCSP (idempotent)."""
    services = build_services(Settings())
    created = services.ensure_pki()
    typer.echo("PKI created" if created else "PKI already initialised")
    for authority in services.pki.authorities():
        typer.echo(f"  {authority.name:10} {authority.serial}")


@issue_app.command("citizen")
def issue_citizen(
    name: str = typer.Option(..., help="Họ và tên, e.g. 'Nguyễn Thị Hoa'."),
    cccd: str = typer.Option(..., help="Số CCCD (12 digits)."),
    phone: str | None = typer.Option(None, help="Số điện thoại (checked, not put in the cert)."),
    csr: Path | None = typer.Option(None, exists=True, help="PKCS#10 request from own device."),
) -> None:
    """Cấp chứng thư số công dân (free personal certificate). Prints the serial (hex)."""
    if phone:
        validate_phone(phone)
    _print_issued(_services().pki.issue_citizen(name, cccd, _csr_key(csr)))


@issue_app.command("official")
def issue_official(
    name: str = typer.Option(..., help="Họ và tên cán bộ."),
    title: str = typer.Option(..., help="Chức vụ, e.g. 'Chủ tịch'."),
    agency: str = typer.Option(..., help="Cơ quan, e.g. 'UBND Quận Hoàn Kiếm'."),
    csr: Path | None = typer.Option(None, exists=True, help="PKCS#10 request (key on a token)."),
) -> None:
    """Cấp chứng thư số cán bộ (an official's signing certificate)."""
    _print_issued(_services().pki.issue_official(name, title, agency, _csr_key(csr)))


@issue_app.command("seal")
def issue_seal(
    agency: str = typer.Option(..., help="Tên cơ quan, e.g. 'UBND Quận Hoàn Kiếm'."),
    csr: Path | None = typer.Option(None, exists=True, help="PKCS#10 request (key on a token)."),
) -> None:
    """Cấp chứng thư số con dấu cơ quan (an agency seal certificate)."""
    _print_issued(_services().pki.issue_seal(agency, _csr_key(csr)))


def _record_dict(record: CertificateRecord) -> dict[str, str | None]:
    return {
        "serial": record.serial,
        "profile": record.profile,
        "issuer": record.issuer,
        "subject": record.subject,
        "not_before": record.not_before.isoformat(),
        "not_after": record.not_after.isoformat(),
        "status": record.status,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "revocation_reason": record.revocation_reason,
    }


@app.command("list")
def list_certificates(
    profile: str | None = typer.Option(None, help="root|ca|citizen|official|seal|tsa|ocsp"),
    as_json: bool = typer.Option(False, "--json", help="One JSON array on stdout."),
) -> None:
    """Danh sách chứng thư số (list certificates)."""
    records = _services().pki.certificates(profile)
    if as_json:
        typer.echo(json.dumps([_record_dict(r) for r in records], ensure_ascii=False, indent=2))
        return
    table = Table("serial", "profile", "name", "issuer", "not after", "status")
    for r in records:
        table.add_row(
            r.serial,
            r.profile,
            r.common_name,
            r.issuer or "-",
            r.not_after.date().isoformat(),
            r.status,
        )
    console.print(table)


@app.command()
def show(serial: str) -> None:
    """Chi tiết một chứng thư (show one certificate)."""
    record = _services().pki.get(serial)
    for key, value in _record_dict(record).items():
        typer.echo(f"{key:18} {value if value is not None else '-'}")
    typer.echo(record.pem, nl=False)


@app.command()
def export(
    serial: str,
    out: Path = typer.Option(..., "--out", "-o", help="PEM file to write."),
    chain: bool = typer.Option(False, help="Also write the issuing CAs up to the root."),
) -> None:
    """Xuất chứng thư ra tệp PEM (export a certificate)."""
    pki = _services().pki
    certs = pki.chain(serial) if chain else [pki.get(serial).certificate]
    out.write_text("".join(to_pem(c) for c in certs), encoding="ascii")
    typer.echo(f"{len(certs)} certificate(s) -> {out}")


@app.command()
def roots(out: Path = typer.Option(..., "--out", "-o", help="PEM file to write.")) -> None:
    """Xuất các neo tin cậy (kyso's root and imported roots) to PEM."""
    anchors = _services().pki.trust_anchors()
    out.write_text("".join(to_pem(c) for c in anchors), encoding="ascii")
    typer.echo(f"{len(anchors)} root(s) -> {out}")


@app.command()
def revoke(
    serial: str,
    reason: str = typer.Option(
        "unspecified",
        help="key_compromise|superseded|affiliation_changed|cessation_of_operation|...",
    ),
) -> None:
    """Thu hồi chứng thư số (revoke a certificate)."""
    record = _services().revocation.revoke(serial, reason)
    typer.echo(f"revoked {record.serial} at {record.revoked_at} ({record.revocation_reason})")


@app.command()
def crl(
    ca: str = typer.Argument(..., help="root | citizen | officials"),
    out: Path = typer.Option(..., "--out", "-o", help="DER file to write."),
) -> None:
    """Xuất danh sách thu hồi (write the CA's current CRL)."""
    out.write_bytes(_services().revocation.crl(ca))
    typer.echo(f"CRL of {ca} -> {out}")


@trust_app.command("add")
def trust_add(
    path: Path = typer.Argument(..., exists=True, help="PEM or DER CA certificate."),
) -> None:
    """Nhập neo tin cậy (import a root, e.g. the national NEAC root)."""
    added = _services().pki.trust_add(path.read_bytes())
    typer.echo(f"{len(added)} trust anchor(s) added" + "".join(f"\n  {f}" for f in added))


@trust_app.command("list")
def trust_list() -> None:
    """Danh sách neo tin cậy (list trust anchors)."""
    for cert in _services().pki.trust_anchors():
        typer.echo(short_subject(cert.subject))


@enrol_app.command("request")
def enrol_request(
    name: str = typer.Option(..., help="Họ và tên."),
    cccd: str = typer.Option(..., help="Số CCCD (12 digits)."),
    phone: str | None = typer.Option(None, help="Số điện thoại di động."),
) -> None:
    """Công dân đăng ký chứng thư miễn phí (request). Prints the request id."""
    typer.echo(_services().enrolment.request(name, cccd, phone).id)


@enrol_app.command("approve")
def enrol_approve(
    enrolment_id: str, officer: str = typer.Option(..., help="Cán bộ một cửa phê duyệt.")
) -> None:
    """Phê duyệt và cấp chứng thư (key generated in the key store). Prints the serial."""
    _enrolment, issued = _services().enrolment.approve(enrolment_id, officer)
    typer.echo(issued.serial)


@enrol_app.command("reject")
def enrol_reject(
    enrolment_id: str,
    officer: str = typer.Option(...),
    reason: str = typer.Option(..., help="Lý do từ chối."),
) -> None:
    """Từ chối yêu cầu (reject a request)."""
    typer.echo(_services().enrolment.reject(enrolment_id, officer, reason).status)


@enrol_app.command("list")
def enrol_list(status: str | None = typer.Option(None, help="pending|issued|rejected")) -> None:
    """Danh sách yêu cầu đăng ký (list requests; CCCD masked)."""
    table = Table("id", "name", "CCCD", "status", "serial")
    for e in _services().enrolment.list(status):
        table.add_row(e.id, e.full_name, e.cccd_masked, e.status, e.serial or "-")
    console.print(table)
