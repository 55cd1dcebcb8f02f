"""``kyso ocr``: digitise a scan into a searchable PDF/A with a progress bar."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.exitcodes import ExitCode
from ocr.options import OcrOptions
from ocr.results import OcrResult, ProgressEvent


def ocr_command(
    source: Path = typer.Argument(..., help="Image-only PDF, TIFF, JPEG/PNG or a folder of pages."),
    output: Path = typer.Option(..., "-o", "--output", help="The PDF/A-2b to write."),
    lang: str = typer.Option("vie+eng", "--lang", "-l", help="Tesseract languages."),
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Pages recognised at once."),
    sidecar: Path | None = typer.Option(None, "--sidecar", help="Also write the text here."),
    hocr: Path | None = typer.Option(None, "--hocr", help="Write one hOCR file per page here."),
    force: bool = typer.Option(False, "--force", help="OCR pages that already have text."),
    derivative: bool = typer.Option(
        False, "--derivative", help="For a signed PDF: write a separate OCR derivative."
    ),
    no_deskew: bool = typer.Option(False, "--no-deskew", help="Do not straighten pages."),
    no_rotate: bool = typer.Option(False, "--no-rotate", help="Do not turn upside-down pages."),
    straighten_image: bool = typer.Option(
        False, "--straighten-image", help="Archive the image straightened (default: as scanned)."
    ),
) -> None:
    """Số hoá: OCR a scan into a searchable PDF/A-2b (Vietnamese text layer, sidecar text)."""
    # imported here: numpy, Pillow and pikepdf load only for this command, not for every `kyso`
    from ocr.pipeline import digitise

    options = OcrOptions(
        languages=lang,
        jobs=jobs,
        force=force,
        derivative_of_signed=derivative,
        deskew=not no_deskew,
        rotate_pages=not no_rotate,
        straighten_archived=straighten_image,
        hocr_dir=hocr,
    )
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]OCR"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trang / pages"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("ocr", total=None)

        def on_page(event: ProgressEvent) -> None:
            bar.update(task, completed=event.done, total=event.total)

        result = digitise(source, output, options, sidecar=sidecar, progress=on_page)
    _report(result)


def _report(result: OcrResult) -> None:
    typer.echo(f"{result.output}: {len(result.pages)} pages in {result.seconds:.1f}s")
    for page in result.pages:
        flags = [f"rotated {page.rotation}"] if page.rotation else []
        if page.skipped_text:
            flags.append("kept (had text)")
        if page.needs_review:
            flags.append("CẦN KIỂM TRA / needs review")
        flags.extend(page.digitisation_issues)
        typer.echo(
            f"  page {page.number}: confidence {page.mean_confidence:.0f}, {page.dpi} dpi, "
            f"{page.colour}, skew {page.skew:+.1f}°" + (f" [{', '.join(flags)}]" if flags else "")
        )
    meta = result.metadata
    for label, suggestion in (
        ("số, ký hiệu / number", meta.number_notation),
        ("loại / type", meta.document_type),
        ("cơ quan ban hành / issuer", meta.issuing_body),
        ("nơi ban hành / place", meta.issue_place),
        ("ngày / date", meta.issue_date),
        ("trích yếu / title", meta.title),
    ):
        if suggestion is not None:
            typer.echo(f"  {label}: {suggestion.value} (page {suggestion.page})")
    if result.derivative:
        typer.echo(f"  derivative of signed original sha256:{result.source_sha256}")


def main() -> None:
    """``python -m api.cli.ocr``: the same command without loading kyso's other commands."""
    from common.errors import KysoError

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(ocr_command)
    try:
        app()
    except KysoError as exc:
        typer.echo(f"lỗi / error [{exc.code}]: {exc.message}", err=True)
        raise SystemExit(ExitCode.ERROR) from None


if __name__ == "__main__":
    main()
