"""``kyso archive``: put, get, versions, search, fixity audit, audit log, BagIt transfer."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from api.cli.exitcodes import ExitCode
from api.settings import Settings
from archive import bagit, fixity, retention
from archive.errors import ArchiveInputError, IntegrityError
from archive.metadata import DocumentMeta, SearchFilters, check_access_level
from archive.search import search

if TYPE_CHECKING:
    from archive.ingest import Archive

app = typer.Typer(help="Lưu trữ hồ sơ điện tử (archive): bản gốc bất biến, kiểm tra toàn vẹn.")
log_app = typer.Typer(help="Nhật ký kiểm toán chuỗi băm (hash-chained audit log).")
dispose_app = typer.Typer(help="Huỷ tài liệu hết hạn (disposal with two approvers).")
app.add_typer(log_app, name="log")
app.add_typer(dispose_app, name="dispose")

#: exit status when an audit or a chain check finds a problem


def _archive() -> Archive:
    from api.wiring_archive import build_archive  # SQLAlchemy and Alembic: when a command runs

    return build_archive(Settings())


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ArchiveInputError("archive_bad_date", f"not a YYYY-MM-DD date: {text!r}") from exc


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _media_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return {
        ".pdf": "application/pdf",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".tif": "image/tiff",
        ".tiff": "image/tiff",
        ".txt": "text/plain",
        ".xml": "application/xml",
        ".json": "application/json",
    }.get(suffix, "application/octet-stream")


@app.command()
def put(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    dossier: str = typer.Option(..., "--dossier", help="Mã hồ sơ (dossier code)."),
    title: str | None = typer.Option(None, help="Tên / trích yếu (default: file name)."),
    document: str | None = typer.Option(None, help="Add a new version to this document id."),
    kind: str = typer.Option("original", help="original|ocr|signed|lta"),
    number: str = typer.Option("", help="Số, ký hiệu, e.g. '123/QĐ-UBND'."),
    doc_type: str = typer.Option("", "--type", help="Loại văn bản, e.g. 'Quyết định'."),
    issuer: str = typer.Option("", help="Cơ quan ban hành."),
    issued: str | None = typer.Option(None, help="Ngày ban hành (YYYY-MM-DD)."),
    summary: str = typer.Option("", help="Trích yếu nội dung."),
    retention_: str | None = typer.Option(None, "--retention", help="'permanent' or years."),
    access: str | None = typer.Option(None, help="public|internal|restricted|secret"),
    keyword: list[str] = typer.Option([], help="Từ khoá (repeatable)."),
    pages: int | None = typer.Option(None, help="Số trang."),
    legal_hold: bool = typer.Option(False, help="Put the stored original under legal hold."),
    actor: str = typer.Option("cli", help="Who is archiving (recorded in the audit log)."),
) -> None:
    """Lưu một tài liệu (store a document); prints the document id."""
    if file.stat().st_size == 0:  # else locked as an original for its whole retention
        raise ArchiveInputError("archive_empty_file", f"{file.name} is empty (0 bytes)")
    meta = None
    if document is None:
        meta = DocumentMeta(
            title=title or file.name,
            number_notation=number,
            document_type=doc_type,
            issuing_body=issuer,
            issue_date=_date(issued) if issued else None,
            summary=summary,
            retention=retention_,
            access_level=check_access_level(access) if access else None,
            keywords=tuple(keyword),
            page_count=pages,
        )
    with file.open("rb") as stream:
        result = _archive().put(
            stream,
            dossier_code=dossier,
            meta=meta,
            document_id=document,
            kind=kind,  # type: ignore[arg-type]
            media_type=_media_type(file),
            legal_hold=legal_hold,
            actor=actor,
        )
    if result.deduplicated:  # the same bytes again: nothing new stored, its metadata kept
        typer.echo(
            f"đã có / already archived: {result.document_id} (version {result.version.number}), "
            "nothing stored, its metadata unchanged",
            err=True,
        )
    typer.echo(result.document_id)


@app.command()
def get(
    document_id: str = typer.Argument(...),
    version: int | None = typer.Option(None, "--version", help="Version number (default newest)."),
    output: Path = typer.Option(..., "-o", "--output", help="File to write."),
) -> None:
    """Lấy tài liệu (write a stored version to a file, checking its SHA-256)."""
    record, chunks = _archive().read(document_id, version)
    tmp = output.with_name(f".{output.name}.part")
    digest = hashlib.sha256()
    if not output.parent.is_dir():
        raise ArchiveInputError("archive_bad_output", f"folder {output.parent} does not exist")
    try:
        with tmp.open("wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != record.sha256:
            raise IntegrityError(message="stored bytes do not match their SHA-256; run audit")
        tmp.replace(output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    typer.echo(f"{output}  v{record.number} {record.kind} sha256:{record.sha256}")


@app.command()
def versions(document_id: str = typer.Argument(...)) -> None:
    """Các phiên bản của tài liệu (list a document's versions)."""
    record = _archive().catalog.document(document_id)
    typer.echo(f"{record.id}  {record.dossier_code}  {record.meta.title}")
    for v in record.versions:
        until = v.retain_until.date().isoformat() if v.retain_until else "-"
        typer.echo(
            f"  v{v.number:<3} {v.kind:9} {v.size:>12} {v.media_type:24} "
            f"sha256:{v.sha256}  giữ đến/retain until {until}"
        )


@app.command("search")
def search_command(
    query: str = typer.Argument(...),
    dossier: str | None = typer.Option(None, help="Only this dossier."),
    fonds: str | None = typer.Option(None, help="Only this fonds (phông)."),
    doc_type: str | None = typer.Option(None, "--type", help="Only this document type."),
    issued_from: str | None = typer.Option(None, "--from", help="Issued on/after YYYY-MM-DD."),
    issued_to: str | None = typer.Option(None, "--to", help="Issued on/before YYYY-MM-DD."),
    clearance: str = typer.Option(
        "internal", help="Reader's access level (public|internal|restricted|secret)."
    ),
    limit: int = typer.Option(20),
    as_json: bool = typer.Option(False, "--json", help="One JSON array on stdout."),
) -> None:
    """Tìm kiếm (diacritic-insensitive: 'ho so luu tru' finds 'hồ sơ lưu trữ')."""
    filters = SearchFilters(
        fonds_code=fonds,
        dossier_code=dossier,
        document_type=doc_type,
        issued_from=_date(issued_from) if issued_from else None,
        issued_to=_date(issued_to) if issued_to else None,
        clearance=check_access_level(clearance),
        limit=limit,
    )
    hits = search(_archive().catalog, query, filters)
    if as_json:
        rows = [
            {**asdict(h), "issue_date": h.issue_date and h.issue_date.isoformat()} for h in hits
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for h in hits:
        typer.echo(f"{h.document_id}  {h.dossier_code:16} {h.document_type:14} {h.title}")


@app.command()
def audit(
    sample: float = typer.Option(1.0, help="Fraction of versions to check (0-1]."),
    resume: bool = typer.Option(False, help="Continue the last interrupted run."),
) -> None:
    """Kiểm tra toàn vẹn (fixity audit: re-read and re-hash stored versions)."""
    report = fixity.audit(_archive(), sample=sample, resume=resume)
    for p in report.problems:
        typer.echo(
            f"{p.problem.upper():10} {p.document_id} v{p.number} expected {p.expected_sha256}"
        )
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    share = "" if sample >= 1.0 or report.resumed else f" (sample {sample:g})"
    typer.echo(
        f"run {report.run_id}: checked {report.checked} of {report.versions} versions{share}, "
        + status
    )
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)


@app.command()
def reconcile(
    older_than: int = typer.Option(
        0, "--older-than", help="only ingests begun this many minutes ago or earlier"
    ),
) -> None:
    """Hoàn tất các lần lưu bị gián đoạn (finish or drop interrupted ingests)."""
    from datetime import UTC, datetime, timedelta

    report = _archive().reconcile(datetime.now(UTC) - timedelta(minutes=older_than))
    typer.echo(
        f"dropped {len(report.dropped)} unfinished ingests, removed {report.removed_files} "
        "leftover files"
    )


@log_app.command("verify")
def log_verify() -> None:
    """Kiểm tra chuỗi băm (find edited, deleted or reordered audit-log entries)."""
    report = _archive().catalog.audit_log.verify()
    for p in report.problems:
        typer.echo(f"entry {p.seq}: {p.problem}")
    typer.echo(
        f"{report.entries} entries, {report.anchors} anchors: "
        + ("OK" if report.ok else "CHAIN BROKEN")
    )
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)


@log_app.command("anchor")
def log_anchor() -> None:
    """Đóng dấu thời gian đầu chuỗi (anchor the chain head with kyso's RFC 3161 TSA)."""
    from api.adapters import TsaAnchorer
    from api.wiring import build_services

    services = build_services(Settings())
    services.ensure_pki()
    seq = services.catalog.audit_log.anchor(TsaAnchorer(services.timestamp_source))
    typer.echo("nothing to anchor" if seq is None else f"anchored entry {seq}")


@app.command("export")
def export_command(
    dossier: str = typer.Argument(...),
    output: Path = typer.Option(..., "-o", "--output", help="Folder of the bag (new or empty)."),
) -> None:
    """Xuất hồ sơ thành gói BagIt (export a dossier as a BagIt bag)."""
    report = bagit.export_dossier(_archive(), dossier, output)
    typer.echo(f"{output}: {report.documents} documents, {report.files} files, {report.bytes} B")


@app.command("import")
def import_command(bag: Path = typer.Argument(..., exists=True, file_okay=False)) -> None:
    """Nhập gói BagIt (import a bag after checking every checksum)."""
    report = bagit.import_bag(_archive(), bag)
    typer.echo(f"{report.dossier_code}: {report.documents} documents imported")
    for document_id in report.document_ids:
        typer.echo(document_id)


@app.command("hold")
def hold(
    document_id: str = typer.Argument(...),
    off: bool = typer.Option(False, "--off", help="Lift the hold."),
    actor: str = typer.Option("cli"),
) -> None:
    """Phong toả pháp lý (legal hold) on a document and its stored versions."""
    retention.set_legal_hold(_archive(), document_id, not off, actor=actor)
    typer.echo("legal hold " + ("off" if off else "on"))


@app.command()
def access(
    dossier: str = typer.Argument(..., help="the dossier's code"),
    level: str = typer.Argument(..., help="public|internal|restricted|secret"),
    actor: str = typer.Option("cli"),
) -> None:
    """Mức độ tiếp cận (set the access level of a dossier and of every document in it)."""
    with _archive().catalog.writing() as write:
        ids = write.set_access(dossier, level, actor=actor)
    typer.echo(f"{dossier}: {level} ({len(ids)} document(s))")


@dispose_app.command("propose")
def dispose_propose(
    document_id: str = typer.Argument(...),
    reason: str = typer.Option(..., help="Lý do huỷ."),
    actor: str = typer.Option(..., help="Who proposes."),
) -> None:
    """Đề xuất huỷ (propose disposal; retention must have ended)."""
    typer.echo(retention.propose(_archive(), document_id, reason=reason, actor=actor).id)


@dispose_app.command("approve")
def dispose_approve(
    proposal_id: str = typer.Argument(...),
    actor: str = typer.Option(..., help="Who approves (not the proposer)."),
) -> None:
    """Duyệt huỷ (approve disposal: a second person; leaves a tombstone)."""
    done = retention.approve(_archive(), proposal_id, actor=actor)
    typer.echo(f"{done.document_id} {done.state}")
