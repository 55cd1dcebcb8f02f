"""Vietnamese search without diacritics, filters, access levels; retention and disposal."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from archive import retention
from archive.errors import ArchiveConflictError, ArchiveNotFoundError, ObjectLockedError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta, SearchFilters
from archive.search import index_text, search
from archive.text import fold
from common.clock import FrozenClock


def test_folding_removes_vietnamese_marks_including_d_stroke() -> None:
    assert fold("Hồ sơ lưu trữ ĐÀ NẴNG, đường số 5") == "ho so luu tru da nang duong so 5"


def _doc(archive: Archive, title: str, **fields: object) -> str:
    fields.setdefault("access_level", "public")  # dossiers made on the way are internal
    meta = DocumentMeta(title=title, **fields)  # type: ignore[arg-type]
    dossier = str(fields.pop("dossier", "HS-S")) if "dossier" in fields else "HS-S"
    return archive.put(io.BytesIO(title.encode()), dossier_code=dossier, meta=meta).document_id


def test_query_without_diacritics_finds_vietnamese_text(archive: Archive) -> None:
    wanted = _doc(archive, "Hồ sơ lưu trữ đất đai phường Bến Thành")
    _doc(archive, "Quyết định khen thưởng")
    hits = search(archive.catalog, "ho so luu tru dat dai")
    assert [h.document_id for h in hits] == [wanted]
    assert [h.document_id for h in search(archive.catalog, "HỒ SƠ")] == [wanted]


def test_ocr_text_is_searchable(archive: Archive) -> None:
    doc = _doc(archive, "Bản scan")
    assert search(archive.catalog, "nghiep vu") == ()
    index_text(archive.catalog, doc, "Nội dung nghiệp vụ văn thư")
    assert [h.document_id for h in search(archive.catalog, "nghiep vu")] == [doc]


def test_filters_narrow_the_results(archive: Archive) -> None:
    a = _doc(archive, "Giấy phép A", document_type="Giấy phép", issue_date=date(2025, 3, 1))
    _doc(archive, "Giấy phép B", document_type="Quyết định", issue_date=date(2025, 3, 1))
    _doc(archive, "Giấy phép C", document_type="Giấy phép", issue_date=date(2020, 1, 1))
    hits = search(
        archive.catalog,
        "giay phep",
        SearchFilters(document_type="Giấy phép", issued_from=date(2025, 1, 1)),
    )
    assert [h.document_id for h in hits] == [a]
    assert search(archive.catalog, "giay phep", SearchFilters(dossier_code="HS-OTHER")) == ()


def test_documents_above_the_reader_clearance_are_hidden(archive: Archive) -> None:
    public = _doc(archive, "Báo cáo công khai")
    secret = _doc(archive, "Báo cáo mật", access_level="secret")
    assert [h.document_id for h in search(archive.catalog, "bao cao")] == [public]
    both = search(archive.catalog, "bao cao", SearchFilters(clearance="secret"))
    assert {h.document_id for h in both} == {public, secret}


def test_a_document_in_a_dossier_made_on_the_way_is_internal_not_public(archive: Archive) -> None:
    """A put (or an arrival) into a dossier that did not exist makes it internal: nobody
    without an official's clearance finds it (anonymous search, /v/ look-ups: public only)."""
    meta = DocumentMeta(title="Bản sao CCCD Nguyễn Văn An")
    made = archive.put(io.BytesIO(b"cccd"), dossier_code="HS-NEW", meta=meta).document_id
    assert archive.catalog.dossier("HS-NEW").access_level == "internal"
    assert archive.catalog.document(made).access_level == "internal"
    assert search(archive.catalog, "ban sao cccd") == ()
    found = search(archive.catalog, "ban sao cccd", SearchFilters(clearance="internal"))
    assert [h.document_id for h in found] == [made]


def _short_lived(archive: Archive, clock: FrozenClock) -> str:
    archive.catalog.create_dossier(
        DossierMeta(code="HS-R", title="Hồ sơ tạm", retention="5"), actor="archivist"
    )
    meta = DocumentMeta(title="Công văn thường", retention="5")
    return archive.put(io.BytesIO(b"short"), dossier_code="HS-R", meta=meta).document_id


def test_disposal_before_retention_ends_is_refused(archive: Archive, clock: FrozenClock) -> None:
    doc = _short_lived(archive, clock)
    with pytest.raises(ArchiveConflictError) as caught:
        retention.propose(archive, doc, reason="hết hạn", actor="alice")
    assert caught.value.code == "archive_retention_active"


def test_disposal_needs_a_second_different_approver_and_leaves_a_tombstone(
    archive: Archive, clock: FrozenClock
) -> None:
    doc = _short_lived(archive, clock)
    version = archive.catalog.version(doc)
    clock.advance(timedelta(days=366 * 6))
    proposal = retention.propose(archive, doc, reason="hết thời hạn bảo quản", actor="alice")
    with pytest.raises(retention.SameApproverError):
        retention.approve(archive, proposal.id, actor="alice")
    done = retention.approve(archive, proposal.id, actor="bob")
    assert done.state == "executed" and done.approved_by == "bob"
    record = archive.catalog.document(doc)
    assert record.disposed_at is not None and record.versions[0].sha256 == version.sha256
    assert not archive.store.exists(version.storage_key, version.storage_version_id)
    with pytest.raises(ArchiveNotFoundError):
        archive.read(doc)
    assert search(archive.catalog, "cong van") == ()


def test_legal_hold_blocks_disposal(archive: Archive, clock: FrozenClock) -> None:
    doc = _short_lived(archive, clock)
    retention.set_legal_hold(archive, doc, True, actor="court")
    clock.advance(timedelta(days=366 * 6))
    with pytest.raises(ObjectLockedError) as caught:
        retention.propose(archive, doc, reason="x", actor="alice")
    assert caught.value.code == "archive_legal_hold"


def test_permanent_records_are_never_disposed(archive: Archive, clock: FrozenClock) -> None:
    doc = _doc(archive, "Nghị quyết", retention="permanent")
    clock.advance(timedelta(days=366 * 300))
    with pytest.raises(ArchiveConflictError):
        retention.propose(archive, doc, reason="x", actor="alice")


def test_fonds_filter_finds_only_that_fonds(archive: Archive) -> None:
    archive.catalog.create_dossier(
        DossierMeta(code="HS-P1", title="Hồ sơ phông 1", fonds_code="PHONG-UBND"), actor="a"
    )
    inside = archive.put(
        io.BytesIO(b"in fonds"), dossier_code="HS-P1", meta=DocumentMeta(title="Tờ trình đất")
    ).document_id
    _doc(archive, "Tờ trình đất khác")
    wide = SearchFilters(fonds_code="PHONG-UBND", clearance="internal")
    hits = search(archive.catalog, "to trinh", wide)
    assert [h.document_id for h in hits] == [inside]
