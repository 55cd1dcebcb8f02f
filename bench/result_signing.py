"""An official's result: seal certification (B-T) then the official's signature (B-LTA, stamp
with the QR of the landing URL), as the PDF worker does it, with a ``PadesSigner`` made per
result (the code before issue 13) and with the worker's signers cached per certificate
(``Services.signers``), measured in one run; then the whole return through the desk.

    .venv/bin/python bench/result_signing.py [--seconds 5] [--rounds 3]

Services on a throw-away data dir (SQLite, file key store, in-process TSA), PDF tasks in this
process (``KYSO_VERIFY_WORKERS=0``: the worker's code path, without the pipe). The variants
take turns; each keeps its best round (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "tests" / "api"))
from apitools import make_pdf  # noqa: E402

from api.accounts.models import DossierRow  # noqa: E402
from api.accounts.service import Role  # noqa: E402
from api.dossiers import dossier_desk  # noqa: E402
from api.pdf_tasks import OFFICIAL_BOX, OFFICIAL_FIELD, sign_result  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import Services  # noqa: E402
from onestop.codes import PublicUrls, new_dossier_code  # noqa: E402
from signing.options import Level, Placement, ReservedField, SignOptions, StampKind  # noqa: E402
from signing.pades import PadesSigner  # noqa: E402
from signing.pki_adapter import signing_key  # noqa: E402
from signing.stamps import content_for  # noqa: E402

AGENCY = "UBND Quận Hoàn Kiếm"


def signers_per_result(svc: Services, pdf: bytes, seal: str, official: str, url: str) -> bytes:
    """What api/pdf_tasks.py did before: two new signers for every result."""

    async def run() -> bytes:
        pki, store, context = svc.pki, svc.keystore, svc.signing_context
        reserve = ReservedField(OFFICIAL_FIELD, Placement(1, OFFICIAL_BOX))
        sealer = PadesSigner(store, signing_key(pki, seal), context)
        certified = await sealer.sign(
            pdf, SignOptions(level=Level.B_T, certify=True, reserve=(reserve,), reason="Đóng dấu")
        )
        assert certified.pdf is not None
        signer = PadesSigner(store, signing_key(pki, official), context)
        stamp = content_for(StampKind.OFFICIAL, pki.get(official).certificate.subject, url)
        options = SignOptions(level=Level.B_LTA, field_name=OFFICIAL_FIELD, stamp=stamp)
        result = await signer.sign(certified.pdf, options)
        assert result.pdf is not None
        return result.pdf

    return asyncio.run(run())


def rate(work: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        svc = Services(Settings(data_dir=Path(folder), verify_workers=0))
        svc.ensure_pki()
        official = svc.pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", AGENCY).serial
        seal = svc.pki.issue_seal(AGENCY).serial
        user = svc.accounts.create_user(
            "official1", "mat-khau-rat-dai-123", Role.OFFICIAL, "Lê Thị Hằng", AGENCY
        )
        svc.accounts.bind_certificate("official1", official)
        pdf = make_pdf("Giay phep xay dung so 123")
        url = PublicUrls(svc.settings.public_url).landing("HS0000000000")

        def desk_return() -> None:
            code, now = new_dossier_code(), svc.clock.now()
            with svc_sessions(svc) as db:
                db.add(
                    DossierRow(
                        code=code, service="Cấp giấy phép xây dựng", agency=AGENCY,
                        owner="citizen1", status="submitted", submitted_at=now,
                        promised_at=now + timedelta(days=7), submission_document="none",
                        submission_indication="TOTAL_PASSED",
                    )
                )  # fmt: skip
                db.commit()
            asyncio.run(dossier_desk(svc).issue_result(code, user, pdf))

        variants: dict[str, Callable[[], object]] = {
            "signers made per result (before)": lambda: signers_per_result(
                svc, pdf, seal, official, url
            ),
            "signers cached per certificate": lambda: sign_result(svc, pdf, seal, official, url),
            "whole return through the desk (cached)": desk_return,
        }
        for work in variants.values():
            work()  # warm: fonts, seal image, imports
        best = dict.fromkeys(variants, 0.0)
        for _ in range(args.rounds):
            for name, work in variants.items():
                best[name] = max(best[name], rate(work, args.seconds))
        print(f"{'variant':42} results/s  ms/result")
        for name, per_second in best.items():
            print(f"{name:42} {per_second:9.2f}  {1000 / per_second:9.1f}")
        before = best["signers made per result (before)"]
        after = best["signers cached per certificate"]
        print(f"cached / per result (time per result): {before / after:.2f}x")
        svc.close()


def svc_sessions(svc: Services):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    return Session(svc.engine)


if __name__ == "__main__":
    main()
