"""Extending a signed document to B-LTA keeps its earlier signatures valid."""

from __future__ import annotations

import asyncio
from io import BytesIO

import pytest

from signing.errors import SigningInputError
from signing.extend import extend_to_lta
from signing.options import Level, SignOptions, StampKind
from tests.signing.checks import lta_indications, offline_lt_statuses, pdfsig, statuses
from tests.signing.conftest import Kit


def test_extending_b_t_to_b_lta_keeps_the_signature_valid_and_adds_a_document_timestamp(
    kit: Kit, one_page: bytes
) -> None:
    stamp = kit.stamp(kit.official, StampKind.OFFICIAL)
    signed = asyncio.run(
        kit.signer(kit.official.serial).sign(one_page, SignOptions(level=Level.B_T, stamp=stamp))
    )
    assert signed.pdf is not None
    extended = asyncio.run(extend_to_lta(BytesIO(signed.pdf), kit.context))
    assert extended.pdf is not None and extended.level is Level.B_LTA
    assert extended.pdf.startswith(signed.pdf)  # incremental: earlier bytes untouched
    roots = kit.pki.trust_anchors()
    assert all(s.bottom_line for s in statuses(extended.pdf, roots))
    assert all(s.bottom_line for s in offline_lt_statuses(extended.pdf, roots))
    assert lta_indications(extended.pdf, roots) == ["AdESPassed.OK"]
    peers = pdfsig(extended.pdf, kit.root_pem)
    assert peers[0]["Signature Validation"] == "Signature is Valid."
    assert peers[0]["Certificate Validation"] == "Certificate is Trusted."


def test_extending_twice_chains_archive_timestamps(kit: Kit, one_page: bytes) -> None:
    signed = asyncio.run(
        kit.signer(kit.citizen.serial).sign(one_page, SignOptions(level=Level.B_LTA))
    )
    assert signed.pdf is not None
    again = asyncio.run(extend_to_lta(BytesIO(signed.pdf), kit.context))
    assert again.pdf is not None
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(again.pdf))
    assert len(reader.embedded_timestamp_signatures) == 2
    assert lta_indications(again.pdf, kit.pki.trust_anchors()) == ["AdESPassed.OK"]


def test_extending_an_unsigned_pdf_is_refused(kit: Kit, one_page: bytes) -> None:
    with pytest.raises(SigningInputError) as caught:
        asyncio.run(extend_to_lta(BytesIO(one_page), kit.context))
    assert caught.value.code == "pdf_unsigned"
