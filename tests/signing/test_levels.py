"""Each PAdES level validates with pyHanko and with poppler's pdfsig (a peer not written here)."""

from __future__ import annotations

import asyncio

import pytest

from signing.options import Level, SignOptions, StampKind
from tests.signing.checks import lta_indications, offline_lt_statuses, pdfsig, statuses
from tests.signing.conftest import Kit


def _sign(kit: Kit, pdf: bytes, level: Level) -> bytes:
    signer = kit.signer(kit.citizen.serial)
    stamp = kit.stamp(kit.citizen, StampKind.CITIZEN)
    done = asyncio.run(signer.sign(pdf, SignOptions(level=level, stamp=stamp)))
    assert done.pdf is not None and done.level is level
    return done.pdf


@pytest.mark.parametrize("level", list(Level))
def test_each_level_validates_in_pyhanko_and_pdfsig(
    kit: Kit, one_page: bytes, level: Level
) -> None:
    signed = _sign(kit, one_page, level)
    roots = kit.pki.trust_anchors()
    [status] = statuses(signed, roots)
    assert status.bottom_line, status.pretty_print_details()
    assert (status.timestamp_validity is not None) == level.timestamped
    [peer] = pdfsig(signed, kit.root_pem)[:1]
    assert peer["Signature Validation"] == "Signature is Valid."
    assert peer["Certificate Validation"] == "Certificate is Trusted."
    assert peer["Signature Type"] == "ETSI.CAdES.detached"
    assert peer["Signer Certificate Common Name"] == "Đặng Văn Hưởng"


@pytest.mark.parametrize("level", [Level.B_LT, Level.B_LTA])
def test_long_term_levels_validate_offline_from_the_embedded_dss(
    kit: Kit, one_page: bytes, level: Level
) -> None:
    signed = _sign(kit, one_page, level)
    [status] = offline_lt_statuses(signed, kit.pki.trust_anchors())
    assert status.bottom_line, status.pretty_print_details()


def test_b_b_without_revocation_data_is_not_long_term_valid_offline(
    kit: Kit, one_page: bytes
) -> None:
    signed = _sign(kit, one_page, Level.B_B)
    [status] = offline_lt_statuses(signed, kit.pki.trust_anchors())
    assert not status.bottom_line


def test_b_lta_passes_etsi_long_term_validation(kit: Kit, one_page: bytes) -> None:
    signed = _sign(kit, one_page, Level.B_LTA)
    assert lta_indications(signed, kit.pki.trust_anchors()) == ["AdESPassed.OK"]
