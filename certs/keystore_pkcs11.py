"""Key store on a PKCS#11 token (an HSM in production, SoftHSM2 in tests).

Private keys are generated on the token as sensitive, non-extractable objects and used
through the token's own mechanisms: kyso never holds their bits.
"""

from __future__ import annotations

import threading
from typing import cast

import pkcs11
from asn1crypto import algos, keys
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, PublicKey
from pkcs11.exceptions import PKCS11Error
from pkcs11.types import SignMixin
from pkcs11.util.ec import (
    encode_ec_public_key,
    encode_ecdsa_signature,
    encode_named_curve_parameters,
)
from pkcs11.util.rsa import encode_rsa_public_key

from certs.errors import KeyStoreError, PkiConflictError
from certs.keys import KeyAlgorithm, SignatureScheme, algorithm_of
from certs.keystore_file import check_label

_PSS_PARAMS = {
    "sha256": (Mechanism.SHA256, pkcs11.MGF.SHA256, 32),
    "sha384": (Mechanism.SHA384, pkcs11.MGF.SHA384, 48),
    "sha512": (Mechanism.SHA512, pkcs11.MGF.SHA512, 64),
}


def _digest_info(digest: bytes, name: str) -> bytes:
    """DER DigestInfo, what CKM_RSA_PKCS signs for a PKCS#1 v1.5 signature of a digest."""
    info = algos.DigestInfo({"digest_algorithm": {"algorithm": name}, "digest": digest})
    return bytes(info.dump())


class Pkcs11KeyStore:
    def __init__(self, module: str, token_label: str, user_pin: str) -> None:
        try:
            lib = pkcs11.lib(module)
            token = lib.get_token(token_label=token_label)
            self._session = token.open(user_pin=user_pin, rw=True)
        except (PKCS11Error, RuntimeError, OSError) as exc:
            raise KeyStoreError(
                "keystore_unavailable", f"cannot open PKCS#11 token {token_label!r}"
            ) from exc
        self._lock = threading.Lock()
        self._keys: dict[str, SignMixin] = {}

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def _private(self, label: str) -> SignMixin:
        cached = self._keys.get(label)
        if cached is not None:
            return cached
        try:
            key = cast(
                SignMixin,
                self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label),
            )
        except pkcs11.NoSuchKey as exc:
            raise KeyStoreError("keystore_key_missing", f"no key {label} on the token") from exc
        self._keys[label] = key
        return key

    def exists(self, label: str) -> bool:
        check_label(label)
        with self._lock:
            try:
                self._private(label)
            except KeyStoreError:
                return False
            return True

    def generate(self, label: str, algorithm: KeyAlgorithm) -> keys.PublicKeyInfo:
        if self.exists(label):
            raise PkiConflictError("keystore_label_exists", f"key {label} already exists")
        private_template = {
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.TOKEN: True,
        }
        with self._lock:
            try:
                if algorithm.is_rsa:
                    _pub, priv = self._session.generate_keypair(
                        KeyType.RSA,
                        algorithm.rsa_bits,
                        private_template=private_template,
                        label=label,
                        id=label.encode(),
                        store=True,
                    )
                else:
                    params = self._session.create_domain_parameters(
                        KeyType.EC,
                        {Attribute.EC_PARAMS: encode_named_curve_parameters(algorithm.curve)},
                        local=True,
                    )
                    _pub, priv = params.generate_keypair(
                        private_template=private_template,
                        label=label,
                        id=label.encode(),
                        store=True,
                    )
            except PKCS11Error as exc:
                raise KeyStoreError("keystore_generate_failed", str(exc) or "failed") from exc
            self._keys[label] = cast(SignMixin, priv)
        return self.public_key(label)

    def public_key(self, label: str) -> keys.PublicKeyInfo:
        check_label(label)
        with self._lock:
            try:
                pub = cast(
                    PublicKey,
                    self._session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label),
                )
            except pkcs11.NoSuchKey as exc:
                raise KeyStoreError("keystore_key_missing", f"no key {label} on the token") from exc
            if pub.key_type == KeyType.RSA:
                rsa_key = keys.RSAPublicKey.load(encode_rsa_public_key(pub))
                return keys.PublicKeyInfo(
                    {"algorithm": {"algorithm": "rsa"}, "public_key": rsa_key}
                )
            return keys.PublicKeyInfo.load(encode_ec_public_key(pub))

    def algorithm(self, label: str) -> KeyAlgorithm:
        return algorithm_of(self.public_key(label))

    def sign_digest(self, label: str, digest: bytes, scheme: SignatureScheme) -> bytes:
        check_label(label)
        with self._lock:
            key = self._private(label)
            try:
                if scheme.padding == "ecdsa":
                    raw = key.sign(digest, mechanism=Mechanism.ECDSA)
                    return bytes(encode_ecdsa_signature(raw))
                if scheme.padding == "pss":
                    return bytes(
                        key.sign(
                            digest,
                            mechanism=Mechanism.RSA_PKCS_PSS,
                            mechanism_param=_PSS_PARAMS[scheme.digest],
                        )
                    )
                return bytes(
                    key.sign(_digest_info(digest, scheme.digest), mechanism=Mechanism.RSA_PKCS)
                )
            except PKCS11Error as exc:
                raise KeyStoreError("keystore_sign_failed", "the token refused to sign") from exc

    def destroy(self, label: str) -> None:
        check_label(label)
        with self._lock:
            self._keys.pop(label, None)
            for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
                for obj in self._session.get_objects(
                    {Attribute.CLASS: cls, Attribute.LABEL: label}
                ):
                    obj.destroy()
