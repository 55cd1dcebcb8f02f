"""Revocation (online and embedded) and validation at a past time with time-stamps as proof."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from certs.keys import SignatureScheme
from signing.options import Level, SignOptions
from signing.pades import PadesSigner
from signing.signer import SigningKey
from tests.verify.conftest import Kit
from tests.verify.corpus import original
from verify import Indication, SubIndication, verify_pdf


def _signed_by_fresh_citizen(kit: Kit, cccd: str, level: Level) -> tuple[str, bytes]:
    issued = kit.pki.issue_citizen("Trần Thị Mai", cccd)
    signer = kit.signer(issued.serial)
    done = asyncio.run(signer.sign(original(), SignOptions(level=level)))
    assert done.pdf is not None
    return issued.serial, done.pdf


def test_revoked_after_signing_with_an_earlier_time_stamp_passes(kit: Kit) -> None:
    serial, pdf = _signed_by_fresh_citizen(kit, "001203004571", Level.B_T)
    time.sleep(1.1)  # revocation times have one-second precision
    kit.revocation.revoke(serial, "key_compromise")
    report = verify_pdf(pdf, kit.options())
    [sig] = report.signatures
    assert report.indication is Indication.TOTAL_PASSED, [f.code for f in sig.findings]
    assert "past_validation" in {f.code for f in sig.findings}
    assert sig.validation_time == sig.timestamped_signing_time
    assert any(e.status == "revoked" and e.source == "online" for e in sig.revocation)


def test_revoked_before_signing_fails_with_revoked(kit: Kit) -> None:
    issued = kit.pki.issue_citizen("Lê Văn Tám", "001203004572")
    kit.revocation.revoke(
        issued.serial, "key_compromise", when=datetime.now(UTC) - timedelta(hours=1)
    )
    # kyso's signer refuses revoked keys, so build the key by hand, as a thief would sign
    chain = kit.pki.chain(issued.serial)
    scheme = SignatureScheme.for_key(kit.store.algorithm(issued.key_label))
    key = SigningKey(chain[0], tuple(chain[1:]), issued.key_label, scheme)
    done = asyncio.run(
        PadesSigner(kit.store, key, kit.context).sign(original(), SignOptions(level=Level.B_T))
    )
    assert done.pdf is not None
    report = verify_pdf(done.pdf, kit.options())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.signatures[0].sub_indication is SubIndication.REVOKED
    assert "certificate_revoked" in {f.code for f in report.all_findings()}


def test_revoked_b_b_without_time_stamp_is_revoked_no_poe(kit: Kit) -> None:
    serial, pdf = _signed_by_fresh_citizen(kit, "001203004573", Level.B_B)
    time.sleep(1.1)
    kit.revocation.revoke(serial, "superseded")
    report = verify_pdf(pdf, kit.options())
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.REVOKED_NO_POE


def test_offline_b_b_has_no_revocation_data_and_is_try_later(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    report = verify_pdf(corpus["clean_b_b"], kit.options(online=False))
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.TRY_LATER


@pytest.mark.parametrize("name", ["clean_b_lta", "clean_three_signatures_lt"])
def test_long_term_documents_validate_offline_from_embedded_evidence(
    kit: Kit, corpus: dict[str, bytes], name: str
) -> None:
    report = verify_pdf(corpus[name], kit.options(online=False))
    assert report.indication is Indication.TOTAL_PASSED, [f.code for f in report.all_findings()]
    for sig in report.signatures:
        assert sig.revocation and all(e.source == "embedded" for e in sig.revocation)
        assert "revocation_from_document" in {f.code for f in sig.findings}


def test_untrusted_root_gives_no_certificate_chain_found(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    report = verify_pdf(corpus["clean_b_b"], kit.options(trust_roots=()))
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_validation_before_the_certificate_existed_is_out_of_bounds(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    at = datetime.now(UTC) - timedelta(days=400)
    report = verify_pdf(corpus["clean_b_b"], kit.options(at=at))
    assert report.indication is not Indication.TOTAL_PASSED
    assert "certificate_expired" in {f.code for f in report.all_findings()}


def test_b_lta_stays_valid_after_the_signer_certificate_expired(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    signer_cert = kit.official.certificate
    expired = signer_cert["tbs_certificate"]["validity"]["not_after"].native
    at = expired + timedelta(days=30)
    report = verify_pdf(corpus["clean_b_lta"], kit.options(at=at, online=False))
    [sig] = report.signatures
    codes = {f.code for f in sig.findings}
    assert report.indication is Indication.TOTAL_PASSED, codes
    assert {"past_validation", "archive_timestamp_poe"} <= codes
    assert sig.validation_time == sig.timestamped_signing_time


def test_b_t_after_the_signer_certificate_expired_is_not_passed_without_archive_stamp(
    kit: Kit,
) -> None:
    serial, pdf = _signed_by_fresh_citizen(kit, "001203004574", Level.B_T)
    expired = kit.pki.chain(serial)[0]["tbs_certificate"]["validity"]["not_after"].native
    report = verify_pdf(pdf, kit.options(at=expired + timedelta(days=30), online=False))
    assert report.indication is not Indication.TOTAL_PASSED


def test_a_slow_responder_answering_after_the_validation_moment_still_passes(kit: Kit) -> None:
    """An OCSP response or CRL made a few seconds after the validation moment (a responder
    that takes its time) is fresh evidence, not "too recent": the signature passes."""
    _, pdf = _signed_by_fresh_citizen(kit, "001203004579", Level.B_B)
    kit.server.delay = 2.5
    try:
        report = verify_pdf(pdf, kit.options())
    finally:
        kit.server.delay = 0.0
    [sig] = report.signatures
    assert report.indication is Indication.TOTAL_PASSED, [
        (f.code, f.message_en) for f in sig.findings
    ]
    assert any(e.source == "online" for e in sig.revocation)
