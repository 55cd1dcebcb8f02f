"""Certification, several signatures on one result, and the inputs signing must refuse."""

from __future__ import annotations

import asyncio
import hashlib
from io import BytesIO

import pikepdf
import pytest

from signing.errors import SigningConflictError, SigningInputError, WeakAlgorithmError
from signing.extend import extend_to_lta
from signing.options import Level, Placement, ReservedField, SignOptions, StampKind
from signing.policy import check_digest, check_public_key
from tests.signing.checks import lta_indications, pdfsig, statuses
from tests.signing.conftest import Kit, make_pdf


def test_seal_certified_official_and_citizen_signed_result_keeps_all_three_valid(
    kit: Kit,
) -> None:
    pdf = make_pdf(2)
    seal = asyncio.run(
        kit.signer(kit.seal.serial).sign(
            pdf,
            SignOptions(
                level=Level.B_T,
                certify=True,
                stamp=kit.stamp(kit.seal, StampKind.OFFICIAL),
                reason="Chứng thực kết quả",
                placement=Placement(2, (300, 700, 570, 790)),
                reserve=(
                    ReservedField("KyCanBo", Placement(2, (300, 600, 570, 690))),
                    ReservedField("KyCongDan", Placement(2, (30, 600, 290, 690))),
                ),
            ),
        )
    )
    assert seal.certified and seal.pdf is not None
    official = asyncio.run(
        kit.signer(kit.official.serial).sign(
            seal.pdf,
            SignOptions(
                level=Level.B_T,
                field_name="KyCanBo",
                stamp=kit.stamp(kit.official, StampKind.OFFICIAL),
            ),
        )
    )
    assert official.pdf is not None
    citizen = asyncio.run(
        kit.signer(kit.citizen.serial).sign(
            official.pdf,
            SignOptions(
                level=Level.B_LT,
                field_name="KyCongDan",
                stamp=kit.stamp(kit.citizen, StampKind.CITIZEN),
            ),
        )
    )
    assert citizen.pdf is not None
    found = statuses(citizen.pdf, kit.pki.trust_anchors())
    assert len(found) == 3
    assert all(s.bottom_line for s in found), [s.pretty_print_details() for s in found]
    assert found[0].docmdp_ok is not False
    _save_artifact(citizen.pdf, "three-signatures")
    peers = pdfsig(citizen.pdf, kit.root_pem)
    assert [p["Signature Validation"] for p in peers] == ["Signature is Valid."] * 3
    assert [p["Certificate Validation"] for p in peers] == ["Certificate is Trusted."] * 3
    # archiving the result: B-LTA over all three keeps every signature valid
    archived = asyncio.run(extend_to_lta(BytesIO(citizen.pdf), kit.context))
    assert archived.pdf is not None
    again = statuses(archived.pdf, kit.pki.trust_anchors())
    assert all(s.bottom_line for s in again), [s.pretty_print_details() for s in again]
    assert lta_indications(archived.pdf, kit.pki.trust_anchors()) == ["AdESPassed.OK"] * 3


def test_certifying_an_already_signed_document_is_refused(kit: Kit, one_page: bytes) -> None:
    first = asyncio.run(kit.signer(kit.citizen.serial).sign(one_page, SignOptions()))
    assert first.pdf is not None
    with pytest.raises(SigningConflictError) as caught:
        asyncio.run(kit.signer(kit.seal.serial).sign(first.pdf, SignOptions(certify=True)))
    assert caught.value.code == "signing_certify_signed"


def test_signature_in_a_given_box_on_a_given_page(kit: Kit) -> None:
    pdf = make_pdf(3)
    done = asyncio.run(
        kit.signer(kit.official.serial).sign(
            pdf,
            SignOptions(
                stamp=kit.stamp(kit.official, StampKind.OFFICIAL),
                placement=Placement(2, (50, 50, 330, 140)),
                field_name="KyDuyet",
            ),
        )
    )
    assert done.field_name == "KyDuyet" and done.pdf is not None
    with pikepdf.open(BytesIO(done.pdf)) as doc:
        annots = [a for a in doc.pages[1].get("/Annots", []) if a.get("/FT") == "/Sig"]
        assert [float(v) for v in annots[0].Rect] == [50, 50, 330, 140]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04 not a pdf at all", "pdf_not_a_pdf"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF", "pdf_broken"),
        # inputs the verifier's fuzzer found (pyHanko's assert on the catalog, Decimal("1..2"))
        (
            b"%PDF-1.7\n1 0 obj\n42\nendobj\ntrailer\n<< /Root 1 0 R /Size 2 >>\n%%EOF\n",
            "pdf_broken",
        ),
        (
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 1..2 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R /Size 3 >>\n%%EOF\n",
            "pdf_broken",
        ),
    ],
)
def test_non_pdf_and_broken_input_get_a_clear_error(kit: Kit, data: bytes, code: str) -> None:
    with pytest.raises(SigningInputError) as caught:
        asyncio.run(kit.signer(kit.citizen.serial).sign(data, SignOptions()))
    assert caught.value.code == code


def test_encrypted_input_is_refused_and_left_untouched(kit: Kit, tmp_path) -> None:
    source = tmp_path / "secret.pdf"
    with pikepdf.open(BytesIO(make_pdf())) as doc:
        doc.save(source, encryption=pikepdf.Encryption(owner="o", user="u"))
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    with source.open("rb") as stream, pytest.raises(SigningInputError) as caught:
        asyncio.run(kit.signer(kit.citizen.serial).sign_stream(stream, BytesIO(), SignOptions()))
    assert caught.value.code == "pdf_encrypted"
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


def test_weak_keys_and_digests_are_refused() -> None:
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def info(key) -> keys.PublicKeyInfo:
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return keys.PublicKeyInfo.load(der)

    with pytest.raises(WeakAlgorithmError):
        check_public_key(info(rsa.generate_private_key(65537, 1024)))
    with pytest.raises(WeakAlgorithmError):
        check_public_key(info(ec.generate_private_key(ec.SECP192R1())))
    with pytest.raises(WeakAlgorithmError):
        check_digest("sha1")
    check_public_key(info(ec.generate_private_key(ec.SECP384R1())))
    check_digest("sha384")


@pytest.mark.parametrize("pss", [False, True], ids=["pkcs1v15", "pss"])
def test_rsa_signatures_validate(tmp_path, pss: bool) -> None:
    from api.database import make_engine, migrate
    from certs.keys import KeyAlgorithm
    from certs.keystore_file import FileKeyStore
    from certs.pki import Pki, PkiOptions
    from certs.records import to_pem
    from signing.pades import PadesSigner, SigningContext
    from signing.pki_adapter import signing_key, trust_from_pki

    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    migrate(engine)
    store = FileKeyStore(tmp_path / "keys", b"another-passphrase-123456")
    pki = Pki(engine, store, PkiOptions(key_algorithm=KeyAlgorithm.RSA_2048, use_pss=pss))
    pki.init()
    issued = pki.issue_official("Lê Văn Tám", "Chuyên viên", "Sở Tư pháp Hà Nội")
    signer = PadesSigner(
        store, signing_key(pki, issued.serial, pss=pss), SigningContext(trust_from_pki(pki))
    )
    done = asyncio.run(signer.sign(make_pdf(), SignOptions()))
    assert done.pdf is not None
    [status] = statuses(done.pdf, pki.trust_anchors())
    assert status.bottom_line
    assert status.md_algorithm == "sha256"
    assert ("pss" in status.pkcs7_signature_mechanism) is pss
    root = tmp_path / "root.pem"
    root.write_text(to_pem(pki.trust_anchors()[0]))
    [peer] = pdfsig(done.pdf, root)
    assert peer["Signature Validation"] == "Signature is Valid."
    engine.dispose()


def test_revoked_signer_cannot_sign(kit: Kit, one_page: bytes) -> None:
    from certs.revocation import Revocation

    issued = kit.pki.issue_official("Trần Thị Bích", "Văn thư", "Sở Nội vụ")
    Revocation(kit.pki).revoke(issued.serial, "key_compromise")
    with pytest.raises(SigningInputError) as caught:
        kit.signer(issued.serial)
    assert caught.value.code == "signer_revoked"


def test_a_new_visible_field_after_certification_breaks_docmdp(kit: Kit, one_page: bytes) -> None:
    """Why results reserve fields: pyHanko flags a new visible field added after certifying."""
    sealed = asyncio.run(kit.signer(kit.seal.serial).sign(one_page, SignOptions(certify=True)))
    assert sealed.pdf is not None
    stamp = kit.stamp(kit.official, StampKind.OFFICIAL)
    late = asyncio.run(kit.signer(kit.official.serial).sign(sealed.pdf, SignOptions(stamp=stamp)))
    assert late.pdf is not None
    first, _second = statuses(late.pdf, kit.pki.trust_anchors())
    assert not first.bottom_line


def _save_artifact(pdf: bytes, name: str) -> None:
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"signing-{name}.pdf").write_bytes(pdf)
