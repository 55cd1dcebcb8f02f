"""Signing with producers that are neither kyso nor pyHanko: endesive (PyPI), and CMS surgery.

endesive writes its own incremental updates (with pypdf) and its own CMS structures (with
asn1crypto and cryptography), as many Python e-government tools do.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol, cast

import endesive
from asn1crypto import algos, cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pypdf import generic

from tests.verify.foreign_keys import ForeignSigner


class _EndesiveCms(Protocol):
    def sign(self, datau: bytes, udct: dict[str, object], key: object, cert: object,
             othercerts: list[object], algomd: str = ..., hsm: object = ...,
             tspurl: str | None = ...) -> bytes: ...  # fmt: skip

    def timestamp(self, datau: bytes, udct: dict[str, object], algomd: str = ...,
                  tspurl: str | None = ...) -> bytes: ...  # fmt: skip


class _Dictionary(generic.DictionaryObject):
    def write_to_stream(self, stream: IO[bytes], encryption_key: object = None) -> None:
        super().write_to_stream(stream)


class _Stream(generic.StreamObject):
    def write_to_stream(self, stream: IO[bytes], encryption_key: object = None) -> None:
        super().write_to_stream(stream)


class _Name(generic.NameObject):
    def write_to_stream(self, stream: IO[bytes], encryption_key: object = None) -> None:
        if not self.startswith("/"):  # endesive writes the /W and /Index arrays as names
            stream.write(self.encode())
            return
        super().write_to_stream(stream)


class _PypdfGeneric(types.ModuleType):
    """pypdf.generic as endesive 3.0.1 expects it: it writes its trailers with
    ``write_to_stream(stream, None)``, an argument pypdf 6 removed, and the arrays of its
    xref streams as names ("[1 8 0]"), which pypdf 6 refuses to write."""

    DictionaryObject = _Dictionary
    StreamObject = _Stream
    NameObject = _Name

    def __getattr__(self, name: str) -> object:
        return getattr(generic, name)


def _endesive_cms() -> _EndesiveCms:
    """endesive.pdf.cms, the signer, without endesive.pdf's ``__init__``: that one imports
    endesive's verifier, hence oscrypto, and oscrypto 1.3.0 cannot parse the version string
    of OpenSSL 3.0.1x (its ``LibraryNotFoundError``); the signer itself needs no oscrypto."""
    if "endesive.pdf" not in sys.modules:
        package = types.ModuleType("endesive.pdf")
        package.__path__ = [str(Path(endesive.__file__).parent / "pdf")]
        sys.modules["endesive.pdf"] = package
    module = importlib.import_module("endesive.pdf.cms")
    if not isinstance(module.po, _PypdfGeneric):
        module.po = _PypdfGeneric("pypdf.generic")
    return cast(_EndesiveCms, module)


def _udct(field: str, **extra: object) -> dict[str, object]:
    when = datetime.now(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    base: dict[str, object] = {
        "sigflags": 3, "sigfield": field, "auto_sigfield": True, "contact": "ky@example.vn",
        "location": "Hà Nội", "signingdate": when, "reason": "Phê duyệt",
    }  # fmt: skip
    base.update(extra)
    return base


def endesive_sign(pdf: bytes, signer: ForeignSigner, field: str, *, digest: str = "sha256",
                  tsa: str | None = None, **extra: object) -> bytes:  # fmt: skip
    """``pdf`` with one more signature (an incremental update written by endesive).
    ``extra``: endesive's options (``pss``, ``ltv``, ``sigandcertify``, ``signaturebox`` ...)."""
    appended = _endesive_cms().sign(
        pdf, _udct(field, **extra), signer.key, signer.cert, list(signer.chain), digest,
        None, tsa,
    )  # fmt: skip
    return pdf + appended


def endesive_timestamp(pdf: bytes, field: str, tsa: str) -> bytes:
    """``pdf`` with a document time-stamp (ETSI.RFC3161) from the TSA at ``tsa``."""
    return pdf + _endesive_cms().timestamp(pdf, _udct(field), "sha256", tsa)


# -- CMS surgery: signed attributes that are not DER -----------------------------------------

_CONTENTS = re.compile(rb"/Contents\s*<([0-9A-Fa-f]+)>")


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _reordered(attrs: cms.CMSAttributes) -> bytes:
    """The attributes as a [0] SET OF in descending order (DER wants ascending)."""
    encodings = sorted((a.dump() for a in attrs), reverse=True)
    assert encodings != sorted(encodings), "needs two different attributes"
    return tlv(0xA0, b"".join(encodings))


def _long_lengths(attrs: cms.CMSAttributes) -> bytes:
    """The attributes in DER order under a header whose length takes 4 bytes (BER)."""
    content = attrs.contents
    return b"\xa0\x84" + len(content).to_bytes(4, "big") + content


def _sign(signer: ForeignSigner, data: bytes, pss: bool = False) -> bytes:
    key = signer.key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    assert isinstance(key, rsa.RSAPrivateKey)
    if pss:
        pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    else:
        pad = padding.PKCS1v15()
    return key.sign(data, pad, hashes.SHA256())


def with_non_der_signed_attrs(pdf: bytes, signer: ForeignSigner, how: str, *,
                              resign: bool) -> bytes:  # fmt: skip
    """The last signature of ``pdf`` with its signed attributes re-encoded as non-DER
    (``how``: "order" for a SET OF out of order, "length" for a long-form length).

    ``resign``: sign the non-DER bytes with the signer's key (the signature value then
    verifies over the bytes as they stand, not over their DER encoding); otherwise sign
    their DER encoding."""
    match = list(_CONTENTS.finditer(pdf))[-1]
    hex_value = match.group(1)
    raw = bytes.fromhex(hex_value.decode())
    info = cms.ContentInfo.load(raw)
    signed_data = info["content"]
    signer_info = signed_data["signer_infos"][0]
    attrs = signer_info["signed_attrs"]
    encoded = {"order": _reordered, "length": _long_lengths, "der": cms.CMSAttributes.dump}[how](
        attrs
    )
    # RFC 5652 5.4: what is signed is the SET OF under its universal tag
    signed = b"\x31" + (encoded if resign else attrs.dump())[1:]
    algorithm = signer_info["signature_algorithm"]
    if isinstance(signer.key, ec.EllipticCurvePrivateKey):
        # endesive names rsassa_pkcs1v15 for ECDSA signatures too: name it right here
        algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    signature = _sign(signer, signed, algorithm.signature_algo == "rsassa_pss")
    parts = [signer_info[name].dump() for name in ("version", "sid", "digest_algorithm")]
    parts += [encoded, algorithm.dump(), tlv(0x04, signature)]
    parts.append(signer_info["unsigned_attrs"].dump())
    new_signer_info = tlv(0x30, b"".join(parts))
    fields = ("version", "digest_algorithms", "encap_content_info", "certificates", "crls")
    body = b"".join(signed_data[name].dump() for name in fields)
    new_signed_data = tlv(0x30, body + tlv(0x31, new_signer_info))
    new_info = tlv(0x30, info["content_type"].dump() + tlv(0xA0, new_signed_data))
    new_hex = new_info.hex().encode()
    assert len(new_hex) <= len(hex_value), "the CMS no longer fits its placeholder"
    new_hex += b"0" * (len(hex_value) - len(new_hex))
    return pdf[: match.start(1)] + new_hex + pdf[match.end(1) :]


def with_der_signed_attrs_signed_again(pdf: bytes, signer: ForeignSigner) -> bytes:
    """The same surgery with the DER encoding kept (the control of the non-DER cases)."""
    return with_non_der_signed_attrs(pdf, signer, "der", resign=False)
