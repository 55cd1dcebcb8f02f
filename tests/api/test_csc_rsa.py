"""An RSA citizen key through the CSC API: ``key.algo`` offers PKCS#1 v1.5 and RSASSA-PSS,
``signatures/signHash`` signs with what ``signAlgo`` (and ``hashAlgo``, ``signAlgoParams``)
ask when the key can, and refuses the rest before anything is signed."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from apitools import PIN, Kyso, citizen_credential, make_kyso
from asn1crypto import algos
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from api.settings import Settings

SHA256 = "2.16.840.1.101.3.4.2.1"
RSA = "1.2.840.113549.1.1.1"
SHA256_RSA = "1.2.840.113549.1.1.11"
PSS = "1.2.840.113549.1.1.10"


@pytest.fixture(scope="module")
def kyso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kyso]:
    base: Path = tmp_path_factory.mktemp("csc-rsa")
    app = make_kyso(base, Settings(data_dir=base / "data", key_algorithm="rsa2048"))
    yield app
    app.services.close()


def _pss(salt: int) -> str:
    params = algos.RSASSAPSSParams(
        {
            "hash_algorithm": {"algorithm": "sha256"},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
            "salt_length": salt,
        }
    )
    return base64.b64encode(params.dump()).decode()


def test_an_rsa_key_signs_with_the_algorithm_asked_and_refuses_others(kyso: Kyso) -> None:
    credential, totp, serial = citizen_credential(kyso)
    headers = kyso.headers("citizen")
    info = kyso.client.post(
        "/csc/v1/credentials/info", json={"credentialID": credential}, headers=headers
    ).json()
    assert info["key"]["len"] == 2048 and "curve" not in info["key"]
    assert {SHA256_RSA, RSA, PSS} <= set(info["key"]["algo"])

    digests = [hashlib.sha256(f"van ban {n}".encode()).digest() for n in range(3)]
    encoded = [base64.b64encode(d).decode() for d in digests]
    factors = [{"id": "PIN", "value": PIN}, {"id": "OTP", "value": totp.now()}]
    approval = {"credentialID": credential, "numSignatures": 3, "hashes": encoded}
    approval |= {"hashAlgorithmOID": SHA256, "authData": factors}
    sad = kyso.client.post("/csc/v2/credentials/authorize", json=approval, headers=headers)
    assert sad.status_code == 200, sad.text

    def sign(index: int, **asked: str) -> tuple[int, str]:
        body = {"credentialID": credential, "SAD": sad.json()["SAD"], "hashes": [encoded[index]]}
        answer = kyso.client.post(
            "/csc/v2/signatures/signHash", json=body | asked, headers=headers
        ).json()
        if "signatures" in answer:
            return 200, answer["signatures"][0]
        return 400, answer["error"]

    refused = [
        sign(0, signAlgo=RSA),  # PKCS#1 v1.5 without a hash algorithm
        sign(0, signAlgo=PSS, signAlgoParams=_pss(222)),  # pyHanko's "optimal" salt
        sign(0, signAlgo=PSS),  # PSS without its parameters
        sign(0, signAlgo="1.2.840.10045.4.3.2"),  # ECDSA, for an RSA key
    ]
    assert refused == [(400, "sign_algorithm_unsupported")] * 4
    done = [
        sign(0, signAlgo=SHA256_RSA),
        sign(1, signAlgo=RSA, hashAlgorithmOID=SHA256),
        sign(2, signAlgo=PSS, signAlgoParams=_pss(32)),
    ]
    assert [status for status, _v in done] == [200] * 3
    pem = kyso.client.get(f"/api/v1/certificates/{serial}").json()["pem"]
    public = x509.load_pem_x509_certificate(pem.encode()).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    prehashed = utils.Prehashed(hashes.SHA256())
    values = [base64.b64decode(v) for _s, v in done]
    public.verify(values[0], digests[0], padding.PKCS1v15(), prehashed)
    public.verify(values[1], digests[1], padding.PKCS1v15(), prehashed)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    public.verify(values[2], digests[2], pss, prehashed)
    with pytest.raises(InvalidSignature):
        public.verify(values[2], digests[2], padding.PKCS1v15(), prehashed)
