from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from certs.errors import KeyStoreError, PkiConflictError
from certs.keys import KeyAlgorithm, SignatureScheme, sign_message
from certs.keystore_file import FileKeyStore
from certs.keystore_pkcs11 import Pkcs11KeyStore

PASSPHRASE = b"a-long-test-passphrase-42"


def _verify(public_der: bytes, signature: bytes, data: bytes, scheme: SignatureScheme) -> None:
    public = serialization.load_der_public_key(public_der)
    digest = getattr(hashes, scheme.digest.upper())()
    if scheme.padding == "ecdsa":
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, data, ec.ECDSA(digest))
    elif scheme.padding == "pss":
        public.verify(
            signature, data, padding.PSS(padding.MGF1(digest), digest.digest_size), digest
        )  # type: ignore[union-attr,call-arg]
    else:
        public.verify(signature, data, padding.PKCS1v15(), digest)  # type: ignore[union-attr,call-arg]


SCHEMES = [
    (KeyAlgorithm.EC_P256, SignatureScheme("sha256", "ecdsa")),
    (KeyAlgorithm.EC_P384, SignatureScheme("sha384", "ecdsa")),
    (KeyAlgorithm.RSA_2048, SignatureScheme("sha256", "pkcs1v15")),
    (KeyAlgorithm.RSA_2048, SignatureScheme("sha256", "pss")),
]


@pytest.mark.parametrize(("algorithm", "scheme"), SCHEMES)
def test_file_store_signatures_verify_with_the_public_key(
    tmp_path: Path, algorithm: KeyAlgorithm, scheme: SignatureScheme
) -> None:
    store = FileKeyStore(tmp_path, PASSPHRASE)
    public = store.generate("k1", algorithm)
    signature = sign_message(store, "k1", b"ho so", scheme)
    _verify(public.dump(), signature, b"ho so", scheme)
    assert store.algorithm("k1") is algorithm


@pytest.mark.softhsm
@pytest.mark.parametrize(("algorithm", "scheme"), SCHEMES)
def test_pkcs11_signatures_verify_with_the_public_key(
    softhsm_token: tuple[str, str, str], algorithm: KeyAlgorithm, scheme: SignatureScheme
) -> None:
    store = Pkcs11KeyStore(*softhsm_token)
    public = store.generate("k1", algorithm)
    signature = sign_message(store, "k1", b"ho so", scheme)
    _verify(public.dump(), signature, b"ho so", scheme)


def test_key_files_are_encrypted_private_and_need_the_passphrase(tmp_path: Path) -> None:
    FileKeyStore(tmp_path, PASSPHRASE).generate("ca-root", KeyAlgorithm.EC_P256)
    path = tmp_path / "ca-root.p8"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    other = FileKeyStore(tmp_path, b"the-wrong-passphrase-000")
    with pytest.raises(KeyStoreError) as err:
        other.sign_digest(
            "ca-root", hashlib.sha256(b"x").digest(), SignatureScheme("sha256", "ecdsa")
        )
    assert err.value.code == "keystore_locked"


def test_existing_label_is_not_overwritten(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path, PASSPHRASE)
    first = store.generate("k", KeyAlgorithm.EC_P256)
    with pytest.raises(PkiConflictError):
        store.generate("k", KeyAlgorithm.EC_P256)
    assert store.public_key("k").dump() == first.dump()


def test_weak_digest_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        SignatureScheme("sha1", "pkcs1v15")


@pytest.mark.softhsm
def test_pkcs11_private_keys_are_sensitive_and_never_extractable(
    softhsm_token: tuple[str, str, str],
) -> None:
    module, label, pin = softhsm_token
    store = Pkcs11KeyStore(module, label, pin)
    store.generate("citizen-1", KeyAlgorithm.EC_P256)
    key = store._private("citizen-1")  # the token object itself, as the HSM holds it
    assert key[pkcs11.Attribute.SENSITIVE] is True
    assert key[pkcs11.Attribute.EXTRACTABLE] is False
    with pytest.raises(pkcs11.exceptions.PKCS11Error):
        key[pkcs11.Attribute.VALUE]


@pytest.mark.softhsm
def test_wrong_token_pin_is_a_keystore_error(softhsm_token: tuple[str, str, str]) -> None:
    module, label, _pin = softhsm_token
    with pytest.raises(KeyStoreError) as err:
        Pkcs11KeyStore(module, label, "000000")
    assert err.value.code == "keystore_unavailable"
