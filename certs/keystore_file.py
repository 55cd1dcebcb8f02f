"""Key store of encrypted PKCS#8 files (the embedded default).

Each key is one file ``<label>.p8`` encrypted with the store's passphrase (PBES2, AES-256),
written atomically with mode 0600 and never replaced. Keys are decrypted once per process
and kept in memory.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path

from asn1crypto import keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from certs.errors import KeyStoreError, PkiConflictError
from certs.keys import KeyAlgorithm, SignatureScheme, algorithm_of

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def check_label(label: str) -> str:
    if not _LABEL.match(label):
        raise KeyStoreError("keystore_bad_label", f"invalid key label {label!r}")
    return label


def new_private_key(algorithm: KeyAlgorithm) -> PrivateKey:
    if algorithm.is_rsa:
        return rsa.generate_private_key(public_exponent=65537, key_size=algorithm.rsa_bits)
    curve: ec.EllipticCurve = ec.SECP256R1() if algorithm.curve == "secp256r1" else ec.SECP384R1()
    return ec.generate_private_key(curve)


def sign_with_private_key(key: PrivateKey, digest: bytes, scheme: SignatureScheme) -> bytes:
    """Sign a digest with an in-memory key (file store; also used by tests' own signers)."""
    hash_algo = _HASHES[scheme.digest]()
    prehashed = utils.Prehashed(hash_algo)
    if len(digest) != hash_algo.digest_size:
        raise KeyStoreError("keystore_bad_digest", "digest length does not match its algorithm")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if scheme.padding != "ecdsa":
            raise KeyStoreError("keystore_bad_scheme", "an EC key signs with ECDSA only")
        return key.sign(digest, ec.ECDSA(prehashed))
    if scheme.padding == "pss":
        pss = padding.PSS(mgf=padding.MGF1(hash_algo), salt_length=hash_algo.digest_size)
        return key.sign(digest, pss, prehashed)
    if scheme.padding == "pkcs1v15":
        return key.sign(digest, padding.PKCS1v15(), prehashed)
    raise KeyStoreError("keystore_bad_scheme", "an RSA key signs with PKCS#1 v1.5 or PSS")


def public_key_info(key: PrivateKey) -> keys.PublicKeyInfo:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return keys.PublicKeyInfo.load(der)


class FileKeyStore:
    def __init__(self, folder: Path, passphrase: bytes) -> None:
        if len(passphrase) < 16:
            raise KeyStoreError("keystore_weak_passphrase", "key passphrase is too short")
        self._folder = folder
        self._passphrase = passphrase
        self._cache: dict[str, PrivateKey] = {}
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, label: str) -> Path:
        return self._folder / f"{check_label(label)}.p8"

    def exists(self, label: str) -> bool:
        return self._path(label).exists()

    def generate(self, label: str, algorithm: KeyAlgorithm) -> keys.PublicKeyInfo:
        path = self._path(label)
        if path.exists():
            raise PkiConflictError("keystore_label_exists", f"key {label} already exists")
        key = new_private_key(algorithm)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")  # one per writer
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # unlike a rename, never replaces a key another process wrote
        except FileExistsError as exc:
            raise PkiConflictError("keystore_label_exists", f"key {label} already exists") from exc
        finally:
            tmp.unlink()
        with self._lock:
            self._cache[label] = key
        return public_key_info(key)

    def _load(self, label: str) -> PrivateKey:
        with self._lock:
            cached = self._cache.get(label)
            if cached is not None:
                return cached
            path = self._path(label)
            if not path.exists():
                raise KeyStoreError("keystore_key_missing", f"no key {label} in the key store")
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), self._passphrase)
            except ValueError as exc:
                raise KeyStoreError(
                    "keystore_locked", "cannot decrypt key file (wrong passphrase?)"
                ) from exc
            if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
                raise KeyStoreError("keystore_bad_key", f"key {label} has an unsupported type")
            self._cache[label] = key
            return key

    def public_key(self, label: str) -> keys.PublicKeyInfo:
        return public_key_info(self._load(label))

    def algorithm(self, label: str) -> KeyAlgorithm:
        return algorithm_of(self.public_key(label))

    def sign_digest(self, label: str, digest: bytes, scheme: SignatureScheme) -> bytes:
        return sign_with_private_key(self._load(label), digest, scheme)

    def destroy(self, label: str) -> None:
        with self._lock:
            self._cache.pop(label, None)
        self._path(label).unlink(missing_ok=True)
