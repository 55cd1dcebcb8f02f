"""Fuzz the signing boundary: a citizen's upload counted and signed.

The dossier desk counts the pages of an uploaded PDF (``api.pdf_tasks.page_count``, pikepdf)
and signs it with pyHanko, both in a PDF worker process (api/pdf_tasks.py), under its memory
and CPU limits; what crashes a worker costs the request, so it is fuzzed here. Each input is
counted, then signed at B-B by ``PadesSigner.sign``; its first byte chooses the signature
(odd: the citizen's visible stamp, even: no stamp) and the rest is the PDF. The documented
outcome is a page count and a signed PDF that begins with the upload's bytes unchanged (an
incremental update), or a ``KysoError`` for each step (``pdf_unreadable``,
``SigningInputError`` such as ``pdf_broken``). Seeds: PDFs made with pikepdf (one page,
three pages, a form with a text field) and one signed by kyso, each with both first bytes;
the throw-away PKI lives in the work folder while the fuzzer runs.

    python fuzz/sign_pdf.py --seconds 60
    python fuzz/sign_pdf.py var/fuzz/sign_pdf-crash-...   # replay one input
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys

import harness


def main() -> None:
    args, extra = harness.parse(__doc__ or "", sys.argv[1:])
    with harness.instrumented(args):
        from api.pdf_tasks import page_count  # pikepdf: no app, settings or engine at import
        from common.errors import KysoError
        from signing.options import Level, SignOptions, StampKind
        from signing.stamps import content_for
    import seeds  # after the block: kyso imported its libraries inside it (see --instrument)

    harness.quiet_logs()
    # kept while the fuzzer runs (libFuzzer ends the process: no clean-up runs after it)
    base = args.workdir / "sign_pdf-pki"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    kit, _engine = seeds.throwaway_pki(base)
    signer = kit.signer(kit.citizen)
    stamp = content_for(StampKind.CITIZEN, kit.citizen.certificate.subject)
    plain = SignOptions(level=Level.B_B, reason="Nộp hồ sơ")
    stamped = SignOptions(level=Level.B_B, reason="Nộp hồ sơ", stamp=stamp)
    loop = asyncio.new_event_loop()  # one loop for the run, as in the API process

    def corpus() -> dict[str, bytes]:
        pdfs = seeds.pdfs_to_sign(kit)
        out = {f"stamp-{name}": b"\x01" + pdf for name, pdf in pdfs.items()}
        out.update({f"plain-{name}": b"\x00" + pdf for name, pdf in pdfs.items()})
        return out

    def test_one_input(data: bytes) -> None:
        if not data:
            return
        options = stamped if data[0] & 1 else plain
        pdf = data[1:]
        with contextlib.suppress(KysoError):  # the desk stops there; signing is fuzzed anyway
            assert page_count(pdf) >= 0
        try:
            done = loop.run_until_complete(signer.sign(pdf, options))
        except KysoError:
            return
        assert done.pdf is not None and done.pdf.startswith(pdf), "upload bytes changed"

    harness.fuzz("sign_pdf", args, extra, corpus, test_one_input)


if __name__ == "__main__":
    main()
