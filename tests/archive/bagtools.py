"""Helpers of the BagIt tests: a dossier of three versions to export, and a bag's manifests
made right again after an edit."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta

ALGORITHMS = ("sha256", "sha512")
SCAN = b"%PDF-1.7\n" + bytes(range(256)) * 40  # every byte value, as a scan's bytes
OCR = b"%PDF-1.7\nlop van ban OCR\n"
MINUTES = "Biên bản họp ngày 23/11/2026\r\nkhông dấu: bien ban\n".encode()


def put_sample_dossier(archive: Archive, code: str, title: str, scan_title: str) -> None:
    """A permanent dossier holding a scan, its OCR version and the minutes (plain text)."""
    archive.catalog.create_dossier(
        DossierMeta(code, title, retention="permanent"), actor="archivist"
    )
    first = archive.put(
        io.BytesIO(SCAN), dossier_code=code, meta=DocumentMeta(title=scan_title),
        media_type="application/pdf",
    ).document_id  # fmt: skip
    archive.put(io.BytesIO(OCR), dossier_code="", document_id=first, kind="ocr",
                media_type="application/pdf")  # fmt: skip
    archive.put(io.BytesIO(MINUTES), dossier_code=code, meta=DocumentMeta(title="Biên bản"),
                media_type="text/plain")  # fmt: skip


def digest(path: Path, algorithm: str) -> str:
    return hashlib.new(algorithm, path.read_bytes()).hexdigest()


def rewrite_tag_manifests(bag: Path) -> None:
    """Every tagmanifest-<alg>.txt over the tag files it lists (a careful sender)."""
    for manifest in bag.glob("tagmanifest-*.txt"):
        algorithm = manifest.name.removeprefix("tagmanifest-").removesuffix(".txt")
        names = [line.split(maxsplit=1)[1] for line in manifest.read_text().splitlines() if line]
        manifest.write_text(
            "".join(f"{digest(bag / name, algorithm)}  {name}\n" for name in names),
            encoding="utf-8",
        )


def rewrite_manifests(bag: Path, unlisted: Iterable[str] = ()) -> None:
    """Checksums and Payload-Oxum made right again after an edit (a careful attacker);
    ``unlisted`` paths are listed with a made-up digest without being read."""
    files = sorted(p for p in (bag / "data").rglob("*") if p.is_file() and not p.is_fifo())
    listed = sorted({p.relative_to(bag).as_posix() for p in files} | set(unlisted))
    for algorithm in ALGORITHMS:
        made_up = "0" * hashlib.new(algorithm).digest_size * 2
        sums = {
            rel: digest(bag / rel, algorithm) if rel not in unlisted else made_up for rel in listed
        }
        (bag / f"manifest-{algorithm}.txt").write_text(
            "".join(f"{sha}  {rel}\n" for rel, sha in sums.items()), encoding="utf-8"
        )
    total = sum(p.stat().st_size for p in files)
    info = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    info = [f"Payload-Oxum: {total}.{len(listed)}" if line.startswith("Payload-Oxum") else line
            for line in info]  # fmt: skip
    (bag / "bag-info.txt").write_text("\n".join(info) + "\n", encoding="utf-8")
    rewrite_tag_manifests(bag)
