"""The read-only view of kyso's PKI (sqlite3) reads and answers what the ORM does."""

from __future__ import annotations

import hashlib
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from asn1crypto import crl, ocsp, x509

from certs.errors import PkiNotFoundError
from certs.ocsp import OcspResponder
from certs.pki import AUTHORITIES, Pki
from certs.pki_view import SqlitePkiView
from certs.records import RevocationStatus
from certs.revocation import Revocation
from common.clock import FrozenClock


class CountingRevocation:
    """The ORM's CRL signer, counting what it was asked."""

    def __init__(self, revocation: Revocation) -> None:
        self.revocation, self.asked = revocation, 0

    def crl(self, ca: str) -> bytes:
        self.asked += 1
        return self.revocation.crl(ca)

    def status(self, ca: str, serial: int) -> RevocationStatus:
        raise AssertionError("the view answers statuses itself")


def _view(pki: Pki, tmp_path: Path) -> tuple[SqlitePkiView, CountingRevocation]:
    writer = CountingRevocation(Revocation(pki))
    view = SqlitePkiView(tmp_path / "kyso.db", pki.keystore, pki.options, pki.clock,
                         lambda: writer)  # fmt: skip
    return view, writer


def _request(issuer: x509.Certificate, serial: str) -> bytes:
    cert_id = ocsp.CertId({
        "hash_algorithm": {"algorithm": "sha256"},
        "issuer_name_hash": hashlib.sha256(issuer.subject.dump()).digest(),
        "issuer_key_hash": issuer.public_key.sha256,
        "serial_number": int(serial, 16),
    })  # fmt: skip
    request = ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}})
    return bytes(request.dump())


def _answer(response: bytes) -> tuple[object, object, bytes]:
    basic = ocsp.OCSPResponse.load(response).basic_ocsp_response
    data = basic["tbs_response_data"]
    return data["responses"][0]["cert_status"].native, data["produced_at"].native, data.dump()


def test_the_view_reads_the_trust_material_the_orm_reads(sqlite_pki: Pki, tmp_path: Path) -> None:
    view, _ = _view(sqlite_pki, tmp_path)
    assert view.is_initialised()
    dump = [cert.dump() for cert in view.trust_anchors()]
    assert dump == [cert.dump() for cert in sqlite_pki.trust_anchors()]
    rows = sqlite_pki.authorities()
    others = [sqlite_pki.authority_certificate(r.name) for r in rows if r.parent]
    assert [c.dump() for c in view.intermediate_certificates()] == [c.dump() for c in others]
    assert len(others) == 2
    for ca, _parent, _display in AUTHORITIES:
        assert view.authority_certificate(ca).dump() == sqlite_pki.authority_certificate(ca).dump()
        assert view.ocsp_responder(ca) == sqlite_pki.ocsp_responder(ca) is not None
    with pytest.raises(PkiNotFoundError):
        view.authority_certificate("nobody")


def test_the_view_answers_ocsp_as_the_orm_does_good_revoked_and_unknown(
    sqlite_pki: Pki, tmp_path: Path
) -> None:
    sqlite_pki.clock = FrozenClock()
    view, _ = _view(sqlite_pki, tmp_path)
    revocation = Revocation(sqlite_pki)
    orm, readonly = OcspResponder(sqlite_pki, revocation), OcspResponder(view, view)
    issued = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", "001203004567")
    request = _request(sqlite_pki.authority_certificate("citizen"), issued.serial)
    assert _answer(readonly.respond(request)) == _answer(orm.respond(request))
    assert _answer(readonly.respond(request))[0] == "good"
    revocation.revoke(issued.serial, "key_compromise")
    assert _answer(readonly.respond(request)) == _answer(orm.respond(request))
    status = _answer(readonly.respond(request))[0]
    assert isinstance(status, dict) and status["revocation_reason"] == "key_compromise"
    # a serial the CA never issued, and one issued by another CA
    assert view.status("citizen", 12345).status == revocation.status("citizen", 12345).status
    assert view.status("officials", int(issued.serial, 16)).status == "unknown"


def test_a_stale_crl_is_signed_by_the_orm_and_a_fresh_one_read_from_the_file(
    sqlite_pki: Pki, tmp_path: Path
) -> None:
    view, writer = _view(sqlite_pki, tmp_path)
    first = view.crl("citizen")  # none stored yet: signed (and stored) through the ORM
    assert writer.asked == 1
    assert view.crl("citizen") == first == Revocation(sqlite_pki).crl("citizen")
    assert writer.asked == 1  # fresh: read from the file
    gone = sqlite_pki.issue_citizen("Trần Văn Đức", "079090001234")
    Revocation(sqlite_pki).revoke(gone.serial, "superseded")
    listed = crl.CertificateList.load(view.crl("citizen"))  # stale after a revocation
    assert writer.asked == 2
    entries = listed["tbs_cert_list"]["revoked_certificates"]
    assert [format(e["user_certificate"].native, "x") for e in entries] == [gone.serial]
    with pytest.raises(PkiNotFoundError):
        view.crl("nobody")


def _status_in_child(view: SqlitePkiView, serial: int, conn: Connection) -> None:
    conn.send(view.status("citizen", serial).status)


def test_a_forked_child_reads_through_a_connection_of_its_own(
    sqlite_pki: Pki, tmp_path: Path
) -> None:
    view, _ = _view(sqlite_pki, tmp_path)
    issued = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", "001203004567")
    assert view.status("citizen", int(issued.serial, 16)).status == "good"  # parent's connection
    Revocation(sqlite_pki).revoke(issued.serial, "superseded")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_status_in_child, args=(view, int(issued.serial, 16), sender))
    child.start()
    assert receiver.recv() == "revoked"  # each query sees what was committed before it
    child.join(10)
    assert child.exitcode == 0
    view.close()
    assert view.status("citizen", int(issued.serial, 16)).status == "revoked"  # reopened
