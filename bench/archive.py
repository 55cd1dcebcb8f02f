"""Archive benchmarks, ratios against the raw libraries measured in one run.

    .venv/bin/python bench/archive.py [--size-mb 512] [--large-mb 2048] [--docs 100000]

1. ingest throughput: kyso S3Store ingest (hash + put + lock + catalog) vs plain minio-SDK
   ``put_object`` of the same file to the same SeaweedFS; FolderStore ingest vs a plain
   file copy (``shutil.copyfile`` + fsync) on the same disk;
2. peak memory (max RSS of a child process) while ingesting one large file on each store;
3. search latency over N generated Vietnamese documents on PostgreSQL (p50 / p95).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minio import Minio  # noqa: E402

from api.database import make_engine, migrate  # noqa: E402
from archive.catalog.sql import SqlCatalog  # noqa: E402
from archive.ingest import Archive  # noqa: E402
from archive.metadata import DocumentMeta  # noqa: E402
from archive.store.folder import FolderStore  # noqa: E402
from archive.store.s3 import PART_SIZE, S3Store  # noqa: E402
from common.clock import SystemClock  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def make_file(path: Path, size_mb: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as out:
        for i in range(size_mb):
            out.write(block[:-8] + i.to_bytes(8, "big"))


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def s3_archive(endpoint: str, bucket: str, work: Path, migrated: bool = False) -> Archive:
    clock = SystemClock()
    client = Minio(endpoint, access_key="bench", secret_key="bench-secret", secure=False)
    store = S3Store(client, bucket, clock)
    store.ensure_bucket()
    engine = make_engine(f"sqlite:///{work / (bucket + '.db')}")
    if not migrated:
        migrate(engine)
    return Archive(store, SqlCatalog(engine, clock))


def folder_archive(work: Path, name: str, migrated: bool = False) -> Archive:
    clock = SystemClock()
    engine = make_engine(f"sqlite:///{work / (name + '.db')}")
    if not migrated:
        migrate(engine)
    return Archive(FolderStore(work / name, clock), SqlCatalog(engine, clock))


def ingest(archive: Archive, path: Path) -> None:
    meta = DocumentMeta(title=f"bench {secrets.token_hex(4)}")
    with path.open("rb") as stream:
        archive.put(stream, dossier_code="BENCH", meta=meta, media_type="application/pdf")


def bench_throughput(endpoint: str, work: Path, size_mb: int, rounds: int) -> list[tuple[str, ...]]:
    src = work / "throughput.bin"
    make_file(src, size_mb)
    client = Minio(endpoint, access_key="bench", secret_key="bench-secret", secure=False)
    raw_bucket = "bench-raw"
    if not client.bucket_exists(raw_bucket):
        client.make_bucket(raw_bucket, object_lock=True)
    kyso_s3 = s3_archive(endpoint, "bench-kyso", work)
    kyso_folder = folder_archive(work, "folder")
    warm = work / "warm.bin"
    make_file(warm, 8)
    with warm.open("rb") as stream:  # first writes allocate volumes: keep them out of timings
        client.put_object(raw_bucket, "warm", stream, length=-1, part_size=PART_SIZE)
    ingest(kyso_s3, warm)
    raw_s3, ours_s3, raw_copy, ours_folder = [], [], [], []
    for i in range(rounds):
        # each round stores different bytes, so deduplication does not short-cut kyso
        make_file(src, size_mb) if i else None

        def plain_put(i: int = i) -> None:
            with src.open("rb") as stream:
                client.put_object(raw_bucket, f"raw-{i}", stream, length=-1, part_size=PART_SIZE)

        def plain_copy(i: int = i) -> None:
            dst = work / f"copy-{i}.bin"
            shutil.copyfile(src, dst)
            with dst.open("rb+") as fh:
                os.fsync(fh.fileno())

        raw_s3.append(timed(plain_put))
        ours_s3.append(timed(lambda: ingest(kyso_s3, src)))
        raw_copy.append(timed(plain_copy))
        ours_folder.append(timed(lambda: ingest(kyso_folder, src)))
    mb = float(size_mb)
    rows = []
    for name, raw, ours in (
        ("S3 ingest vs minio put_object", raw_s3, ours_s3),
        ("folder ingest vs file copy+fsync", raw_copy, ours_folder),
    ):
        r, o = statistics.median(raw), statistics.median(ours)
        rows.append((name, f"{mb / r:.0f} MB/s", f"{mb / o:.0f} MB/s", f"{r / o:.2f}x"))
    return rows


def peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM: unlike ru_maxrss it is not inherited over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(kind: str, path: str, target: str) -> None:
    """Run in a child process: ingest one file, print the peak RSS before and after (MB)."""
    work = Path(target)
    archive = (
        s3_archive(kind.split("=", 1)[1], "bench-mem", work, migrated=True)
        if kind.startswith("s3=")
        else folder_archive(work, "mem", migrated=True)
    )
    before = peak_rss_mb()
    ingest(archive, Path(path))
    after = peak_rss_mb()
    print(f"{before:.0f} {after:.0f}")


def bench_memory(endpoint: str, work: Path, large_mb: int) -> list[tuple[str, ...]]:
    big = work / "large.bin"
    make_file(big, large_mb)
    s3_archive(endpoint, "bench-mem", work)  # create bucket and catalogs here, not in the child
    folder_archive(work, "mem")
    rows = []
    for label, kind in (("S3", f"s3={endpoint}"), ("folder", "folder")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(big), str(work)],
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        ).stdout.split()
        rows.append(
            (
                f"peak RSS ingesting {large_mb} MB ({label})",
                f"{out[0]} MB before ingest",
                f"{out[1]} MB peak (+{int(out[1]) - int(out[0])} MB)",
                "target < 100 MB",
            )
        )
    big.unlink()
    return rows


WORDS = [
    "hồ",
    "sơ",
    "lưu",
    "trữ",
    "quyết",
    "định",
    "giấy",
    "phép",
    "xây",
    "dựng",
    "đất",
    "đai",
    "ủy",
    "ban",
    "nhân",
    "dân",
    "phường",
    "quận",
    "huyện",
    "tỉnh",
    "thành",
    "phố",
    "công",
    "văn",
    "tờ",
    "trình",
    "biên",
    "bản",
    "báo",
    "cáo",
    "kế",
    "hoạch",
    "thông",
    "báo",
    "chứng",
    "nhận",
    "quyền",
    "sử",
    "dụng",
    "nhà",
    "ở",
    "khen",
    "thưởng",
    "kỷ",
    "luật",
    "tuyển",
    "dụng",
    "bổ",
    "nhiệm",
    "đăng",
    "ký",
    "kinh",
    "doanh",
    "hộ",
    "tịch",
    "khai",
    "sinh",
    "kết",
    "hôn",
    "đầu",
    "tư",
    "môi",
    "trường",
    "giao",
    "thông",
    "thuế",
    "tài",
    "chính",
    "ngân",
    "sách",
    "giáo",
    "dục",
    "y",
    "tế",
    "văn",
    "hoá",
    "du",
    "lịch",
    "nông",
    "nghiệp",
    "thuỷ",
    "lợi",
    "điện",
    "lực",
    "viễn",
    "thông",
    "Đà",
    "Nẵng",
    "Hà",
    "Nội",
    "Huế",
    "Cần",
    "Thơ",
    "Hải",
    "Phòng",
]
TYPES = ("Quyết định", "Công văn", "Tờ trình", "Giấy phép", "Báo cáo", "Biên bản")


def bench_search(docs: int, queries: int) -> list[tuple[str, ...]]:
    from sqlalchemy import create_engine, insert, text

    from archive.catalog import tables as t
    from archive.metadata import DossierMeta, SearchFilters
    from archive.search import search
    from archive.text import fold

    name = "kyso_bench_" + secrets.token_hex(4)
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        engine = make_engine(f"{PG}/{name}")
        migrate(engine)
        clock = SystemClock()
        catalog = SqlCatalog(engine, clock)
        for d in range(20):
            catalog.create_dossier(DossierMeta(f"HS-{d:03}", f"Hồ sơ {d}"), actor="bench")
        rng = random.Random(7)
        now = clock.now()
        batch = []
        with engine.begin() as conn:
            for i in range(docs):
                title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12)))
                level = rng.choice((0, 0, 0, 1, 2))
                batch.append(
                    {
                        "id": f"d{i:025d}",
                        "dossier_id": rng.randint(1, 20),
                        "meta": "{}",
                        "title": title,
                        "document_type": rng.choice(TYPES),
                        "issue_date": None,
                        "retention": "10",
                        "access_level": ("public", "internal", "restricted")[level],
                        "access_rank": level,
                        "legal_hold": False,
                        "created_at": now,
                        "search_text": fold(title),
                    }
                )
                if len(batch) == 5000:
                    conn.execute(insert(t.documents), batch)
                    batch = []
            if batch:
                conn.execute(insert(t.documents), batch)
            conn.execute(text("ANALYZE"))
        timings = []
        filtered = []
        for _ in range(queries):
            query = " ".join(fold(rng.choice(WORDS)) for _ in range(rng.randint(1, 3)))
            timings.append(timed(lambda q=query: search(catalog, q)))
            filters = SearchFilters(document_type=rng.choice(TYPES), clearance="internal")
            filtered.append(timed(lambda q=query, f=filters: search(catalog, q, f)))
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    rows = []
    for label, values in (("search", timings), ("search + type/access filters", filtered)):
        ms = sorted(v * 1000 for v in values)
        p95 = ms[int(len(ms) * 0.95) - 1]
        rows.append(
            (
                f"{label}, {docs} docs, PostgreSQL",
                f"p50 {statistics.median(ms):.1f} ms",
                f"p95 {p95:.1f} ms",
                "target p95 < 50 ms",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=512, help="file size for throughput")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=2048, help="file size for peak memory")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_ingest(*args.child)
        return
    from tests.s3 import start_seaweedfs, stop_seaweedfs

    work = Path(tempfile.mkdtemp(prefix="kyso-bench-"))
    proc, server = start_seaweedfs(
        work / "weed-data" if (work / "weed-data").mkdir() is None else work
    )
    try:
        rows = [("measure", "raw library", "kyso", "ratio / target")]
        rows += bench_throughput(server.endpoint, work, args.size_mb, args.rounds)
        rows += bench_memory(server.endpoint, work, args.large_mb)
        rows += bench_search(args.docs, args.queries)
    finally:
        stop_seaweedfs(proc)
        shutil.rmtree(work, ignore_errors=True)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
