"""kyso verify-print on results of one template told apart by the register: rates, one run.

    .venv/bin/python bench/verify_print_register.py [--seeds 31,32,33] [--degradations ...]

For each kind of the printed corpus (tests/verify/printed: a decision, a certificate, a reply
letter) and each seed, two results A and B of that template and agency (B: the next seed's
content), issued from the template (``ResultDesk.issue``: numbered in the agency's register,
sealed, signed, filed), printed (pdftoppm 300 dpi) and brought to kyso by each degradation.
Three checks per pair and degradation, each through ``check_print`` (the isolated reader, the
OCR, the original's verification, the comparison; in this process, not the CLI):

- B's clean copy checked with A's code: right when "another_document" naming B;
- A's copy with B's number painted over its own, checked by its QR code: right when
  "changed" with A's number among the changes (and B's number read exactly in its place, or
  not: the OCR reads the painted letters), and never "another_document";
- A's clean copy: right when not "changed" and not "another_document".

No timings: the added step reads B's text layer and compares the words already read (no OCR).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "verify" / "printed")]

from PIL import Image  # noqa: E402
from print_corpus import (  # noqa: E402
    Issued,
    degrade,
    issue_from_template,
    paint,
    printed,
    ready_official,
)
from print_documents import KINDS  # noqa: E402

from api.printcheck.service import PrintCheck, check_print  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import Services, build_services  # noqa: E402
from archive.metadata import VersionRecord  # noqa: E402
from verify.engine import verify_pdf  # noqa: E402
from verify.model import ValidationReport  # noqa: E402
from verify.printed.tokens import key  # noqa: E402


def _number(result: Issued) -> str:
    return next(f.text for f in result.document.fields if f.kind == "number")


def _check(services: Services, scan: Path, code: str | None) -> PrintCheck:
    def verify(pdf: bytes, _version: VersionRecord) -> ValidationReport:
        return verify_pdf(pdf, services.verify_options(online=False))

    return check_print(services, scan, verify, code=code, jobs=1)


def _scan(folder: Path, name: str, paper: Image.Image, degradation: str, seed: int) -> Path:
    data, suffix = degrade(paper, degradation, seed)
    path = folder / f"{name}-{degradation}{suffix}"
    path.write_bytes(data)
    return path


def _distinctive(check: PrintCheck) -> str:
    ours = check.comparison.pages[0].distinctive
    theirs = check.other.comparison.pages[0].distinctive if check.other else None
    return f"A {ours:.2f}" + (f", B {theirs:.2f}" if theirs is not None else "")


def _pair(
    services: Services, folder: Path, a: Issued, b: Issued, degradation: str, row: Counter[str]
) -> None:
    """The three checks of one pair of results (see the module)."""
    name, seed = f"{a.document.kind}-{a.document.seed}", a.document.seed
    other = _check(services, _scan(folder, name + "-b", printed(b.pdf), degradation, seed), a.code)
    named = other.other is not None and other.other.code == b.code
    row["other"] += 1
    row["other_right"] += other.comparison.verdict.value == "another_document" and named
    print(f"{name} {degradation} B with A's code: {other.comparison.verdict.value} "
          f"({_distinctive(other)})", flush=True)  # fmt: skip

    forged = paint(printed(a.pdf), a.pdf, _number(a), _number(b))
    painted = _check(services, _scan(folder, name + "-f", forged, degradation, seed + 1), None)
    # the number among the changes: A's as the original, B's as the OCR read the paint
    listed = {key(c.original): key(c.printed) for c in painted.comparison.changes}
    row["painted"] += 1
    row["painted_right"] += painted.comparison.verdict.value == "changed" and (
        key(_number(a)) in listed
    )
    row["painted_exact"] += listed.get(key(_number(a))) == key(_number(b))
    row["painted_other"] += painted.other is not None
    shown = [
        (c.original, c.printed) for c in painted.comparison.changes + painted.comparison.doubts
    ]
    verdict = painted.comparison.verdict.value
    print(f"{name} {degradation} A with B's number ({_number(a)} -> {_number(b)}): {verdict} "
          f"({_distinctive(painted)}) {shown}", flush=True)  # fmt: skip

    clean = _check(
        services, _scan(folder, name + "-a", printed(a.pdf), degradation, seed + 2), None
    )
    row["clean"] += 1
    row["clean_right"] += clean.comparison.verdict.value in ("matches", "inconclusive")
    row["clean_other"] += clean.other is not None
    print(f"{name} {degradation} A clean: {clean.comparison.verdict.value}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="31,32,33")
    parser.add_argument("--degradations", default="scan300,photo")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    degradations = args.degradations.split(",")
    rows: dict[str, Counter[str]] = {d: Counter() for d in degradations}
    with tempfile.TemporaryDirectory(prefix="kyso-bench-register-") as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder / "data", public_url="http://127.0.0.1:9")
        services = build_services(settings)
        services.ensure_pki()
        ready_official(services)
        for kind in KINDS:
            for seed in seeds:
                a = asyncio.run(issue_from_template(services, kind, seed))
                b = asyncio.run(issue_from_template(services, kind, seed + 100))
                for degradation in degradations:
                    _pair(services, folder, a, b, degradation, rows[degradation])
        services.close()
    print()
    print("| copy | B's copy, A's code: another document naming B | A's copy with B's number: "
          "changed, A's number listed | B's number read exactly | taken for B | A's clean "
          "copy: not changed | taken for B |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for degradation, row in rows.items():
        print(f"| {degradation} | {row['other_right']}/{row['other']} | "
              f"{row['painted_right']}/{row['painted']} | {row['painted_exact']} | "
              f"{row['painted_other']} | {row['clean_right']}/{row['clean']} | "
              f"{row['clean_other']} |")  # fmt: skip


if __name__ == "__main__":
    main()
