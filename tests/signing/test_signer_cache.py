"""One PAdES signer per certificate and process (``signing.cache.SignerCache``)."""

from __future__ import annotations

import pytest

from certs.revocation import Revocation
from signing.cache import SignerCache
from signing.errors import SigningInputError, SigningNotFoundError
from signing.options import Level, SignOptions
from tests.signing.conftest import AGENCY, Kit, make_pdf


def test_the_same_certificate_gets_the_same_signer_and_another_its_own(kit: Kit) -> None:
    cache = SignerCache(kit.pki, kit.store, kit.context)
    official = cache.signer(kit.official.serial)
    assert cache.signer(kit.official.serial) is official
    assert cache.signer("0x" + kit.official.serial.upper()) is official  # one serial, one signer
    seal = cache.signer(kit.seal.serial)
    assert seal is not official
    assert seal.key.certificate.serial_number == kit.seal.certificate.serial_number
    assert len(cache) == 2


async def test_a_cached_signer_keeps_its_size_estimates_between_documents(kit: Kit) -> None:
    cache = SignerCache(kit.pki, kit.store, kit.context)
    signer = cache.signer(kit.official.serial)
    first = await signer.sign(make_pdf(1), SignOptions(level=Level.B_T))
    assert first.pdf is not None and Level.B_T in signer._reserved
    estimate = signer._reserved[Level.B_T]
    again = cache.signer(kit.official.serial)
    await again.sign(make_pdf(2), SignOptions(level=Level.B_T))
    assert again._reserved[Level.B_T] == estimate


def test_a_certificate_revoked_after_it_was_cached_signs_no_more(kit: Kit) -> None:
    cache = SignerCache(kit.pki, kit.store, kit.context)
    issued = kit.pki.issue_official("Trần Văn Bình", "Chuyên viên", AGENCY)
    assert cache.signer(issued.serial) is cache.signer(issued.serial)
    Revocation(kit.pki).revoke(issued.serial, "key_compromise")
    with pytest.raises(SigningInputError) as refused:
        cache.signer(issued.serial)
    assert refused.value.code == "signer_revoked"


def test_an_unknown_certificate_is_refused_and_not_cached(kit: Kit) -> None:
    cache = SignerCache(kit.pki, kit.store, kit.context)
    with pytest.raises(SigningNotFoundError):
        cache.signer("deadbeef")
    assert len(cache) == 0


def test_the_cache_keeps_at_most_its_size_the_least_used_leaving(kit: Kit) -> None:
    cache = SignerCache(kit.pki, kit.store, kit.context, size=1)
    official = cache.signer(kit.official.serial)
    cache.signer(kit.seal.serial)
    assert len(cache) == 1 and cache.signer(kit.official.serial) is not official
