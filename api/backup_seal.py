"""Secrets in a backup, sealed with a passphrase the operator gives (never one stored beside it).

A sealed blob is ``kyso-sealed-1`` and a JSON header on one line each, then AES-256-GCM
ciphertext; the key comes from the passphrase through scrypt (RFC 7914) with a random salt, and
the two header lines are the associated data, so a changed parameter fails like a wrong
passphrase does.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from common.errors import InputError

MAGIC = b"kyso-sealed-1"
#: shortest passphrase accepted for sealing (the scrypt cost makes each guess expensive)
MIN_PASSPHRASE = 12
#: scrypt cost: 2^17 x 8 x 128 bytes = 128 MiB and about half a second per guess
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 17, 8, 1


def _key(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def check_passphrase(passphrase: bytes) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(
            "backup_passphrase_weak", f"the backup passphrase needs {MIN_PASSPHRASE}+ characters"
        )


def seal(data: bytes, passphrase: bytes) -> bytes:
    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    header = json.dumps(
        {
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(),
            "nonce": base64.b64encode(nonce).decode(),
            "cipher": "AES-256-GCM",
        },
        sort_keys=True,
    ).encode()
    aad = MAGIC + b"\n" + header + b"\n"
    key = _key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return aad + AESGCM(key).encrypt(nonce, data, aad)


def unseal(blob: bytes, passphrase: bytes) -> bytes:
    magic, _, rest = blob.partition(b"\n")
    header, _, ciphertext = rest.partition(b"\n")
    if magic != MAGIC:
        raise InputError("backup_invalid", "the sealed secrets are not in a known format")
    try:
        params = json.loads(header)
        salt = base64.b64decode(params["salt"])
        nonce = base64.b64decode(params["nonce"])
        n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError("backup_invalid", "the sealed secrets' header is damaged") from exc
    if params.get("kdf") != "scrypt" or not (1 << 14 <= n <= 1 << 20) or r > 16 or p > 4:
        raise InputError("backup_invalid", "the sealed secrets' parameters are not kyso's")
    aad = magic + b"\n" + header + b"\n"
    try:
        return AESGCM(_key(passphrase, salt, n, r, p)).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise InputError(
            "backup_passphrase_wrong", "wrong backup passphrase (or damaged secrets)"
        ) from exc
