"""Ingest, versions and deduplication, on SQLite and PostgreSQL (folder store) and on S3."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator

import pytest

from archive.catalog.sql import SqlCatalog
from archive.errors import ArchiveInputError, ArchiveNotFoundError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta, SignatureSummary
from archive.store.s3 import S3Store
from common.clock import FrozenClock
from common.hashing import sha256_bytes

DECISION = DocumentMeta(
    title="Quyết định cấp giấy phép xây dựng",
    number_notation="123/QĐ-UBND",
    issuing_body="Ủy ban nhân dân phường Bến Nghé",
    document_type="Quyết định",
    retention="10",
    keywords=("giấy phép", "xây dựng"),
)


def _put(archive: Archive, data: bytes, **kwargs: object) -> str:
    result = archive.put(
        io.BytesIO(data),
        dossier_code="HS-2026-001",
        meta=DECISION,
        **kwargs,  # type: ignore[arg-type]
    )
    return result.document_id


def test_put_then_read_returns_the_same_bytes_and_metadata(archive: Archive) -> None:
    data = "%PDF-1.7 hồ sơ ".encode() + secrets.token_bytes(5000)
    doc_id = _put(archive, data)
    version, chunks = archive.read(doc_id)
    assert b"".join(chunks) == data
    assert version.sha256 == sha256_bytes(data)
    assert version.kind == "original" and version.number == 1
    record = archive.catalog.document(doc_id)
    assert record.meta == DECISION
    assert record.dossier_code == "HS-2026-001"
    assert record.retention == "10"


def test_a_change_is_a_new_version_and_the_old_one_stays_readable(archive: Archive) -> None:
    doc_id = _put(archive, b"first scan")
    second = archive.put(
        io.BytesIO(b"ocr text layer"), dossier_code="", document_id=doc_id, kind="ocr"
    )
    assert second.version.number == 2 and not second.deduplicated
    versions = archive.catalog.document(doc_id).versions
    assert [v.kind for v in versions] == ["original", "ocr"]
    assert b"".join(archive.read(doc_id, 1)[1]) == b"first scan"
    assert b"".join(archive.read(doc_id, 2)[1]) == b"ocr text layer"


def test_same_bytes_in_the_same_dossier_are_deduplicated(archive: Archive) -> None:
    first = archive.put(io.BytesIO(b"same"), dossier_code="HS-1", meta=DECISION)
    again = archive.put(io.BytesIO(b"same"), dossier_code="HS-1", meta=DECISION)
    assert again.deduplicated and again.document_id == first.document_id
    assert len(archive.catalog.document(first.document_id).versions) == 1
    assert archive.catalog.pending_ingests() == []


def test_same_bytes_in_another_dossier_share_one_stored_object(archive: Archive) -> None:
    first = archive.put(io.BytesIO(b"shared"), dossier_code="HS-1", meta=DECISION)
    other = archive.put(io.BytesIO(b"shared"), dossier_code="HS-2", meta=DECISION)
    assert other.document_id != first.document_id
    assert other.version.storage_key == first.version.storage_key


def test_unknown_document_is_not_found(archive: Archive) -> None:
    with pytest.raises(ArchiveNotFoundError):
        archive.read("dNOPE")
    with pytest.raises(ArchiveNotFoundError):
        archive.put(io.BytesIO(b"x"), dossier_code="", document_id="dNOPE")


def test_bad_metadata_is_refused_before_anything_is_stored(archive: Archive) -> None:
    with pytest.raises(ArchiveInputError) as caught:
        DocumentMeta(title="x", retention="forever and a day")
    assert caught.value.code == "archive_bad_retention"
    with pytest.raises(ArchiveInputError):
        DossierMeta(code="a/b", title="t")
    assert archive.catalog.pending_ingests() == []


def test_dossier_fields_round_trip(catalog: SqlCatalog) -> None:
    meta = DossierMeta(
        code="HS-05",
        title="Hồ sơ lưu trữ đất đai",
        fonds_code="PHONG-01",
        retention="permanent",
        access_level="restricted",
        keywords=("đất đai",),
        sheet_count=12,
        paper_original_code="GIAY-77",
        physical_condition="tốt",
    )
    catalog.create_dossier(meta, actor="archivist")
    assert catalog.dossier("HS-05") == meta


@pytest.mark.s3
def test_ingest_on_s3_locks_the_original_with_retention(
    s3_store: S3Store, catalog: SqlCatalog, clock: FrozenClock
) -> None:
    store = s3_store
    archive = Archive(store, catalog)
    result = archive.put(io.BytesIO(b"s3 original"), dossier_code="HS-S3", meta=DECISION)
    lock = store.lock_of(result.version.storage_key, result.version.storage_version_id)
    assert lock.retain_until is not None and lock.retain_until > clock.now()
    dup = archive.put(io.BytesIO(b"s3 original"), dossier_code="HS-S3-B", meta=DECISION)
    assert dup.version.storage_key == result.version.storage_key
    listed = store._client.list_objects(store.bucket, prefix="objects/", include_version=True)
    assert len(list(listed)) == 1  # the second, unneeded copy was deleted
    assert archive.catalog.pending_ingests() == []


class _StubVerifier:
    """The archive's side of the Verifier contract (the real one, verify/ through
    api.adapters.ReportVerifier: tests/api/test_archive_integration.py): every PDF passes."""

    def summarise(self, chunks: Iterator[bytes]) -> SignatureSummary | None:
        data = b"".join(chunks)
        return SignatureSummary("TOTAL_PASSED", signer="UBND", level="B-LTA") if data else None


def test_signed_pdf_versions_carry_the_verifier_summary(archive: Archive) -> None:
    archive.verifier = _StubVerifier()
    result = archive.put(
        io.BytesIO(b"%PDF signed"), dossier_code="HS-V", meta=DECISION, media_type="application/pdf"
    )
    summary = archive.catalog.version(result.document_id).signature
    assert summary == SignatureSummary("TOTAL_PASSED", signer="UBND", level="B-LTA")
    plain = archive.put(io.BytesIO(b"text"), dossier_code="HS-V", meta=DECISION)
    assert archive.catalog.version(plain.document_id).signature is None


@pytest.mark.parametrize("media_type", ["text/plain\r\nX-Injected: 1", "pdf", "a/b c", ""])
def test_a_bad_media_type_is_refused_before_anything_is_stored(
    archive: Archive, media_type: str
) -> None:
    with pytest.raises(ArchiveInputError) as refused:
        archive.put(io.BytesIO(b"x"), dossier_code="HS-M", meta=DECISION, media_type=media_type)
    assert refused.value.code == "archive_bad_media_type"
    assert archive.catalog.pending_ingests() == [] and not archive.catalog.has_dossier("HS-M")
