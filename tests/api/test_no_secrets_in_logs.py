"""Personal data and secrets never reach the logs (DOMAIN.md: no CCCD, PIN, OTP, keys, tokens)."""

from __future__ import annotations

import logging

import pytest
from apitools import PASSWORD, PIN, Kyso, citizen_credential
from test_dossiers import _official_ready, _submit


def test_a_whole_flow_logs_no_cccd_pin_otp_password_or_token(
    kyso: Kyso, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    code = totp.now()
    status, _receipt = _submit(kyso, credential, code)
    assert status == 201
    _submit(kyso, credential, "000000")  # a refusal is logged too
    kyso.client.post("/api/v1/auth/token", json={"username": "citizen1", "password": PASSWORD})
    kyso.client.post(
        "/api/v1/auth/token", json={"username": "citizen1", "password": "wrong-pw-123"}
    )
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert caplog.records, "the flow should have logged something"
    secrets_dir = kyso.services.settings.data_dir / "secrets"
    passphrase = (secrets_dir / "keystore.passphrase").read_text().strip()
    assert any("issued citizen certificate" in r.getMessage() for r in caplog.records)
    secrets = {
        "CCCD": "001203004567",
        "PIN": PIN,
        "one-time code": code,
        "password": PASSWORD,
        "bearer token": kyso.tokens["citizen"],
        "key passphrase": passphrase,
    }
    for what, value in secrets.items():
        assert value not in logged, f"the {what} appears in the logs"
