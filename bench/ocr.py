"""kyso ocr against OCRmyPDF on the same synthetic Vietnamese scans, measured in one run.

    .venv/bin/python bench/ocr.py [--pages-per-kind 4] [--jobs 2]

For each degradation kind, one image-only PDF (made with img2pdf, lossless) goes through
``kyso ocr --jobs 2`` and ``ocrmypdf --jobs 2 -l vie --output-type pdfa --deskew --rotate-pages``.
Prints seconds per page (wall clock, process start included) and the character error rate of
``pdftotext -layout`` per page against the known text (NFC, whitespace collapsed), and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import img2pdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ocr"))

import ocr_synthetic as synth  # noqa: E402

BIN = Path(sys.executable).parent


def make_input(kind: str, folder: Path, count: int) -> tuple[Path, list[str]]:
    sources = [synth.DECISION_LINES, synth.LETTER_LINES]
    paths, truths = [], []
    for i in range(count):
        lines = sources[i % 2]
        page = synth.degraded(kind, synth.render_document(lines))
        suffix = ".jpg" if kind == "jpeg" else ".png"
        paths.append(synth.save(page, folder / f"{kind}-{i:02d}{suffix}"))
        truths.append("\n".join(lines))
    pdf = folder / f"{kind}.pdf"
    pdf.write_bytes(img2pdf.convert([str(p) for p in paths]))
    return pdf, truths


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {done.stderr.decode()[-800:]}")
    return seconds


def page_cers(pdf: Path, truths: list[str]) -> list[float]:
    cers = []
    for n, truth in enumerate(truths, 1):
        args = ["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(n), "-l", str(n), str(pdf), "-"]
        text = subprocess.run(args, capture_output=True, check=True).stdout.decode()
        cers.append(synth.cer(truth, text))
    return cers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages-per-kind", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kinds", default=",".join(synth.DEGRADATIONS))
    args = parser.parse_args()
    jobs = str(args.jobs)
    rows = []
    totals = {"kyso": 0.0, "ocrmypdf": 0.0}
    pages_total = 0
    with tempfile.TemporaryDirectory(prefix="kyso-bench-ocr-") as tmp:
        folder = Path(tmp)
        for kind in args.kinds.split(","):
            pdf, truths = make_input(kind, folder, args.pages_per_kind)
            out_k, out_o = folder / f"{kind}.kyso.pdf", folder / f"{kind}.ocrmypdf.pdf"
            kyso_cmd = [str(BIN / "kyso"), "ocr", str(pdf), "-o", str(out_k), "--jobs", jobs]
            ocrmypdf_cmd = [
                str(BIN / "ocrmypdf"),
                "--jobs",
                jobs,
                "-l",
                "vie",
                "--output-type",
                "pdfa",
                "--deskew",
                "--rotate-pages",
                str(pdf),
                str(out_o),
            ]
            t_o = timed(ocrmypdf_cmd)
            t_k = timed(kyso_cmd)
            n = len(truths)
            pages_total += n
            totals["kyso"] += t_k
            totals["ocrmypdf"] += t_o
            cer_k = statistics.fmean(page_cers(out_k, truths))
            cer_o = statistics.fmean(page_cers(out_o, truths))
            rows.append((kind, n, t_k / n, t_o / n, cer_k, cer_o))
            print(f"  {kind}: kyso {t_k / n:.2f}s/page, OCRmyPDF {t_o / n:.2f}s/page", flush=True)
    print()
    print("| kind | pages | kyso s/page | OCRmyPDF s/page | speed-up | kyso CER | OCRmyPDF CER |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, n, sk, so, ck, co in rows:
        print(f"| {kind} | {n} | {sk:.2f} | {so:.2f} | {so / sk:.2f}x | {ck:.2%} | {co:.2%} |")
    sk, so = totals["kyso"] / pages_total, totals["ocrmypdf"] / pages_total
    mean_k = statistics.fmean(r[4] for r in rows)
    mean_o = statistics.fmean(r[5] for r in rows)
    print(
        f"| **all** | {pages_total} | {sk:.2f} | {so:.2f} | **{so / sk:.2f}x** "
        f"| {mean_k:.2%} | {mean_o:.2%} |"
    )


if __name__ == "__main__":
    main()
