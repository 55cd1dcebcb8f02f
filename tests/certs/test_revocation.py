from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import core, crl, ocsp, tsp
from pkitools import openssl, write_chain

from certs.errors import PkiConflictError, PkiInputError
from certs.ocsp import OcspResponder
from certs.pki import Pki
from certs.records import to_pem
from certs.revocation import Revocation
from certs.tsa import StatusOnlyResp, tsa_from_pki
from common.clock import FrozenClock


def _ocsp_request(pki: Pki, serial: str, work: Path, nonce: bool = True) -> bytes:
    leaf, _ = write_chain(pki, serial, work)
    issuer = work / "issuer.pem"
    issuer.write_text(to_pem(pki.chain(serial)[1]))
    args = ["ocsp", "-issuer", str(issuer), "-cert", str(leaf), "-reqout", "req.der"]
    result = openssl(*args, *([] if nonce else ["-no_nonce"]), cwd=work)
    assert result.returncode == 0, result.stderr
    return (work / "req.der").read_bytes()


def _check_with_openssl(pki: Pki, serial: str, response: bytes, work: Path) -> str:
    (work / "resp.der").write_bytes(response)
    _, chain = write_chain(pki, serial, work)
    result = openssl(
        "ocsp", "-respin", "resp.der", "-reqin", "req.der", "-CAfile", str(chain),
        "-resp_text", cwd=work,
    )  # fmt: skip
    assert "Response verify OK" in result.stderr, result.stderr
    return result.stdout


def test_ocsp_says_good_then_revoked_with_time_and_reason(pki: Pki, work: Path) -> None:
    issued = pki.issue_citizen("Nguyễn Thị Hoa", "001203004567")
    revocation = Revocation(pki)
    responder = OcspResponder(pki, revocation)
    request = _ocsp_request(pki, issued.serial, work)
    assert "Cert Status: good" in _check_with_openssl(
        pki, issued.serial, responder.respond(request), work
    )
    revocation.revoke(issued.serial, "key_compromise")
    text = _check_with_openssl(pki, issued.serial, responder.respond(request), work)
    assert "Cert Status: revoked" in text
    assert "Revocation Reason: keyCompromise" in text
    assert "OCSP Nonce" in text  # echoed


def test_ocsp_answers_unknown_malformed_and_unauthorized(sqlite_pki: Pki, work: Path) -> None:
    responder = OcspResponder(sqlite_pki, Revocation(sqlite_pki))
    issued = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", "001203004567")
    request = ocsp.OCSPRequest.load(_ocsp_request(sqlite_pki, issued.serial, work, nonce=False))
    single = request["tbs_request"]["request_list"][0]["req_cert"]
    single["serial_number"] = core.Integer(12345)
    response = ocsp.OCSPResponse.load(responder.respond(request.dump(force=True)))
    assert response["response_status"].native == "successful"
    assert (
        response.basic_ocsp_response["tbs_response_data"]["responses"][0]["cert_status"].name
        == "unknown"
    )
    assert (
        ocsp.OCSPResponse.load(responder.respond(b"\x30\x03junk"))["response_status"].native
        == "malformed_request"
    )
    single["issuer_key_hash"] = core.OctetString(b"\x00" * 20)
    answer = ocsp.OCSPResponse.load(responder.respond(request.dump(force=True)))
    assert answer["response_status"].native == "unauthorized"


def test_crl_lists_revoked_certificates_and_verifies_with_openssl(pki: Pki, work: Path) -> None:
    revocation = Revocation(pki)
    kept = pki.issue_citizen("Trần Văn Đức", "079090001234")
    gone = pki.issue_citizen("Nguyễn Thị Hoa", "001203004567")
    first = crl.CertificateList.load(revocation.crl("citizen"))
    assert list(first["tbs_cert_list"]["revoked_certificates"]) == []
    revocation.revoke(gone.serial, "superseded")
    der = revocation.crl("citizen")
    listed = crl.CertificateList.load(der)
    serials = [
        format(e["user_certificate"].native, "x")
        for e in listed["tbs_cert_list"]["revoked_certificates"]
    ]
    assert serials == [gone.serial] and kept.serial not in serials
    assert listed.crl_number_value.native == first.crl_number_value.native + 1
    (work / "c.crl").write_bytes(der)
    _, chain = write_chain(pki, gone.serial, work)
    result = openssl(
        "crl", "-inform", "DER", "-in", "c.crl", "-CAfile", str(chain), "-noout", "-text", cwd=work
    )
    assert "verify OK" in result.stderr + result.stdout
    assert gone.serial.upper() in result.stdout.replace(":", "").upper()


def test_crl_is_reused_until_half_its_life_then_resigned(sqlite_pki: Pki) -> None:
    clock = FrozenClock()
    sqlite_pki.clock = clock
    revocation = Revocation(sqlite_pki, crl_validity=timedelta(hours=24))
    first = revocation.crl("officials")
    assert revocation.crl("officials") == first
    clock.advance(timedelta(hours=13))
    assert revocation.crl("officials") != first


def test_revoking_twice_or_with_an_unknown_reason_is_refused(sqlite_pki: Pki) -> None:
    revocation = Revocation(sqlite_pki)
    issued = sqlite_pki.issue_seal("UBND Phường Tràng Tiền")
    with pytest.raises(PkiInputError) as err:
        revocation.revoke(issued.serial, "because")
    assert err.value.code == "revocation_reason_invalid"
    revocation.revoke(issued.serial, "cessation_of_operation")
    with pytest.raises(PkiConflictError) as conflict:
        revocation.revoke(issued.serial)
    assert conflict.value.code == "certificate_already_revoked"
    root = sqlite_pki.certificates("root")[0]
    with pytest.raises(PkiInputError):
        revocation.revoke(root.serial, "key_compromise")


def test_tsa_token_is_accepted_by_openssl_ts_verify(pki: Pki, work: Path) -> None:
    (work / "data.txt").write_text("Quyết định số 123/QĐ-UBND")
    query = openssl(
        "ts", "-query", "-data", "data.txt", "-sha256", "-cert", "-out", "q.tsq", cwd=work
    )
    assert query.returncode == 0
    (work / "r.tsr").write_bytes(tsa_from_pki(pki).respond((work / "q.tsq").read_bytes()))
    (work / "root.pem").write_text(to_pem(pki.authority_certificate("root")))
    result = openssl(
        "ts", "-verify", "-data", "data.txt", "-in", "r.tsr", "-CAfile", "root.pem", cwd=work
    )
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stderr


def test_tsa_echoes_nonce_gives_unique_serials_and_refuses_sha1(sqlite_pki: Pki) -> None:
    tsa = tsa_from_pki(sqlite_pki)

    def request(algorithm: str, digest: bytes, nonce: int) -> tsp.TimeStampResp:
        req = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": algorithm},
                    "hashed_message": digest,
                },
                "nonce": nonce,
                "cert_req": True,
            }
        )
        return tsp.TimeStampResp.load(tsa.respond(req.dump()))

    infos = []
    for nonce in (1, 2, 3):
        response = request("sha256", b"\x01" * 32, nonce)
        assert response["status"]["status"].native == "granted"
        info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        assert info["nonce"].native == nonce
        assert info["accuracy"]["seconds"].native == 1
        infos.append(info["serial_number"].native)
    assert len(set(infos)) == 3
    sha1 = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha1"},
                "hashed_message": b"1" * 20,
            },
        }
    )
    refused = StatusOnlyResp.load(tsa.respond(sha1.dump()))
    assert refused["status"]["status"].native == "rejection"
    assert "bad_alg" in refused["status"]["fail_info"].native
    junk = StatusOnlyResp.load(tsa.respond(b"not asn.1"))
    assert junk["status"]["status"].native == "rejection"
    assert "bad_data_format" in junk["status"]["fail_info"].native
