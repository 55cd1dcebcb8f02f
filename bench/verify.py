"""Verification speed: kyso verify vs plain pyHanko validate_pdf_signature, in one run.

Run: .venv/bin/python bench/verify.py [--rounds 30] [--only batch --batch-runs 7]

Both sides validate the same B-B document (no later revisions, so kyso renders nothing) with
kyso's roots and the same revocation source: OCSP/CRL answered in-process by the PKI, in
"require" mode. pyHanko's side is ``async_validate_pdf_signature`` alone; kyso's side is the
whole ``verify_pdf_async`` (ByteRange/USF checks, DSS reading, validation, report details,
policy). Also timed: a document with 20 signatures (20 revisions) and the attack-class
documents whose later revisions trigger the page rendering.

Whole processes (start-up, imports, database, verifier child included; the fastest and the
median of ``--process-runs`` runs, the four commands taking turns): ``kyso verify`` of the
one-page B-B document against a ten-line pyHanko script (``PLAIN_SCRIPT``: validate_pdf_signature, a
ValidationContext trusting kyso's root), on a machine with kyso's PKI and on one without
(``--trust``); and ``kyso verify dir/`` of ``--batch`` documents sharing a chain, per document,
against pyHanko validating each in one process with a fresh ValidationContext each (the same
in-process OCSP/CRL source, "require"): bench/verify_batch.py, ``--batch-runs`` repetitions,
each with its own ratios, the table giving their minimum and median (``--only batch``: that
table alone).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

# this file is bench/verify.py: without this, "import verify" would import the benchmark itself
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import async_validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from api.database import make_engine, migrate  # noqa: E402
from bench.verify_batch import print_table, repetitions  # noqa: E402
from certs.fetching import SourceFetcherBackend  # noqa: E402
from certs.keystore_file import FileKeyStore  # noqa: E402
from certs.pki import Pki, PkiOptions  # noqa: E402
from certs.records import to_pem  # noqa: E402
from certs.sources import PkiUrlSource  # noqa: E402
from signing.options import Level, SignOptions  # noqa: E402
from signing.pades import PadesSigner, SigningContext  # noqa: E402
from signing.pki_adapter import signing_key, trust_from_pki, tsa  # noqa: E402
from tests.verify.corpus import fill_field, original  # noqa: E402
from verify import VerifyOptions, verify_pdf_async  # noqa: E402

if TYPE_CHECKING:
    from sqlalchemy import Engine


def medians_ms(fns: list[Callable[[], Awaitable[object]]], rounds: int) -> list[float]:
    """Median time of each function; rounds interleave them so they share the machine's noise."""

    async def timed() -> list[list[float]]:
        for fn in fns:
            await fn()  # warm-up
        out: list[list[float]] = [[] for _ in fns]
        for _ in range(rounds):
            for index, fn in enumerate(fns):
                start = time.perf_counter()
                await fn()
                out[index].append((time.perf_counter() - start) * 1000)
        return out

    return [statistics.median(times) for times in asyncio.run(timed())]


#: the yardstick of the whole-process figure: pyHanko alone, as a user would write it
PLAIN_SCRIPT = """
import sys
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
armoured = open(sys.argv[2], "rb").read()
roots = [x509.Certificate.load(der) for _, _, der in pem.unarmor(armoured, True)]
with open(sys.argv[1], "rb") as f:
    for sig in PdfFileReader(f).embedded_regular_signatures:
        print(validate_pdf_signature(sig, ValidationContext(trust_roots=roots)).summary())
"""
KYSO = str(Path(sys.executable).with_name("kyso"))


def process_seconds(commands: list[tuple[list[str], dict[str, str]]],
                    runs: int) -> list[tuple[float, float]]:  # fmt: skip
    """(fastest, median) of ``runs`` whole-process runs of each (command, environment), the
    commands taking turns in every round, so that all of them share the machine's noise."""
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(runs + 1):  # the first round warms the page cache
        for index, (command, env) in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, env={**os.environ, **env}, capture_output=True, check=False)
            if round_:
                times[index].append(time.perf_counter() - start)
    return [(min(each), statistics.median(each)) for each in times]


#: kyso's packages, byte-compiled before the whole-process runs as ``pip install`` does for an
#: installed kyso: an editable checkout under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise
#: compile its ~50 modules from source on every run, which the script's libraries never do
PACKAGES = ("api", "certs", "common", "signing", "verify")


def whole_process(base: Path, document: bytes, roots_pem: str, runs: int) -> None:
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    work = Path(tempfile.mkdtemp(prefix="kyso-bench-process-"))
    pdf, roots, plain = work / "b-b.pdf", work / "roots.pem", work / "plain.py"
    pdf.write_bytes(document)
    roots.write_text(roots_pem)
    plain.write_text(PLAIN_SCRIPT)
    env = {"KYSO_DATA_DIR": str(base), "KYSO_KEY_PASSPHRASE": "bench-passphrase-0123456789",
           "KYSO_PUBLIC_URL": "http://kyso.invalid"}  # fmt: skip
    bare = {"KYSO_DATA_DIR": str(work / "no-kyso-here")}
    (py, py_med), (pki, pki_med), (bare_s, bare_med), (help_s, help_med) = process_seconds([
        ([sys.executable, str(plain), str(pdf), str(roots)], env),
        ([KYSO, "verify", str(pdf)], env),
        ([KYSO, "verify", "--trust", str(roots), str(pdf)], bare),
        ([KYSO, "--help"], bare),
    ], runs)  # fmt: skip
    rows = [("pyHanko script, whole process", py, py_med),
            ("kyso verify, kyso's PKI on the machine", pki, pki_med),
            ("kyso verify --trust root.pem, no kyso database", bare_s, bare_med),
            ("kyso --help", help_s, help_med)]  # fmt: skip
    for what, fastest, median in rows:
        target = " (target <= 1.15x)" if what.startswith("kyso verify") else ""
        print(f"| {what} | {fastest * 1000:.0f} | {fastest / py:.2f}x | {median * 1000:.0f} | "
              f"{median / py_med:.2f}x{target} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--process-runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--batch-runs",
        type=int,
        default=7,
        help="repetitions of the batch figure (each gives its own ratios)",
    )
    parser.add_argument("--only", choices=("batch",), help="only the batch figure")
    args = parser.parse_args()
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # expected failures log tracebacks
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    base = Path(tempfile.mkdtemp(prefix="kyso-bench-verify-"))
    engine = make_engine(f"sqlite:///{base / 'kyso.db'}")
    migrate(engine)
    store = FileKeyStore(base / "keys", b"bench-passphrase-0123456789")
    pki = Pki(engine, store, PkiOptions(public_url="http://kyso.invalid"))
    pki.init()
    source = PkiUrlSource(pki)
    context = SigningContext(trust=trust_from_pki(pki, source), timestamps=tsa(pki))
    signers = [
        PadesSigner(store, signing_key(pki, issued.serial), context)
        for issued in (
            pki.issue_citizen("Nguyễn Văn An", "001203009991"),
            pki.issue_official("Trần Thị Bình", "Chánh Văn phòng", "UBND phường Bến Nghé"),
            pki.issue_seal("UBND phường Bến Nghé"),
        )
    ]
    doc = original(form="empty")

    def sign(pdf: bytes, index: int, level: Level = Level.B_B) -> bytes:
        done = asyncio.run(signers[index % 3].sign(pdf, SignOptions(level=level)))
        assert done.pdf is not None
        return done.pdf

    b_b = sign(doc, 0)
    twenty = doc
    for index in range(20):
        twenty = sign(twenty, index)
    filled = fill_field(b_b, "1.000.000")
    roots = tuple(pki.trust_anchors())
    others = tuple(pki.authority_certificate(r.name) for r in pki.authorities() if r.parent)
    options = VerifyOptions(trust_roots=roots, other_certs=others, revocation_source=source)

    async def pyhanko_plain() -> None:
        reader = PdfFileReader(BytesIO(b_b))
        for sig in reader.embedded_regular_signatures:
            vc = ValidationContext(
                trust_roots=list(roots), other_certs=list(others), allow_fetching=True,
                fetcher_backend=SourceFetcherBackend(source), revocation_mode="require",
            )  # fmt: skip
            status = await async_validate_pdf_signature(sig, vc)
            assert status.bottom_line

    async def kyso_b_b() -> None:
        report = await verify_pdf_async(b_b, options)
        assert report.passed, report.all_findings()

    async def kyso_twenty() -> None:
        report = await verify_pdf_async(twenty, options)
        assert len(report.signatures) == 20
        assert report.passed, [
            (f.code, f.message_en) for f in report.all_findings() if f.severity.value == "FAIL"
        ]

    async def kyso_filled() -> None:
        report = await verify_pdf_async(filled, options)
        assert report.passed

    roots_pem = "".join(to_pem(root) for root in roots)

    async def fresh(document: bytes) -> None:
        for sig in PdfFileReader(BytesIO(document)).embedded_regular_signatures:
            vc = ValidationContext(
                trust_roots=list(roots), other_certs=list(others), allow_fetching=True,
                fetcher_backend=SourceFetcherBackend(source), revocation_mode="require",
            )  # fmt: skip
            assert (await async_validate_pdf_signature(sig, vc)).bottom_line

    if args.only != "batch":
        first_tables(base, engine, (pyhanko_plain, kyso_b_b, kyso_filled, kyso_twenty),
                     args.rounds, b_b, roots_pem, args.process_runs)  # fmt: skip
    engine.dispose()  # the kyso processes open the database themselves
    batch = [sign(doc, 2) for _ in range(args.batch)]  # one seal: the chain is shared
    reps = repetitions(KYSO, base, batch, fresh, args.batch_runs)
    print_table(reps, args.batch)


def first_tables(base: Path, engine: Engine, fns: tuple[Callable[[], Awaitable[object]], ...],
                 rounds: int, b_b: bytes, roots_pem: str, runs: int) -> None:  # fmt: skip
    """One document in one process, then whole processes."""
    pyhanko_plain, kyso_b_b, kyso_filled, kyso_twenty = fns
    plain, kyso, render = medians_ms([pyhanko_plain, kyso_b_b, kyso_filled], rounds)
    [many] = medians_ms([kyso_twenty], max(3, rounds // 10))
    print("| what | median ms | ratio to pyHanko |")
    print("| --- | ---: | ---: |")
    print(f"| pyHanko validate_pdf_signature, B-B, 1 signature | {plain:.1f} | 1.00x |")
    print(f"| kyso verify, same document | {kyso:.1f} | {kyso / plain:.2f}x (target <= 1.5x) |")
    print(f"| kyso verify, 20 signatures (20 revisions) | {many:.1f} | "
          f"{many / 20:.1f} ms per signature |")  # fmt: skip
    print(f"| kyso verify, B-B then a form-filling revision (pages rendered) | {render:.1f} | "
          f"{render / plain:.2f}x |")  # fmt: skip
    print()
    print("| whole process | fastest ms | ratio | median ms | ratio to the pyHanko script |")
    print("| --- | ---: | ---: | ---: | ---: |")
    engine.dispose()
    whole_process(base, b_b, roots_pem, runs)
    print()


if __name__ == "__main__":
    main()
