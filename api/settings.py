"""Settings: the only place that reads environment variables (prefix ``KYSO_``).

The embedded defaults need no configuration: everything lives under ``KYSO_DATA_DIR``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KYSO_", env_file=None, extra="ignore")

    data_dir: Path = Path("var")
    #: SQLAlchemy URL; default: SQLite under data_dir. ``postgresql+psycopg://...`` in production.
    database_url: str | None = None
    #: the URL other parties reach this service at: goes into certificates (CRL, OCSP, CA
    #: issuers), QR codes and links; unset: where it listens (``http://KYSO_HOST:KYSO_PORT``)
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    #: "json" (one object a line, with request ids) or "text"
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    port: int = 8000
    #: reverse proxies (addresses or networks, comma separated) whose X-Forwarded-For and
    #: X-Forwarded-Proto are believed; empty: none, the connecting address is the client
    trusted_proxies: str = ""
    #: bearer token Prometheus sends for ``/metrics`` (16 characters or more); unset: no /metrics
    metrics_token: SecretStr | None = None

    # keys
    key_algorithm: Literal["ecdsa-p256", "ecdsa-p384", "rsa2048", "rsa3072", "rsa4096"] = (
        "ecdsa-p256"
    )
    keystore: Literal["file", "pkcs11"] = "file"
    #: passphrase of the encrypted key files; default: a random one kept in data_dir/secrets
    key_passphrase: SecretStr | None = None
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token_label: str = "kyso"  # noqa: S105 - a token label, not a secret
    pkcs11_user_pin: SecretStr | None = None

    #: requests a minute per client address: sign-in, PIN approvals, public verification
    rate_login_per_minute: int = 10
    rate_pin_per_minute: int = 10
    rate_verify_per_minute: int = 60
    #: requests one peer agency may make to the exchange (inbox, statuses) per minute
    rate_exchange_per_minute: int = Field(default=120, ge=1)
    #: where the windows are kept: in each API process, or shared by all of them in Redis
    rate_limit_store: Literal["memory", "redis"] = "memory"
    #: processes verifying uploaded PDFs apart from the API process (0: in the API process)
    verify_workers: int = Field(default=2, ge=0, le=64)
    #: bounds on verifying one uploaded PDF (memory of a verifier process, CPU seconds)
    verify_max_memory_mb: int = Field(default=512, ge=16)
    verify_timeout_seconds: float = Field(default=10.0, gt=0)
    #: one OCSP/CRL fetch from a responder named in a certificate: the whole answer within
    #: this time and this size; all the fetches of one verification within the budget
    fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    fetch_max_mb: int = Field(default=10, ge=1)
    revocation_budget_seconds: float = Field(default=30.0, gt=0)
    #: OCSP responses and CRLs from other responders kept by a verifier process (or a batch of
    #: ``kyso verify``) for at most this long, and never past their nextUpdate (0: not kept)
    revocation_cache_seconds: float = Field(default=300.0, ge=0)
    #: where OCSP/CRL look-ups named in certificates may go over HTTP (kyso's own PKI is
    #: answered in-process): "trusted": only the hosts of ``fetch_allow_hosts``; "public":
    #: those and any host whose every address is public. Never loopback, private or
    #: link-local addresses of hosts not listed
    fetch_revocation: Literal["trusted", "public"] = "trusted"
    #: trusted revocation hosts, whatever their address: ``host`` (ports 80 and 443) or
    #: ``host:port``, comma separated (``[::1]:8080`` for IPv6)
    fetch_allow_hosts: str = ""
    #: largest request body accepted (uploads), in megabytes
    max_upload_mb: int = 100
    #: most pages of a PDF a citizen submits or an official returns (as the OCR's max_pages)
    max_pages: int = Field(default=2000, ge=1)

    #: an external RFC 3161 time-stamp authority for signing and audit anchoring (its root
    #: imported with ``kyso pki trust add`` for B-LT/B-LTA); default: kyso's own TSA in-process
    tsa_url: str | None = None
    #: 32 bytes, base64: encrypts remote-signing one-time-code seeds at rest (AES-256-GCM)
    otp_seed_key: SecretStr | None = None
    #: seals the secrets in ``kyso admin backup --include-secrets`` (else --passphrase-file or
    #: a prompt); keep it apart from the backups
    backup_passphrase: SecretStr | None = None

    # inter-agency exchange (docs/exchange.md)
    #: this agency's code on the exchange axis (Decision 20/2020/QD-TTg, e.g. 000.00.00.H26);
    #: unset: no exchange
    agency_code: str = ""
    agency_name: str = ""
    #: the promulgation place written in the packages sent (PromulgationInfo/Place)
    agency_place: str = "Hà Nội"
    #: largest edXML package received, in megabytes (under max_upload_mb)
    exchange_max_mb: int = Field(default=50, ge=1)
    #: how often held arrivals are re-verified and waiting statuses resent (0: never); run by
    #: ``kyso serve`` with the embedded queue, by ``kyso worker --beat`` with Celery
    exchange_retry_seconds: float = Field(default=60.0, ge=0)
    #: how often the audit log's head is time-stamped when it has new entries (0: never;
    #: ``kyso archive log anchor`` does it at once); scheduled as exchange_retry_seconds
    audit_anchor_seconds: float = Field(default=3600.0, ge=0)

    # storage and workers
    object_store: Literal["folder", "s3"] = "folder"
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_bucket: str = "kyso"
    s3_secure: bool = False
    queue: Literal["inprocess", "celery"] = "inprocess"
    redis_url: str = "redis://127.0.0.1:6379/0"
    #: seconds before Redis hands an unacknowledged job (its worker died) to another worker;
    #: longer than the longest job, since a job still running past it would be run twice
    job_visibility_timeout: int = 3600
    #: at start-up, ingests and temporary uploads older than this are taken as cut off by a
    #: crash and cleaned up (longer than the slowest upload another process may still be doing)
    stale_ingest_minutes: int = 120

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        """Each entry an address or a network (uvicorn would take a typo as a literal)."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            ipaddress.ip_network(entry, strict=False)  # ValueError: a validation error
        return ",".join(entries)

    @field_validator("fetch_allow_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        from certs.fetch_policy import parse_hosts

        parse_hosts(value)  # ValueError: a validation error
        return value

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("KYSO_METRICS_TOKEN must have at least 16 characters")
        return value

    @model_validator(mode="after")
    def _public_url_follows_the_address(self) -> Settings:
        """Unset, the public URL is the address kyso listens at: ``KYSO_PORT=8731`` alone
        must not put a port nothing answers on into certificates and QR codes."""
        if "public_url" not in self.model_fields_set:
            anywhere = (
                ipaddress.ip_address(self.host).is_unspecified if _is_ip(self.host) else False
            )
            host = "127.0.0.1" if anywhere or not self.host else self.host
            host = f"[{host}]" if ":" in host else host
            self.public_url = f"http://{host}:{self.port}"
        return self

    @property
    def proxy_list(self) -> list[str]:
        return self.trusted_proxies.split(",") if self.trusted_proxies else []

    @property
    def secure_cookies(self) -> bool:
        """Cookies are ``Secure`` (and ``__Host-``) when the public URL is HTTPS, whatever a
        request's scheme says (a proxy that forgets X-Forwarded-Proto must not unset it)."""
        return self.public_url.lower().startswith("https://")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kyso.db').resolve()}"


def load_settings() -> Settings:
    return Settings()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
