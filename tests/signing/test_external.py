"""Signing with a key kyso never sees: prepare -> the client signs -> finish."""

from __future__ import annotations

import asyncio

import pytest

from certs.keys import KeyAlgorithm, SignatureScheme
from certs.keystore_file import new_private_key, public_key_info, sign_with_private_key
from signing.errors import SigningInputError
from signing.interrupted import finish_external, prepare_external
from signing.options import Level, SignOptions, StampKind
from signing.stamps import content_for
from tests.signing.checks import pdfsig, statuses
from tests.signing.conftest import Kit


@pytest.fixture(scope="module")
def token_holder(kit: Kit):
    """A business with a USB token: the private key exists only in this test."""
    key = new_private_key(KeyAlgorithm.EC_P384)
    issued = kit.pki.issue_official(
        "Hoàng Anh Tuấn", "Giám đốc", "Công ty TNHH Sao Việt", csr_public_key=public_key_info(key)
    )
    chain = tuple(kit.pki.chain(issued.serial)[1:])
    return key, issued, chain


@pytest.mark.parametrize("level", [Level.B_T, Level.B_LTA])
def test_client_side_signature_is_embedded_and_validates(
    kit: Kit, token_holder, one_page: bytes, level: Level
) -> None:
    key, issued, chain = token_holder
    scheme = SignatureScheme.for_key(KeyAlgorithm.EC_P384)
    stamp = content_for(StampKind.OFFICIAL, issued.certificate.subject)
    pending = asyncio.run(
        prepare_external(
            one_page,
            issued.certificate,
            chain,
            scheme,
            SignOptions(level=level, stamp=stamp),
            kit.context,
        )
    )
    assert len(pending.to_be_signed) == 48  # SHA-384 of the signed attributes
    value = sign_with_private_key(key, pending.to_be_signed, scheme)  # on the client's token
    done = asyncio.run(finish_external(pending, value, kit.context))
    assert done.pdf is not None and done.level is level
    [status] = statuses(done.pdf, kit.pki.trust_anchors())
    assert status.bottom_line, status.pretty_print_details()
    [peer] = pdfsig(done.pdf, kit.root_pem)[:1]
    assert peer["Signature Validation"] == "Signature is Valid."
    assert peer["Certificate Validation"] == "Certificate is Trusted."


def test_a_signature_value_from_another_key_is_refused(
    kit: Kit, token_holder, one_page: bytes
) -> None:
    _key, issued, chain = token_holder
    scheme = SignatureScheme.for_key(KeyAlgorithm.EC_P384)
    pending = asyncio.run(
        prepare_external(one_page, issued.certificate, chain, scheme, SignOptions(), kit.context)
    )
    intruder = new_private_key(KeyAlgorithm.EC_P384)
    with pytest.raises(SigningInputError) as caught:
        asyncio.run(
            finish_external(
                pending, sign_with_private_key(intruder, pending.to_be_signed, scheme), kit.context
            )
        )
    assert caught.value.code == "signature_value_invalid"


def test_kyso_refuses_to_sign_itself_with_a_key_it_does_not_hold(kit: Kit, token_holder) -> None:
    _key, issued, _chain = token_holder
    with pytest.raises(SigningInputError) as caught:
        kit.signer(issued.serial)
    assert caught.value.code == "signer_key_not_held"
