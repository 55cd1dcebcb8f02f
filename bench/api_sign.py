"""Signing over HTTP: a citizen's sign-and-submit and an official's seal+sign, against the same
operations done by signing/ in-process, measured in one run.

Run: .venv/bin/python bench/api_sign.py [--dossiers 12] [--rounds 2]
The app is kyso's ASGI app (``create_app``, httpx's in-process transport via Starlette's
TestClient) on its own data dir: SQLite, folder store, the verifier pool of 2 PDF workers
(``KYSO_VERIFY_WORKERS``; the signing tasks run there); rate limits lifted.
- submit: POST /api/v1/dossiers, the citizen's PDF signed remotely (PIN + TOTP, B-T with the
  citizen stamp), verified and filed. A TOTP step serves one signature, so each dossier comes
  from its own citizen and credential (set up before the clock starts);
- result: POST /api/v1/dossiers/{code}/result, the agency seal certifies (B-T), the official
  signs (B-LTA, stamp with QR), verified, archived, the citizen notified.
- in-process: ``PadesSigner`` on the same kind of document, B-T with the citizen stamp (the
  core of a submission), and seal B-T + official B-LTA (the core of a result).
Prints ms per request (best round's median) and the ratio HTTP / in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
# run as a script, bench/api.py would shadow the api package: look from the root
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "tests" / "api"))
from apitools import PIN, Kyso, enrol_credential, make_kyso, make_pdf  # noqa: E402

from api.accounts.service import Role  # noqa: E402
from api.settings import Settings  # noqa: E402

AGENCY = "UBND Quận Hoàn Kiếm"


def citizen(kyso: Kyso, number: int) -> tuple[dict[str, str], str, pyotp.TOTP]:
    """A citizen account with an approved certificate enrolled as a remote credential."""
    accounts = kyso.services.accounts
    user = accounts.create_user(f"dan{number}", "mat-khau-rat-dai-123", Role.CITIZEN, "Dân")
    headers = {"Authorization": f"Bearer {accounts.issue_token(user)}"}
    official = kyso.headers("official")
    credential, totp, _serial = enrol_credential(
        kyso.client, headers, official, f"0012030{number:05d}"
    )
    return headers, credential, totp


def submit(kyso: Kyso, who: tuple[dict[str, str], str, pyotp.TOTP], pdf: bytes) -> str:
    headers, credential, totp = who
    response = kyso.client.post(
        "/api/v1/dossiers",
        files={"file": ("don.pdf", pdf, "application/pdf")},
        data={
            "service": "Cấp giấy phép xây dựng",
            "agency": AGENCY,
            "credential_id": credential,
            "pin": PIN,
            "otp": totp.now(),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["submission_indication"] == "TOTAL_PASSED", response.text
    return str(response.json()["code"])


def result(kyso: Kyso, code: str, pdf: bytes) -> None:
    response = kyso.client.post(
        f"/api/v1/dossiers/{code}/result",
        files={"file": ("kq.pdf", pdf, "application/pdf")},
        headers=kyso.headers("official"),
    )
    assert response.status_code == 200, response.text


def timed(action: object, *args: object) -> float:
    began = time.perf_counter()
    action(*args)  # type: ignore[operator]
    return time.perf_counter() - began


def in_process(
    kyso: Kyso, pdf: bytes, seal: str, official: str, rounds: int
) -> tuple[float, float]:
    """Median seconds of the signing core: citizen B-T with stamp; seal B-T + official B-LTA."""
    from signing.options import Level, SignOptions, StampKind
    from signing.pades import PadesSigner, SigningContext
    from signing.pki_adapter import signing_key, trust_from_pki, tsa
    from signing.stamps import content_for

    pki, store = kyso.services.pki, kyso.services.keystore
    context = SigningContext(trust=trust_from_pki(pki), timestamps=tsa(pki))
    issued = pki.issue_citizen("Trần Văn Bình", "001203099999")
    citizen_signer = PadesSigner(store, signing_key(pki, issued.serial), context)
    seal_signer = PadesSigner(store, signing_key(pki, seal), context)
    official_signer = PadesSigner(store, signing_key(pki, official), context)
    stamp = content_for(StampKind.CITIZEN, issued.certificate.subject)
    official_stamp = content_for(
        StampKind.OFFICIAL, pki.get(official).certificate.subject, "http://x/v/HS-1"
    )

    async def submission() -> None:
        await citizen_signer.sign(pdf, SignOptions(level=Level.B_T, stamp=stamp))

    async def sealed_result() -> None:
        certified = await seal_signer.sign(pdf, SignOptions(level=Level.B_T, certify=True))
        assert certified.pdf is not None
        await official_signer.sign(
            certified.pdf, SignOptions(level=Level.B_LTA, stamp=official_stamp)
        )

    firsts, seconds = [], []
    for _ in range(rounds * 6):
        firsts.append(timed(asyncio.run, submission()))
        seconds.append(timed(asyncio.run, sealed_result()))
    return statistics.median(firsts[2:]), statistics.median(seconds[2:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=12, help="per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kyso-bench-sign-"))
    settings = Settings(
        data_dir=folder / "data",
        verify_workers=2,
        rate_pin_per_minute=100000,
        rate_login_per_minute=100000,
        rate_verify_per_minute=100000,
    )
    kyso = make_kyso(folder, settings)
    try:
        pki = kyso.services.pki
        official = pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", AGENCY)
        seal = pki.issue_seal(AGENCY)
        kyso.services.accounts.bind_certificate("official1", official.serial)
        application, decision = make_pdf("Don xin cap phep"), make_pdf("Giay phep so 123")
        people = [citizen(kyso, n) for n in range(args.dossiers * args.rounds + 1)]
        result(kyso, submit(kyso, people.pop(), application), decision)  # warm the workers
        best_submit, best_result = float("inf"), float("inf")
        for _ in range(args.rounds):
            batch, people = people[: args.dossiers], people[args.dossiers :]
            codes: list[str] = []
            spent = []
            for who in batch:
                began = time.perf_counter()
                codes.append(submit(kyso, who, application))
                spent.append(time.perf_counter() - began)
            best_submit = min(best_submit, statistics.median(spent))
            spent = [timed(result, kyso, code, decision) for code in codes]
            best_result = min(best_result, statistics.median(spent))
        core_submit, core_result = in_process(kyso, application, seal.serial, official.serial, 2)
    finally:
        kyso.services.close()
    import api

    print(f"code: {Path(api.__file__).parent.parent}")
    print(f"POST /api/v1/dossiers (citizen sign-and-submit): {best_submit * 1000:.0f} ms")
    print(f"POST /api/v1/dossiers/{{code}}/result (seal+sign): {best_result * 1000:.0f} ms")
    print(f"in-process citizen B-T + stamp: {core_submit * 1000:.0f} ms")
    print(f"in-process seal B-T + official B-LTA: {core_result * 1000:.0f} ms")
    print(f"ratio HTTP / in-process: submit {best_submit / core_submit:.2f}, "
          f"result {best_result / core_result:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
