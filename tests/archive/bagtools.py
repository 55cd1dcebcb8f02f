"""Helpers of the BagIt tests: a bag's manifests made right again after an edit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

ALGORITHMS = ("sha256", "sha512")


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
