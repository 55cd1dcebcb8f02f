"""kyso signing against plain pyHanko on the same documents and key, measured in one run.

    .venv/bin/python bench/sign.py [--seconds 3] [--rounds 5] [--jobs 2]

Documents: a 1-page and a 100-page PDF. Key: ECDSA P-256 in kyso's encrypted file key store.
- pyHanko default: ``SimpleSigner.load`` (key file decrypted) and ``async_sign_pdf`` with the
  default size estimate (a dry-run CMS) for every document;
- pyHanko tuned: signer built once, signature space reserved up front (``bytes_reserved``);
- kyso: ``PadesSigner`` (key-store signer, estimate cached per level), invisible B-B, B-B with
  the citizen stamp (TrueType Vietnamese text), B-T with the in-process TSA.
Prints docs/s per variant (one core; variants take turns, best of the rounds), the ratios the
issue targets, and kyso B-B throughput with ``--jobs`` processes.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from io import BytesIO
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402

from api.database import make_engine, migrate  # noqa: E402
from certs.keystore_file import FileKeyStore  # noqa: E402
from certs.pki import Pki, PkiOptions  # noqa: E402
from certs.records import to_pem  # noqa: E402
from signing.options import Level, SignOptions, StampKind  # noqa: E402
from signing.pades import PadesSigner, SigningContext  # noqa: E402
from signing.pki_adapter import signing_key, trust_from_pki, tsa  # noqa: E402
from signing.stamps import content_for  # noqa: E402

PASSPHRASE = b"bench-passphrase-0123456789"


def make_pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    helvetica = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    font = pdf.make_indirect(helvetica)
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        lines = " ".join(f"BT /F1 11 Tf 72 {780 - 14 * i} Td (Dong {i} trang {number}) Tj ET"
                         for i in range(50))  # fmt: skip
        page.Contents = pdf.make_stream(lines.encode())
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


class Setup:
    def __init__(self, folder: Path) -> None:
        engine = make_engine(f"sqlite:///{folder / 'kyso.db'}")
        migrate(engine)
        self.store = FileKeyStore(folder / "keys", PASSPHRASE)
        self.pki = Pki(engine, self.store, PkiOptions(public_url="http://127.0.0.1:9"))
        self.pki.init()
        self.issued = self.pki.issue_citizen("Đặng Văn Hưởng", "001203004567")
        self.key_file = folder / "keys" / f"{self.issued.key_label}.p8"
        self.cert_file = folder / "cert.pem"
        self.cert_file.write_text(to_pem(self.issued.certificate))
        self.chain_file = folder / "chain.pem"
        self.chain_file.write_text(
            "".join(to_pem(c) for c in self.pki.chain(self.issued.serial)[1:])
        )
        self.context = SigningContext(trust=trust_from_pki(self.pki), timestamps=tsa(self.pki))

    def kyso(self) -> PadesSigner:
        return PadesSigner(self.store, signing_key(self.pki, self.issued.serial), self.context)

    def pyhanko_signer(self) -> signers.SimpleSigner:
        return signers.SimpleSigner.load(str(self.key_file), str(self.cert_file),
                                         ca_chain_files=(str(self.chain_file),),
                                         key_passphrase=PASSPHRASE)  # fmt: skip


def _meta() -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name="Sig1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )


def variants(setup: Setup) -> dict[str, Callable[[bytes], Awaitable[object]]]:
    kyso = setup.kyso()
    tuned = setup.pyhanko_signer()
    stamp = content_for(StampKind.CITIZEN, setup.issued.certificate.subject)

    async def pyhanko_default(pdf: bytes) -> object:
        signer = setup.pyhanko_signer()  # key file read and decrypted for each document
        return await signers.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), _meta(), signer)

    async def pyhanko_tuned(pdf: bytes) -> object:
        pdf_signer = signers.PdfSigner(_meta(), tuned)
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        return await pdf_signer.async_sign_pdf(writer, bytes_reserved=8192)

    async def kyso_bb(pdf: bytes) -> object:
        return await kyso.sign(pdf, SignOptions(level=Level.B_B))

    async def kyso_bb_stamp(pdf: bytes) -> object:
        return await kyso.sign(pdf, SignOptions(level=Level.B_B, stamp=stamp))

    async def kyso_bt(pdf: bytes) -> object:
        return await kyso.sign(pdf, SignOptions(level=Level.B_T))

    return {
        "pyHanko default": pyhanko_default,
        "pyHanko tuned": pyhanko_tuned,
        "kyso B-B": kyso_bb,
        "kyso B-B + citizen stamp": kyso_bb_stamp,
        "kyso B-T (in-process TSA)": kyso_bt,
    }


async def best_rates(
    runs: dict[str, Callable[[bytes], Awaitable[object]]], pdf: bytes, seconds: float, rounds: int
) -> dict[str, float]:
    """Variants take turns (``rounds`` slices each) so that load swings on a shared machine
    hit all of them; each keeps its best slice."""
    for run in runs.values():
        await run(pdf)  # warm-up: caches, first font load
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, run in runs.items():
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / rounds:
                await run(pdf)
                count += 1
            best[name] = max(best[name], count / (time.perf_counter() - start))
    return best


def _worker(args: tuple[str, float]) -> int:
    folder, seconds = args
    setup = Setup(Path(folder))
    kyso = setup.kyso()
    pdf = make_pdf(1)

    async def loop() -> int:
        await kyso.sign(pdf, SignOptions())
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            await kyso.sign(pdf, SignOptions())
            count += 1
        return count

    return asyncio.run(loop())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup = Setup(Path(folder))
        docs = {"1 page": make_pdf(1), "100 pages": make_pdf(100)}
        runs = variants(setup)
        measured = {
            d: asyncio.run(best_rates(runs, pdf, args.seconds, args.rounds))
            for d, pdf in docs.items()
        }
        table = {name: {d: measured[d][name] for d in docs} for name in runs}
        print("| variant | 1 page docs/s | 100 pages docs/s |")
        print("| --- | ---: | ---: |")
        for name, rates in table.items():
            print(f"| {name} | {rates['1 page']:.0f} | {rates['100 pages']:.1f} |")
        for d in docs:
            ms = {name: 1000 / rates[d] for name, rates in table.items()}
            print(f"\n{d}: ms/signature " + ", ".join(f"{k} {v:.1f}" for k, v in ms.items()))
            print(f"  kyso B-B / pyHanko tuned (time): {ms['kyso B-B'] / ms['pyHanko tuned']:.2f}x"
                  f" (target <= 1.2x)")  # fmt: skip
            default = ms["kyso B-B"] / ms["pyHanko default"]
            print(f"  kyso B-B / pyHanko default (time): {default:.2f}x")
            stamp = ms["kyso B-B + citizen stamp"] - ms["kyso B-B"]
            print(f"  visible stamp adds: {stamp:.1f} ms (target <= 30 ms)")
            bt = ms["kyso B-T (in-process TSA)"] / ms["kyso B-B"]
            print(f"  B-T / B-B (time): {bt:.2f}x (target <= 2x)")
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            folders = [tempfile.mkdtemp(dir=folder) for _ in range(args.jobs)]
            counts = pool.map(_worker, [(f, args.seconds) for f in folders])
        total = sum(counts) / args.seconds
        print(
            f"\nkyso B-B, 1 page, {args.jobs} processes: {total:.0f} signatures/s (target >= 150)"
        )


if __name__ == "__main__":
    main()
