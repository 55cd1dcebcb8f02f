"""The archive with verify/ and signing/ plugged in: signature summaries and LTA renewal."""

from __future__ import annotations

import asyncio
import io

from apitools import Kyso, make_pdf
from pyhanko.pdf_utils.reader import PdfFileReader

from archive.metadata import DocumentMeta
from signing.options import Level, SignOptions
from signing.pades import PadesSigner
from signing.pki_adapter import signing_key


def _lta_signed(kyso: Kyso) -> bytes:
    services = kyso.services
    seal = services.pki.issue_seal("UBND Quận Hoàn Kiếm")
    signer = PadesSigner(
        services.keystore, signing_key(services.pki, seal.serial), services.signing_context
    )
    signed = asyncio.run(
        signer.sign(make_pdf("Giay phep so 123"), SignOptions(level=Level.B_LTA, certify=True))
    )
    assert signed.pdf is not None
    return signed.pdf


def _archive(kyso: Kyso, data: bytes) -> str:
    result = kyso.services.archive.put(
        io.BytesIO(data),
        dossier_code="HS-LTA-1",
        meta=DocumentMeta(title="Giấy phép xây dựng", number_notation="123/GP-UBND"),
        kind="signed",
        media_type="application/pdf",
    )
    return result.document_id


def test_signed_pdfs_get_a_verification_summary_in_the_catalog(kyso: Kyso) -> None:
    document_id = _archive(kyso, _lta_signed(kyso))
    summary = kyso.services.archive.catalog.version(document_id).signature
    assert summary is not None
    assert summary.indication == "TOTAL_PASSED"
    assert summary.signer == "UBND Quận Hoàn Kiếm"
    assert summary.level == "B-LTA"


def test_lta_renewal_adds_a_fresh_document_time_stamp_only_when_due(kyso: Kyso) -> None:
    from datetime import timedelta

    from archive.lta import renew_due

    document_id = _archive(kyso, _lta_signed(kyso))
    archive = kyso.services.archive
    not_due = renew_due(archive, kyso.services.lta_renewer(timedelta(days=365)))
    assert not_due.checked == 1 and not_due.renewed == ()
    # a horizon past the TSA certificate's 10 years makes the newest time-stamp "expiring"
    due = renew_due(archive, kyso.services.lta_renewer(timedelta(days=365 * 11)))
    assert due.renewed == (document_id,)
    newest = archive.catalog.version(document_id)
    assert newest.kind == "lta" and newest.number == 2
    _version, chunks = archive.read(document_id)
    renewed = b"".join(chunks)
    assert len(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures) == 2
    original = b"".join(archive.read(document_id, 1)[1])
    assert renewed.startswith(original)  # an incremental revision: the signed bytes untouched
    assert newest.signature is not None and newest.signature.indication == "TOTAL_PASSED"


def test_lta_renewal_runs_as_a_job(kyso: Kyso) -> None:
    _archive(kyso, _lta_signed(kyso))
    jobs = kyso.services.jobs
    job = jobs.wait(jobs.submit("archive.lta_renew", {"horizon_days": 365 * 11}), 120)
    assert job.status == "succeeded", job.error
    assert job.result is not None and len(job.result["renewed"]) == 1  # type: ignore[arg-type]
