"""Fuzz the verification boundary: any bytes in ``verify_pdf``, a report out, nothing else.

The documented outcome is a ``ValidationReport`` whatever the bytes (unreadable, encrypted,
broken signatures give a report with an indication, often TOTAL_FAILED or INDETERMINATE),
or a ``KysoError`` (input too large). The report must also turn into the JSON and the text
the API and the CLI give out. Seeds: PDFs signed by kyso (B-B, B-LT with a DSS, two
signatures) with a throw-away PKI, and an unsigned one; validation is offline.

    python fuzz/verify_pdf.py --seconds 60          # fuzz for a minute
    python fuzz/verify_pdf.py var/fuzz/verify_pdf-crash-...   # replay one input
"""

from __future__ import annotations

import json
import sys

import harness


def main() -> None:
    args, extra = harness.parse(__doc__ or "", sys.argv[1:])
    with harness.instrumented(args):
        from common.errors import KysoError
        from verify import Indication, Limits, VerifyOptions, verify_pdf
        from verify.render import render_text
        from verify.serialize import report_json

    import seeds  # after the block: kyso imported its libraries inside it (see --instrument)

    harness.quiet_logs()
    corpus, roots = seeds.signed_pdfs()
    limits = Limits(max_bytes=args.max_len, timeout_seconds=5.0, max_rendered_pages=3)
    options = VerifyOptions(trust_roots=tuple(roots), online=False, limits=limits)

    def test_one_input(data: bytes) -> None:
        try:
            report = verify_pdf(data, options)
        except KysoError:
            return
        assert report.indication in Indication, report.indication
        json.loads(report_json(report))
        render_text(report, "en")

    harness.fuzz("verify_pdf", args, extra, lambda: corpus, test_one_input)


if __name__ == "__main__":
    main()
