"""PKI throughput: OCSP responses and time-stamp tokens per second, kyso vs the raw libraries.

Run: .venv/bin/python bench/pki.py [--seconds 5]
"raw" builds and signs the same structures with asn1crypto + cryptography directly (key in
memory, no parsing, no catalog look-up): the floor kyso's responder is measured against.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from asn1crypto import core, ocsp, tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from api.database import make_engine, migrate
from certs.keystore_file import FileKeyStore
from certs.ocsp import OcspResponder
from certs.pki import Pki
from certs.records import to_pem
from certs.revocation import Revocation
from certs.tsa import tsa_from_pki


def rate(fn: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def raw_ocsp(request: ocsp.OCSPRequest) -> Callable[[], bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert_id = request["tbs_request"]["request_list"][0]["req_cert"]

    def once() -> bytes:
        now = datetime.now(UTC).replace(microsecond=0)
        data = ocsp.ResponseData(
            {
                "responder_id": ocsp.ResponderId(name="by_key", value=b"\x01" * 20),
                "produced_at": now,
                "responses": [
                    {
                        "cert_id": cert_id,
                        "cert_status": ocsp.CertStatus(name="good", value=core.Null()),
                        "this_update": now,
                        "next_update": now + timedelta(hours=4),
                    }
                ],
            }
        )
        signature = key.sign(data.dump(), ec.ECDSA(hashes.SHA256()))
        basic = ocsp.BasicOCSPResponse(
            {
                "tbs_response_data": data,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        )
        return bytes(
            ocsp.OCSPResponse(
                {
                    "response_status": "successful",
                    "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
                }
            ).dump()
        )

    return once


def raw_tst() -> Callable[[], bytes]:
    key = ec.generate_private_key(ec.SECP256R1())

    def once() -> bytes:
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.2.3.4",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": b"\x00" * 32,
                },
                "serial_number": int.from_bytes(os.urandom(16), "big"),
                "gen_time": datetime.now(UTC),
            }
        ).dump()
        return key.sign(hashlib.sha256(info).digest() + info, ec.ECDSA(hashes.SHA256()))

    return once


def http_rate(url: str, body: bytes, seconds: float, threads: int = 4) -> float:
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with httpx.Client() as client:
            while time.perf_counter() < stop:
                r = client.post(
                    url, content=body, headers={"Content-Type": "application/ocsp-request"}
                )
                assert r.status_code == 200
                counts[i] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kyso-bench-"))
    engine = make_engine(f"sqlite:///{folder / 'kyso.db'}")
    migrate(engine)
    pki = Pki(engine, FileKeyStore(folder / "keys", b"bench-passphrase-0123456789"))
    pki.init()
    issued = pki.issue_citizen("Nguyễn Thị Hoa", "001203004567")
    (folder / "leaf.pem").write_text(to_pem(issued.certificate))
    (folder / "ca.pem").write_text(to_pem(pki.chain(issued.serial)[1]))
    subprocess.run(
        ["openssl", "ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-reqout", "req.der"],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip
    request_der = (folder / "req.der").read_bytes()
    responder = OcspResponder(pki, Revocation(pki))
    tsa = tsa_from_pki(pki)
    tsq = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": b"\x02" * 32,
            },
            "cert_req": True,
        }
    ).dump()
    s = args.seconds
    rows = [
        ("OCSP response (in-process)", rate(lambda: responder.respond(request_der), s),
         rate(raw_ocsp(ocsp.OCSPRequest.load(request_der)), s)),
        ("RFC 3161 token (in-process)", rate(lambda: tsa.respond(tsq), s), rate(raw_tst(), s)),
    ]  # fmt: skip

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "KYSO_DATA_DIR": str(folder / "srv"),
        "KYSO_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    kyso = str(Path(sys.executable).parent / "kyso")
    server = subprocess.Popen(
        [kyso, "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        # the server has its own PKI: ask it about one of its own certificates
        serial = subprocess.run(
            [kyso, "pki", "issue", "seal", "--agency", "UBND Quận Hoàn Kiếm"], env=env,
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        subprocess.run(
            [kyso, "pki", "export", serial, "--out", str(folder / "s.pem"), "--chain"],
            env=env,
            check=True,
            capture_output=True,
        )
        pems = (folder / "s.pem").read_text().split("-----END CERTIFICATE-----\n")
        (folder / "sleaf.pem").write_text(pems[0] + "-----END CERTIFICATE-----\n")
        (folder / "sca.pem").write_text(pems[1] + "-----END CERTIFICATE-----\n")
        subprocess.run(
            ["openssl", "ocsp", "-issuer", "sca.pem", "-cert", "sleaf.pem", "-reqout", "sreq.der"],
            cwd=folder, check=True, capture_output=True,
        )  # fmt: skip
        http = http_rate(f"http://127.0.0.1:{port}/pki/ocsp", (folder / "sreq.der").read_bytes(), s)
    finally:
        server.terminate()
        server.wait()
    in_process = rows[0][1]
    print(f"{'what':34} {'kyso /s':>10} {'raw /s':>10} {'ratio':>7}")
    for name, kyso_rate, raw_rate in rows:
        print(f"{name:34} {kyso_rate:10.0f} {raw_rate:10.0f} {kyso_rate / raw_rate:7.2f}")
    label = "OCSP over HTTP (1 uvicorn, 4 clients)"
    ratio = http / in_process
    print(f"{label:34} {http:10.0f} {in_process:10.0f} {ratio:7.2f}  (vs in-process)")


if __name__ == "__main__":
    main()
