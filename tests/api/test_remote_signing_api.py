"""The Cloud Signature Consortium API (``/csc/v2``) a phone app uses to sign with a key kept by
kyso, and kyso's own enrolment and replacement routes (``/api/v1/credentials``), driven over
HTTP against a running ``kyso serve``: what an attacker holding a citizen's password can try,
concurrent approvals, one answer for every wrong PIN or code, replacement."""

from __future__ import annotations

import base64
import hashlib
import secrets
import stat
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pyotp
import pytest
from apitools import PASSWORD, PIN, enrol_credential, totp_of
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from servetools import Served, kyso_served

from api.accounts.service import Role

DIGEST = base64.b64encode(hashlib.sha256(b"ho so xin cap phep").digest()).decode()
ECDSA_SHA256 = "1.2.840.10045.4.3.2"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # the per-address limits would refuse the concurrent tests; lockouts still apply
    limits = {"KYSO_RATE_PIN_PER_MINUTE": "100000", "KYSO_RATE_LOGIN_PER_MINUTE": "100000"}
    with kyso_served(tmp_path_factory.mktemp("csc"), limits) as running:
        yield running


@dataclass
class Citizen:
    username: str
    headers: dict[str, str]
    serial: str
    credential: str
    totp: pyotp.TOTP


def _bearer(http: httpx.Client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in over HTTP: all that a password (or a stolen token) gives."""
    answer = http.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _citizen(served: Served, http: httpx.Client) -> Citizen:
    """A new citizen asks for a certificate, an official approves, the citizen enrols."""
    username = f"cd-{secrets.token_hex(4)}"
    served.kyso.services.accounts.create_user(username, PASSWORD, Role.CITIZEN, "Nguyễn Thị Hoa")
    headers = _bearer(http, username)
    cccd = f"001{secrets.randbelow(10**9):09d}"
    credential, totp, serial = enrol_credential(http, headers, _bearer(http, "official1"), cccd)
    return Citizen(username, headers, serial, credential, totp)


def _authorize(
    http: httpx.Client, who: Citizen, pin: str, otp: str, credential: str | None = None
) -> httpx.Response:
    return http.post(
        "/csc/v2/credentials/authorize",
        json={
            "credentialID": credential or who.credential,
            "numSignatures": 1,
            "hashes": [DIGEST],
            "authData": [{"id": "PIN", "value": pin}, {"id": "OTP", "value": otp}],  # v2
        },
        headers=who.headers,
    )


def _sign(http: httpx.Client, who: Citizen, sad: str, credential: str | None = None) -> int:
    return http.post(
        "/csc/v2/signatures/signHash",
        json={
            "credentialID": credential or who.credential,
            "SAD": sad,
            "hashes": [DIGEST],
            "signAlgo": ECDSA_SHA256,
        },
        headers=who.headers,
    ).status_code


def _next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step (accepted: one step of drift), for a second approval."""
    return totp.at(time.time() + 30)


def _wrong_code(totp: pyotp.TOTP) -> str:
    taken = {totp.at(time.time() + 30 * step) for step in range(-21, 3)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in taken)


def _audit(served: Served) -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from archive.catalog import tables

    log = tables.audit_log
    with served.kyso.services.engine.connect() as conn:
        rows = conn.execute(select(log.c.actor, log.c.action, log.c.subject)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_pin_and_one_time_code_approve_exactly_the_listed_hashes(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
        listed = http.post("/csc/v2/credentials/list", headers=citizen.headers).json()
        assert listed == {"credentialIDs": [citizen.credential]}
        sad = _authorize(http, citizen, PIN, citizen.totp.now())
        assert sad.status_code == 200, sad.text
        signed = http.post(
            "/csc/v2/signatures/signHash",
            json={
                "credentialID": citizen.credential,
                "SAD": sad.json()["SAD"],
                "hashes": [DIGEST],
                "signAlgo": ECDSA_SHA256,
            },
            headers=citizen.headers,
        )
        assert signed.status_code == 200, signed.text
        pem = http.get(f"/api/v1/certificates/{citizen.serial}").json()["pem"]
        public = x509.load_pem_x509_certificate(pem.encode()).public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        value = base64.b64decode(signed.json()["signatures"][0])
        public.verify(value, b"ho so xin cap phep", ec.ECDSA(hashes.SHA256()))
        assert _sign(http, citizen, sad.json()["SAD"]) == 403  # each hash once


def test_a_password_alone_cannot_enrol_a_second_credential_nor_sign(served: Served) -> None:
    """Issue 19 item 1: with the citizen's password, an attacker enrolled a credential of
    their own (their PIN, their TOTP seed) and signed as the citizen."""
    with served.client() as http:
        citizen = _citizen(served, http)
        stolen = _bearer(http, citizen.username)  # the attacker signs in with the password
        attacker = Citizen(
            citizen.username, stolen, citizen.serial, citizen.credential, citizen.totp
        )
        again = http.post(
            "/api/v1/credentials/enrol",
            json={"serial": citizen.serial, "PIN": "135790"},
            headers=stolen,
        )
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] == "credential_exists"
        listed = http.post("/csc/v2/credentials/list", headers=stolen).json()
        assert listed == {"credentialIDs": [citizen.credential]}
        guessed = _authorize(http, attacker, "135790", _wrong_code(citizen.totp))
        assert guessed.status_code == 401
        assert guessed.json()["error"] == "authorization_failed"  # the CSC error shape
        replaced = http.post(
            "/api/v1/credentials/replace",
            json={
                "credentialID": citizen.credential,
                "PIN": "135790",
                "OTP": _wrong_code(citizen.totp),
                "newPIN": "135790",
            },
            headers=stolen,
        )
        assert replaced.status_code == 401
        assert replaced.json()["error"]["code"] == "authorization_failed"
        desk = http.post(
            "/api/v1/credentials/desk-replace",
            json={"serial": citizen.serial, "PIN": "135790"},
            headers=stolen,
        )
        assert desk.status_code == 403
        assert _authorize(http, citizen, PIN, citizen.totp.now()).status_code == 200


def test_every_wrong_pin_or_code_gets_one_answer_and_five_lock(served: Served) -> None:
    """Issue 19 item 7: ``pin_invalid`` vs ``otp_invalid`` told which half was wrong."""
    with served.client() as http:
        citizen = _citizen(served, http)
        used = citizen.totp.now()
        assert _authorize(http, citizen, PIN, used).status_code == 200
        answers = [
            _authorize(http, citizen, "000000", _next_code(citizen.totp)),  # wrong PIN
            _authorize(http, citizen, PIN, _wrong_code(citizen.totp)),  # wrong code
            _authorize(http, citizen, PIN, citizen.totp.at(time.time() - 240)),  # expired
            _authorize(http, citizen, PIN, used),  # replayed
        ]
        failed = {
            "error": "authorization_failed",
            "error_description": "wrong PIN or one-time code",
        }
        assert [(a.status_code, a.json()) for a in answers] == [(401, failed)] * 4
        records = served.kyso.services.remote_signing.approvals(citizen.credential)
        reasons = [reason for event, reason, _h in records if event == "refused"]
        assert reasons == ["pin_invalid", "otp_invalid", "otp_expired", "otp_replayed"]
        assert _authorize(http, citizen, "000000", citizen.totp.now()).status_code == 401
        locked = _authorize(http, citizen, PIN, _next_code(citizen.totp))
        assert (locked.status_code, locked.json()["error"]) == (423, "account_locked")


def test_one_code_sent_six_times_at_once_gives_one_approval(served: Served) -> None:
    """Issue 19 item 5: six concurrent approvals with one code gave six SADs."""
    with served.client() as http:
        citizen = _citizen(served, http)
    code = citizen.totp.now()

    def send(_: int) -> httpx.Response:
        with served.client() as own:
            return _authorize(own, citizen, PIN, code)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 1, [a.text for a in answers]
    assert set(statuses) - {200} <= {401, 423}
    records = served.kyso.services.remote_signing.approvals(citizen.credential)
    assert [event for event, _r, _h in records].count("authorized") == 1


def test_twelve_wrong_pins_at_once_are_counted_and_lock(served: Served) -> None:
    """Issue 19 item 5: twelve concurrent wrong PINs moved the failure counter by 2."""
    with served.client() as http:
        citizen = _citizen(served, http)
    code = citizen.totp.now()

    def send(_: int) -> httpx.Response:
        with served.client() as own:
            return _authorize(own, citizen, "000000", code)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(send, range(12)))
    assert sorted(a.status_code for a in answers) == [401] * 5 + [423] * 7
    records = served.kyso.services.remote_signing.approvals(citizen.credential)
    assert [r for e, r, _h in records if e == "refused"].count("pin_invalid") == 5
    with served.client() as http:
        assert _authorize(http, citizen, PIN, code).status_code == 423


def _notices(http: httpx.Client, who: Citizen) -> list[str]:
    return [n["text"] for n in http.get("/api/v1/notifications", headers=who.headers).json()]


def test_the_holder_replaces_a_credential_with_pin_and_code(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
        outstanding = _authorize(http, citizen, PIN, citizen.totp.now()).json()["SAD"]
        answer = http.post(
            "/api/v1/credentials/replace",
            json={
                "credentialID": citizen.credential,
                "PIN": PIN,
                "OTP": _next_code(citizen.totp),
                "newPIN": "975312",
            },
            headers=citizen.headers,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["replacedID"] == citizen.credential
        new = answer.json()["credentialID"]
        assert _sign(http, citizen, outstanding) == 404  # the old SAD died with its credential
        assert _authorize(http, citizen, PIN, citizen.totp.now()).status_code == 404
        assert _authorize(http, citizen, "975312", totp_of(answer).now(), new).status_code == 200
        assert any("thay thế" in text for text in _notices(http, citizen))
    assert (citizen.username, "credential.replaced", citizen.credential) in _audit(served)


def test_the_desk_replaces_a_lost_phone_and_the_old_credential_stops(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
        outstanding = _authorize(http, citizen, PIN, citizen.totp.now()).json()["SAD"]
        answer = http.post(
            "/api/v1/credentials/desk-replace",
            json={"serial": citizen.serial, "PIN": "864200"},
            headers=_bearer(http, "official1"),
        )
        assert answer.status_code == 201, answer.text
        new = answer.json()["credentialID"]
        listed = http.post("/csc/v2/credentials/list", headers=citizen.headers).json()
        assert listed == {"credentialIDs": [new]}
        assert _sign(http, citizen, outstanding) == 404
        sad = _authorize(http, citizen, "864200", totp_of(answer).now(), new)
        assert sad.status_code == 200, sad.text
        assert _sign(http, citizen, sad.json()["SAD"], new) == 200
        assert any("thay thế" in text for text in _notices(http, citizen))
    assert ("official1", "credential.replaced", citizen.credential) in _audit(served)


def test_the_desk_page_replaces_a_credential_and_shows_the_new_code(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
        csrf = http.get("/login").cookies["kyso_csrf"]
        signed_in = http.post(
            "/login",
            data={"username": "official1", "password": PASSWORD, "csrf_token": csrf},
        )
        assert signed_in.status_code == 303
        listed = http.get("/officer/enrolments")
        enrolments = served.kyso.services.enrolment.list("issued")
        [mine] = [e for e in enrolments if e.serial == citizen.serial]
        assert f"/officer/credentials/{mine.id}/replace" in listed.text
        # signed in, the page's forms carry the session's own CSRF token
        csrf = listed.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        shown = http.post(
            f"/officer/credentials/{mine.id}/replace",
            data={"pin": "864200", "csrf_token": csrf},
        )
        assert shown.status_code == 200 and 'id="otp-setup"' in shown.text, shown.text[-3000:]
        assert "data:image/png;base64," in shown.text
        listed_now = http.post("/csc/v2/credentials/list", headers=citizen.headers).json()
        assert listed_now["credentialIDs"] != [citizen.credential]


def test_no_seed_is_stored_in_clear_and_its_key_is_the_owners_only(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
    files = [served.data / name for name in ("kyso.db", "kyso.db-wal", "kyso.db-shm")]
    contents = b"".join(path.read_bytes() for path in files if path.exists())
    assert contents and citizen.totp.secret.encode() not in contents
    key = served.data / "secrets" / "otp-seed.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(base64.b64decode(key.read_bytes(), validate=True)) == 32


def test_other_people_cannot_use_or_enrol_a_citizens_certificate(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
        other = f"cd-{secrets.token_hex(4)}"
        served.kyso.services.accounts.create_user(other, PASSWORD, Role.CITIZEN, "Người khác")
        headers = _bearer(http, other)
        info = http.post(
            "/csc/v2/credentials/info",
            json={"credentialID": citizen.credential},
            headers=headers,
        )
        assert info.status_code == 404
        steal = http.post(
            "/api/v1/credentials/enrol",
            json={"serial": citizen.serial, "PIN": "135790"},
            headers=headers,
        )
        assert steal.status_code == 403
        assert steal.json()["error"]["code"] == "certificate_not_yours"
        officials = http.post("/csc/v2/credentials/list", headers=_bearer(http, "official1"))
        assert officials.status_code == 403
