"""What remote signing takes and gives: options, enrolments, CSC credential info, SADs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RemoteOptions:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=30)
    sad_lifetime: timedelta = timedelta(minutes=5)
    #: RFC 6238 steps accepted either side of now (clock drift of the phone)
    otp_window: int = 1
    #: at most this many hashes per approval (batch signing)
    max_hashes: int = 500
    issuer_name: str = "kyso"


@dataclass(frozen=True)
class Enrolment:
    credential_id: str
    #: shown once, as a QR code, to the citizen's authenticator app
    provisioning_uri: str
    totp_secret: str
    #: the credential this one replaced (it stopped working at once)
    replaced: str | None = None


@dataclass(frozen=True)
class CredentialInfo:
    """CSC ``credentials/info``."""

    credential_id: str
    status: str  # enabled | locked | replaced | disabled
    cert_serial: str
    auth_mode: str = "explicit"
    factors: tuple[str, ...] = ("PIN", "OTP")
    multisign: int = RemoteOptions.max_hashes


@dataclass(frozen=True)
class Activation:
    """CSC SAD: shown to the caller once; only its hash is stored."""

    sad: str
    expires_at: datetime
    hash_count: int
