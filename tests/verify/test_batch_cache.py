"""What a batch shares beyond revocation answers (``verify.batchcache``) never changes a report:
each document's report is the one it gets without the cache, field for field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certs.records import serial_hex
from certs.revcache import RevocationCache
from common.clock import FrozenClock
from tests.verify.conftest import Kit
from tests.verify.corpus import original
from tests.verify.foreign import endesive_sign
from tests.verify.foreign_corpus import Document
from tests.verify.foreign_keys import (
    ForeignSigner,
    foreign_signer,
    new_key,
    self_signed_signer,
)
from verify import Indication, SubIndication, ValidationReport, verify_pdf
from verify.batch import BatchVerifier
from verify.batchcache import BatchCache, PathOutcomes
from verify.serialize import JsonValue, report_dict
from verify.sigchecks import SignatureChecks

#: what differs between two verifications of one document at two moments
_TIMING = {"validated_at", "validation_time"}


def _without_timing(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in _TIMING}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def comparable(report: ValidationReport) -> JsonValue:
    """The whole serialised report (indications, findings and their messages, chain,
    revocation evidence with its bytes, time-stamps) but the validation moments."""
    return _without_timing(report_dict(report))


def _evidence_free(value: JsonValue) -> JsonValue:
    """Also without the revocation answers' own bytes and dates (two fetches differ)."""
    value = copy.deepcopy(value)
    if isinstance(value, dict):
        for sig in value.get("signatures", []):  # type: ignore[union-attr]
            for item in sig.get("revocation", []):  # type: ignore[union-attr]
                for key in ("produced_at", "sha256", "der"):
                    item.pop(key, None)  # type: ignore[union-attr]
    return value


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def _all_documents(
    corpus: dict[str, bytes], foreign: list[Document]
) -> list[tuple[str, bytes, bool]]:
    """(name, PDF, online) of both corpora."""
    found = [(name, pdf, True) for name, pdf in sorted(corpus.items())]
    return found + [(f"foreign/{d.name}", d.pdf, not d.offline) for d in foreign]


@pytest.mark.slow
@pytest.mark.timeout(900)  # both corpora, three or four times each
def test_every_corpus_document_gets_the_same_report_with_the_batch_cache(
    kit: Kit, corpus: dict[str, bytes], foreign_corpus: list[Document]
) -> None:
    """One revocation cache serves the same answers to both sides: the batch cache is the only
    difference. Each document is verified without it, then twice with it (the second time
    its signer's path outcome is there for certain), then once more with it backwards."""
    shared = RevocationCache(max_age=3600)
    kept = BatchCache.create(max_age=3600)
    documents = _all_documents(corpus, foreign_corpus)
    plain: dict[str, JsonValue] = {}
    for name, pdf, online in documents:
        plain[name] = comparable(verify_pdf(pdf, kit.options(revocation_cache=shared,
                                                             online=online)))  # fmt: skip
        with_cache = kit.options(revocation_cache=shared, batch_cache=kept, online=online)
        assert comparable(verify_pdf(pdf, with_cache)) == plain[name], name
        assert comparable(verify_pdf(pdf, with_cache)) == plain[name], name
    for name, pdf, online in reversed(documents):
        with_cache = kit.options(revocation_cache=shared, batch_cache=kept, online=online)
        assert comparable(verify_pdf(pdf, with_cache)) == plain[name], name
    assert kept.paths.hits > len(documents)  # reused, not only kept
    assert kept.signatures.hits > 0


@pytest.mark.slow
@pytest.mark.timeout(900)  # both corpora, three or four times each
def test_documents_verified_twice_in_a_batch_get_the_reports_they_get_alone(
    kit: Kit, corpus: dict[str, bytes], foreign_corpus: list[Document], tmp_path: Path
) -> None:
    """Through the batch verifier (a child with both caches): each document's two reports are
    the same (the revocation answers come from the batch's cache both times), and the same as
    its report alone but for the revocation answers' own bytes (fetched again alone)."""
    for online in (True, False):
        documents = [
            (n, pdf) for n, pdf, o in _all_documents(corpus, foreign_corpus) if o is online
        ]
        paths = []
        for index, (_, pdf) in enumerate(documents):
            paths.append(tmp_path / f"{online}-{index:03d}.pdf")
            paths[-1].write_bytes(pdf)
        options = kit.options(
            online=online, revocation_cache=RevocationCache(), batch_cache=BatchCache.create()
        )
        with BatchVerifier(options) as verifier:
            reports = [comparable(verifier.verify(path)) for path in [*paths, *paths]]
        for index, (name, _) in enumerate(documents):
            alone = comparable(verify_pdf(paths[index], kit.options(online=online)))
            assert reports[index] == reports[index + len(documents)], name
            assert _evidence_free(reports[index]) == _evidence_free(alone), name


def _b_b(kit: Kit, signer: ForeignSigner) -> bytes:
    return endesive_sign(original(), signer, "Ky1")


def test_a_signer_revoked_during_a_batch_counts_once_the_cache_validity_ends(kit: Kit) -> None:
    """Within the caches' age limit a batch judges by the answers it holds (as the revocation
    cache alone already did); once they are older, the revocation counts, and a new batch
    sees it at once."""
    signer = foreign_signer(kit, "Thu hồi giữa lô", "rsa2048")
    documents = [_b_b(kit, signer) for _ in range(3)]
    clock = _Clock()
    shared = RevocationCache(max_age=60, clock=clock)
    kept = BatchCache.create(max_age=60, clock=clock)
    options = kit.options(revocation_cache=shared, batch_cache=kept)
    assert verify_pdf(documents[0], options).passed
    assert verify_pdf(documents[1], options).passed
    assert kept.paths.hits == 1
    kit.revocation.revoke(serial_hex(signer.cert.serial_number), "key_compromise")
    assert verify_pdf(documents[1], options).passed  # the answer held is 0 s old
    clock.now += 61
    late = verify_pdf(documents[2], options)
    assert (late.indication, late.sub_indication) == (
        Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE
    )  # fmt: skip
    fresh = kit.options(revocation_cache=RevocationCache(), batch_cache=BatchCache.create())
    again = verify_pdf(documents[1], fresh)
    assert (again.indication, again.sub_indication) == (late.indication, late.sub_indication)


def _expired_signer(kit: Kit) -> ForeignSigner:
    """A certificate of the test CA that expired a year ago (issued with the clock set back)."""
    key = new_key("rsa2048")
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    clock = kit.pki.clock
    kit.pki.clock = FrozenClock(datetime.now(UTC) - timedelta(days=4 * 365))
    try:
        issued = kit.pki.issue_official("Người ký hết hạn", "Chuyên viên", "Sở Nội vụ",
                                        asn1_keys.PublicKeyInfo.load(spki))  # fmt: skip
    finally:
        kit.pki.clock = clock
    chain = [x509.load_der_x509_certificate(c.dump()) for c in kit.pki.chain(issued.serial)]
    return ForeignSigner("expired", key, chain[0], tuple(chain[1:]))


def _impostor(kit: Kit, real: ForeignSigner) -> ForeignSigner:
    """A certificate with the real signer's subject, issuer name and serial number, made by a
    key that only claims to be the CA's."""
    key = new_key("rsa2048")
    ca_key = new_key("p256")
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(real.cert.subject)
        .issuer_name(real.cert.issuer)
        .public_key(key.public_key())
        .serial_number(real.cert.serial_number)
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    return ForeignSigner("impostor", key, cert, real.chain)


def test_each_certificate_in_a_mixed_batch_gets_its_own_verdict(kit: Kit, tmp_path: Path) -> None:
    """Good documents of two signers of one CA between an expired signer, an impostor with the
    first signer's names and serial number, a self-signed one and one whose chain is left
    out: the cache never hands one certificate's outcome to another."""
    first = foreign_signer(kit, "Một", "rsa2048")
    second = foreign_signer(kit, "Hai", "rsa2048")
    bare = ForeignSigner(first.name, first.key, first.cert, ())
    odd = {
        "expired": _b_b(kit, _expired_signer(kit)),
        "impostor": _b_b(kit, _impostor(kit, first)),
        "self-signed": _b_b(kit, self_signed_signer("Lạ", "rsa2048")),
        "no chain": _b_b(kit, bare),
    }
    good = [_b_b(kit, first), _b_b(kit, second)]
    names, documents = [], []
    for name, pdf in odd.items():
        names += ["first", "second", name]
        documents += [*good, pdf]
    paths = []
    for index, pdf in enumerate(documents):
        paths.append(tmp_path / f"{index:02d}.pdf")
        paths[-1].write_bytes(pdf)
    kept = BatchCache.create()
    options = kit.options(revocation_cache=RevocationCache(), batch_cache=kept)
    with BatchVerifier(options) as verifier:
        batch = [comparable(verifier.verify(path)) for path in paths]
    alone = [comparable(verify_pdf(path, kit.options())) for path in paths]
    for name, in_batch, by_itself in zip(names, batch, alone, strict=True):
        assert _evidence_free(in_batch) == _evidence_free(by_itself), name
    verdicts = {
        n: (r["indication"], r["sub_indication"])  # type: ignore[index]
        for n, r in zip(names, alone, strict=True)
    }
    assert verdicts["first"] == verdicts["second"] == ("TOTAL_PASSED", None)
    assert verdicts["expired"] == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    assert verdicts["self-signed"] == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert verdicts["impostor"][0] == verdicts["no chain"][0] == "INDETERMINATE"


def test_an_outcome_is_not_reused_under_other_trust_roots_or_another_moment(kit: Kit) -> None:
    signer = foreign_signer(kit, "Gốc khác", "rsa2048")
    pdf = _b_b(kit, signer)
    kept = BatchCache.create()
    shared = RevocationCache()
    assert verify_pdf(pdf, kit.options(revocation_cache=shared, batch_cache=kept)).passed
    stranger = self_signed_signer("Gốc lạ", "rsa2048").asn1_cert
    other_root = verify_pdf(
        pdf, kit.options(trust_roots=(stranger,), revocation_cache=shared, batch_cache=kept)
    )
    assert other_root.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    later = signer.cert.not_valid_after_utc + timedelta(days=1)
    expired = verify_pdf(pdf, kit.options(at=later, revocation_cache=shared, batch_cache=kept))
    assert expired.indication is Indication.INDETERMINATE
    assert kept.paths.hits == 0


def test_the_batch_cache_is_bounded() -> None:
    from pyhanko_certvalidator.path import ValidationPath

    paths = PathOutcomes(max_entries=3)
    for index in range(10):
        kept = object.__new__(ValidationPath)
        paths.keep(bytes([index]), _kept(kept))
    assert len(paths) == 3
    checks = SignatureChecks(max_entries=2)
    key = ec.generate_private_key(ec.SECP256R1())
    from asn1crypto import algos

    algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    info = asn1_keys.PublicKeyInfo.load(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    for index in range(5):
        data = bytes([index]) * 10
        checks.validate_signature(key.sign(data, ec.ECDSA(hashes.SHA256())), data, info, algorithm)
    assert len(checks) == 2
    forged = key.sign(b"other", ec.ECDSA(hashes.SHA256()))
    for _ in range(2):  # a failure is never remembered: raised again
        with pytest.raises(InvalidSignature):
            checks.validate_signature(forged, b"signed", info, algorithm)
    assert len(checks) == 2 and checks.hits == 0


def _kept(path: object) -> object:
    from verify.batchcache import _FetcherState, _Kept

    now = datetime.now(UTC)
    return _Kept(path, (), _FetcherState(), now, now, float("inf"))  # type: ignore[arg-type]
