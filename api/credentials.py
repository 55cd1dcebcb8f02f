"""Remote-signing credentials as the API and the pages both change them: the change, its
audit-log entry and, when a credential is replaced, the citizen's notification.

A certificate has one credential. The citizen makes it once with their password; replacing it
takes the current PIN and a fresh one-time code, or an officer at the one-stop-shop desk who
checked the citizen's CCCD: a password (or a stolen bearer token) alone never does.
"""

from __future__ import annotations

from api.accounts.service import User
from api.audit import record
from api.wiring import Services
from certs.records import CertificateRecord
from common.errors import InputError, PermissionDeniedError
from signing.remote import Enrolment


def _usable(certificate: CertificateRecord) -> str:
    if certificate.key_label is None or certificate.status != "good":
        raise InputError("certificate_not_usable", "the certificate has no usable key here")
    return certificate.key_label


def enrol_credential(svc: Services, citizen: User, serial: str, pin: str) -> Enrolment:
    """The first credential of a certificate issued to ``citizen``."""
    mine = {e.serial for e in svc.enrolment.list("issued", owner=citizen.username)}
    if serial.lower() not in mine:
        raise PermissionDeniedError(
            "certificate_not_yours", "this certificate was not issued to you"
        )
    certificate = svc.pki.get(serial)
    key_label = _usable(certificate)
    done = svc.remote_signing.enrol(citizen.username, certificate.serial, key_label, pin)
    record(
        svc, citizen.username, "credential.enrolled", done.credential_id, serial=certificate.serial
    )
    return done


def replace_credential(
    svc: Services, citizen: User, credential_id: str, pin: str, otp: str, new_pin: str
) -> Enrolment:
    """By the holder, with the current PIN and a fresh one-time code."""
    done = svc.remote_signing.replace(credential_id, pin, otp, new_pin)
    record(
        svc,
        citizen.username,
        "credential.replaced",
        credential_id,
        credential=done.credential_id,
        via="pin_and_otp",
    )
    svc.notifications.credential_replaced(citizen.username)
    return done


def replace_credential_at_desk(svc: Services, officer: User, serial: str, pin: str) -> Enrolment:
    """The citizen is at the desk (identity checked on the CCCD): their certificate gets a new
    credential with the PIN they type there; the old one stops working at once."""
    certificate = svc.pki.get(serial)
    owner = next(
        (
            e.owner
            for e in svc.enrolment.list("issued")
            if e.serial is not None and e.serial.lower() == certificate.serial.lower()
        ),
        None,
    )
    key_label = _usable(certificate)
    if owner is None:
        raise InputError("certificate_not_usable", "this certificate was not issued to an account")
    done = svc.remote_signing.replace_at_desk(owner, certificate.serial, key_label, pin)
    record(
        svc,
        officer.username,
        "credential.replaced" if done.replaced else "credential.enrolled",
        done.replaced or done.credential_id,
        serial=certificate.serial,
        credential=done.credential_id,
        citizen=owner,
        via="desk",
    )
    svc.notifications.credential_replaced(owner, first=done.replaced is None)
    return done
