"""Certificates parsed once per batch (``verify.certmemo``) never change a verdict: a document
changed after signing and a certificate revoked before the batch, both sharing the chain's
copies with good documents of the same batch, get the verdicts they get alone."""

from __future__ import annotations

from asn1crypto import cms, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import general
from pyhanko.sign.validation import generic_cms

from certs.records import serial_hex
from certs.revcache import RevocationCache
from tests.verify.conftest import Kit
from tests.verify.corpus import flip_signed_byte, original
from tests.verify.foreign import endesive_sign
from tests.verify.foreign_keys import foreign_signer
from tests.verify.test_batch_cache import _evidence_free, comparable
from verify import Indication, SubIndication, verify_pdf
from verify.batchcache import BatchCache
from verify.certmemo import CertificateMemo, active, extract_certificate_info


def _signed_data(pdf: bytes) -> cms.SignedData:
    from io import BytesIO

    [sig] = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures
    return sig.signed_data


def test_a_changed_document_and_a_revoked_signer_are_caught_in_a_batch_sharing_certificates(
    kit: Kit,
) -> None:
    good_signer = foreign_signer(kit, "Chứng thư tốt", "rsa2048")
    revoked_signer = foreign_signer(kit, "Chứng thư bị thu hồi", "rsa2048")
    kit.revocation.revoke(serial_hex(revoked_signer.cert.serial_number), "key_compromise")
    good = [endesive_sign(original(), good_signer, "Ky1") for _ in range(2)]
    changed = flip_signed_byte(endesive_sign(original(), good_signer, "Ky1"))
    revoked = endesive_sign(original(), revoked_signer, "Ky1")
    documents = [good[0], changed, revoked, good[1], revoked]
    kept = BatchCache.create()
    options = kit.options(revocation_cache=RevocationCache(), batch_cache=kept)
    batch = [verify_pdf(pdf, options) for pdf in documents]
    assert kept.certificates.hits > 0  # the chain's copies were shared
    alone = [verify_pdf(pdf, kit.options()) for pdf in documents]
    for in_batch, by_itself in zip(batch, alone, strict=True):
        assert _evidence_free(comparable(in_batch)) == _evidence_free(comparable(by_itself))
    verdicts = [(r.indication, r.sub_indication) for r in batch]
    assert verdicts[0] == verdicts[3] == (Indication.TOTAL_PASSED, None)
    assert verdicts[1] == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)
    assert verdicts[2][1] == verdicts[4][1] == SubIndication.REVOKED_NO_POE


def test_the_memo_gives_the_first_copy_of_the_same_encoding_and_is_bounded(kit: Kit) -> None:
    signer = foreign_signer(kit, "Bản sao", "rsa2048")
    first, second = (_signed_data(endesive_sign(original(), signer, "Ky1")) for _ in range(2))
    memo, small = CertificateMemo(), CertificateMemo(max_entries=1)
    with active(memo):
        one = extract_certificate_info(first)
        two = extract_certificate_info(second)
    assert two.signer_cert is one.signer_cert  # the same DER: the batch's copy
    assert memo.hits == len(memo) == 1 + len(one.other_certs)
    with active(small):
        extract_certificate_info(first)
        extract_certificate_info(second)
    assert len(small) == 1  # bounded: the oldest encodings go first
    plain = general.extract_certificate_info(second)
    assert plain.signer_cert.dump() == two.signer_cert.dump()
    assert [c.dump() for c in plain.other_certs] == [c.dump() for c in two.other_certs]


def test_without_an_active_memo_the_extraction_is_pyhankos(kit: Kit) -> None:
    signer = foreign_signer(kit, "Không lô", "rsa2048")
    data = _signed_data(endesive_sign(original(), signer, "Ky1"))
    memo = CertificateMemo()
    with active(memo):
        pass
    found = generic_cms.extract_certificate_info(data)  # installed or not: no memo active
    assert len(memo) == 0
    assert found.signer_cert.dump() == general.extract_certificate_info(data).signer_cert.dump()


def test_a_certificate_that_does_not_parse_is_never_kept() -> None:
    broken = x509.Certificate.load(b"\x30\x03\x02\x01\x01")  # a SEQUENCE that is no certificate
    memo = CertificateMemo()
    assert memo.same(broken) is broken
    assert len(memo) == 0
