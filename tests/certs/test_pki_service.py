"""The PKI as relying parties see it: a running kyso checked by openssl, a peer not written here."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pkitools import openssl

KYSO = str(Path(sys.executable).parent / "kyso")


@dataclass
class Service:
    url: str
    env: dict[str, str]
    folder: Path

    def kyso(self, *args: str) -> str:
        result = subprocess.run(
            [KYSO, *args], env=self.env, cwd=self.folder, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KYSO_DATA_DIR": str(tmp_path / "data"), "KYSO_PUBLIC_URL": url}
    proc = subprocess.Popen(
        [KYSO, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"kyso serve did not start: {proc.stderr.read() if proc.stderr else ''}"
                )
            time.sleep(0.2)
        yield Service(url, env, tmp_path)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _ocsp_status(service: Service, work: Path) -> str:
    result = openssl(
        "ocsp", "-url", f"{service.url}/pki/ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem",
        "-CAfile", "chain.pem", "-timeout", "20", cwd=work,
    )  # fmt: skip
    assert "Response verify OK" in result.stderr, result.stderr
    return result.stdout


@pytest.mark.slow
def test_openssl_sees_a_citizen_certificate_good_then_revoked_over_http(service: Service) -> None:
    work = service.folder
    serial = service.kyso(
        "pki", "issue", "citizen", "--name", "Nguyễn Thị Hoa", "--cccd", "001203004567"
    )
    service.kyso("pki", "export", serial, "--out", "full.pem", "--chain")
    service.kyso("pki", "export", serial, "--out", "leaf.pem")
    certs = (work / "full.pem").read_text().split("-----END CERTIFICATE-----\n")
    (work / "ca.pem").write_text(certs[1] + "-----END CERTIFICATE-----\n")
    (work / "chain.pem").write_text("".join(c + "-----END CERTIFICATE-----\n" for c in certs[1:3]))
    verify = openssl("verify", "-CAfile", "chain.pem", "leaf.pem", cwd=work)
    assert verify.returncode == 0, verify.stderr

    assert "leaf.pem: good" in _ocsp_status(service, work)
    service.kyso("pki", "revoke", serial, "--reason", "key_compromise")
    status = _ocsp_status(service, work)
    assert "leaf.pem: revoked" in status and "Reason: keyCompromise" in status

    crl = httpx.get(f"{service.url}/pki/crl/citizen.crl", timeout=10)
    assert crl.headers["content-type"] == "application/pkix-crl"
    (work / "c.crl").write_bytes(crl.content)
    text = openssl(
        "crl", "-inform", "DER", "-in", "c.crl", "-CAfile", "chain.pem", "-noout", "-text", cwd=work
    )
    assert "verify OK" in text.stderr + text.stdout
    assert serial.upper().zfill(40) in text.stdout.replace(":", "").upper()

    # RFC 6960 A.1 GET form answers too
    openssl(
        "ocsp",
        "-issuer",
        "ca.pem",
        "-cert",
        "leaf.pem",
        "-reqout",
        "req.der",
        "-no_nonce",
        cwd=work,
    )
    encoded = base64.b64encode((work / "req.der").read_bytes()).decode()
    got = httpx.get(f"{service.url}/pki/ocsp/{encoded}", timeout=10)
    assert got.status_code == 200 and got.headers["content-type"] == "application/ocsp-response"


@pytest.mark.slow
def test_openssl_ts_verify_accepts_a_token_from_the_tsa_endpoint(service: Service) -> None:
    work = service.folder
    (work / "hoso.pdf").write_bytes(b"%PDF-1.7 ho so luu tru")
    openssl("ts", "-query", "-data", "hoso.pdf", "-sha256", "-cert", "-out", "q.tsq", cwd=work)
    reply = httpx.post(
        f"{service.url}/pki/tsa",
        content=(work / "q.tsq").read_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        timeout=10,
    )
    assert reply.headers["content-type"] == "application/timestamp-reply"
    (work / "r.tsr").write_bytes(reply.content)
    service.kyso("pki", "roots", "--out", "roots.pem")
    result = openssl(
        "ts", "-verify", "-data", "hoso.pdf", "-in", "r.tsr", "-CAfile", "roots.pem", cwd=work
    )
    assert "Verification: OK" in result.stdout, result.stderr

    wrong = httpx.post(
        f"{service.url}/pki/tsa", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415
    assert wrong.json()["error"]["code"] == "unsupported_media_type"
