"""Hostile XMP metadata (billion laughs, external entities to a file and to an HTTP server,
50 MB compressed into a small upload) through everything that could parse it: verification,
signing, OCR intake and archive ingest. Nothing is expanded or fetched, the work stays
within a few seconds and a bounded amount of memory, and the answer is a report or a clear
error code, never a crash."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from apitools import PIN, Kyso, citizen_credential, make_pdf

from signing.options import Level, SignOptions
from signing.pades import PadesSigner
from signing.pki_adapter import signing_key
from tests.verify.pdftraps import (
    billion_laughs,
    external_entity,
    hit_server,
    huge_xmp,
    replace_metadata,
    run_bounded,
    with_xmp,
)

PAYLOADS: dict[str, Callable[[str], bytes]] = {
    "billion-laughs": lambda _url: billion_laughs(),
    "xxe-file": lambda _url: external_entity("file:///etc/passwd"),
    "xxe-http": lambda url: external_entity(f"{url}/xxe.dtd"),
    "xmp-50mb": lambda _url: huge_xmp(50),
}
SIGNING_REFUSAL = {
    "billion-laughs": "pdf_metadata_invalid",
    "xxe-file": "pdf_metadata_invalid",
    "xxe-http": "pdf_metadata_invalid",
    "xmp-50mb": "pdf_metadata_too_large",
}
#: what an expanded entity or a read /etc/passwd would leave in an answer
LEAKS = (b"lollollol", b"root:x:0:0", b"root:*:0:0")
SECONDS = 5.0


def _leaks(data: bytes | str) -> bool:
    raw = data.encode() if isinstance(data, str) else data
    return any(mark in raw for mark in LEAKS)


def _hostile(url: str, payload: str) -> bytes:
    return with_xmp(make_pdf(), PAYLOADS[payload](url), compress=True)


def _signer(kyso: Kyso) -> PadesSigner:
    services = kyso.services
    issued = services.pki.issue_citizen("Trần Văn Bình", "079090001234")
    key = signing_key(services.pki, issued.serial)
    return PadesSigner(services.keystore, key, services.signing_context)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_verification_expands_and_fetches_nothing(kyso: Kyso, payload: str) -> None:
    from verify.engine import verify_pdf

    with hit_server() as server:
        data = _hostile(server.url, payload)
        assert len(data) < 1024 * 1024  # the 50 MB of XMP travel compressed
        started = time.monotonic()
        response = kyso.client.post(
            "/api/v1/verify", files={"file": ("xmp.pdf", data, "application/pdf")}
        )
        took = time.monotonic() - started
        options = kyso.services.verify_options(online=False)
        outcome = run_bounded(lambda: verify_pdf(data, options).indication.value, memory_mb=512)
    assert response.status_code == 200, response.text
    assert {f["code"] for f in response.json()["findings"]} == {"no_signatures"}
    assert took < SECONDS and not _leaks(response.text)
    assert outcome.kind == "ok" and outcome.seconds < SECONDS, outcome
    assert server.hits == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_signing_refuses_hostile_xmp_with_a_clear_code(kyso: Kyso, payload: str) -> None:
    signer = _signer(kyso)
    with hit_server() as server:
        data = _hostile(server.url, payload)

        def sign() -> int:
            signed = asyncio.run(signer.sign(data, SignOptions(level=Level.B_B)))
            return len(signed.pdf or b"")

        outcome = run_bounded(sign, memory_mb=768)
        # the same through the API: a citizen submits the dossier (remote signing)
        credential, totp, _serial = citizen_credential(kyso)
        response = kyso.client.post(
            "/api/v1/dossiers",
            files={"file": ("don.pdf", data, "application/pdf")},
            data={"service": "Cấp phép", "agency": "UBND Quận Hoàn Kiếm",
                  "credential_id": credential, "pin": PIN, "otp": totp.now()},
            headers=kyso.headers("citizen"),
        )  # fmt: skip
    assert outcome.kind == "error" and outcome.detail == SIGNING_REFUSAL[payload], outcome
    assert outcome.seconds < SECONDS
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == SIGNING_REFUSAL[payload]
    assert not _leaks(response.text)
    assert server.hits == []


def test_ordinary_xmp_is_still_signed_and_updated(kyso: Kyso) -> None:
    from verify.engine import verify_pdf

    xml = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>'
        b'<rdf:li xml:lang="x-default">Don de nghi</rdf:li></rdf:Alt></dc:title>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    signer = _signer(kyso)
    for compress in (False, True):
        data = with_xmp(make_pdf(), xml, compress=compress)
        signed = asyncio.run(signer.sign(data, SignOptions(level=Level.B_B))).pdf
        assert signed is not None
        report = verify_pdf(signed, kyso.services.verify_options())
        assert report.indication.value == "TOTAL_PASSED"
        with pikepdf.open(io.BytesIO(signed)) as pdf, pdf.open_metadata() as meta:
            assert meta["dc:title"] == "Don de nghi"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_xmp_added_after_signing_fails_verification_and_archiving(
    kyso: Kyso, payload: str
) -> None:
    from verify.engine import verify_pdf

    signed = asyncio.run(_signer(kyso).sign(make_pdf(), SignOptions(level=Level.B_B))).pdf
    assert signed is not None
    options = kyso.services.verify_options()
    assert verify_pdf(signed, options).indication.value == "TOTAL_PASSED"
    kyso.services.engine.dispose()  # the child forked below opens its own connections
    with hit_server() as server:
        attacked = replace_metadata(signed, PAYLOADS[payload](server.url))

        def verdict() -> tuple[str, list[str]]:
            report = verify_pdf(attacked, options)
            return report.indication.value, sorted({f.code for f in report.all_findings()})

        outcome = run_bounded(verdict, memory_mb=768)
        started = time.monotonic()
        stored = kyso.services.archive.put(
            io.BytesIO(attacked), dossier_code="HS-XMP", kind="signed",
            meta=_meta(), media_type="application/pdf",
        )  # fmt: skip
        took = time.monotonic() - started
    assert outcome.kind == "ok" and outcome.seconds < 2 * SECONDS, outcome
    assert "TOTAL_PASSED" not in outcome.detail and "incremental_content_change" in outcome.detail
    assert stored.version.signature is not None
    assert stored.version.signature.indication != "TOTAL_PASSED"
    assert took < 2 * SECONDS
    assert server.hits == []


def _meta() -> object:
    from archive.metadata import DocumentMeta

    return DocumentMeta(title="Đơn đề nghị")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_ocr_intake_and_archive_ingest_parse_no_input_xmp(
    kyso: Kyso, tmp_path: Path, payload: str
) -> None:
    from ocr.pipeline import digitise

    with hit_server() as server:
        source = tmp_path / "scan.pdf"
        source.write_bytes(_hostile(server.url, payload))
        output = tmp_path / "ocr.pdf"
        outcome = run_bounded(lambda: digitise(source, output).pages[0].number, memory_mb=768)
        started = time.monotonic()
        stored = kyso.services.archive.put(
            io.BytesIO(source.read_bytes()), dossier_code="HS-XMP", meta=_meta(),
            media_type="application/pdf",
        )  # fmt: skip
        took = time.monotonic() - started
    assert outcome.kind == "ok" and outcome.seconds < 3 * SECONDS, outcome
    copy = output.read_bytes()
    assert not _leaks(copy) and b"<!ENTITY" not in copy and b"tu khoa luu tru" not in copy
    with pikepdf.open(output) as pdf, pdf.open_metadata() as meta:
        assert meta["pdfaid:part"] == "2"  # kyso's own XMP, written fresh
    assert stored.version.signature is None and took < SECONDS
    assert server.hits == []
