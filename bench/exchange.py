"""edXML packages: kyso's safe parse (size bound, no DTD/entities, XSD, manifest check, base64
decode) vs lxml's default parse plus the base64 decode; kyso's build (tree, base64, XSD check,
serialise) vs base64 plus serialising the same tree already built; one attachment each size.

Run: .venv/bin/python bench/exchange.py [--sizes 1,3,7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

sys.path[0] = str(Path(__file__).resolve().parent.parent)
from onestop.exchange.edxml import build_package, parse_package  # noqa: E402
from onestop.exchange.model import Attachment, Header, Organ, Package, Trace  # noqa: E402
from onestop.exchange.xmltools import NS  # noqa: E402


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _raw(body: bytes) -> bytes:
    root = etree.fromstring(body)
    node = root.find(f".//{{{NS}}}ContentTransferEncoded")
    return base64.b64decode(node.text)


def _row(header: Header, mb: int, repeat: int) -> str:
    data = b"%PDF-" + os.urandom(mb * 1024 * 1024 - 8)
    item = Attachment("cid:1", "qd.pdf", "application/pdf", data)
    package = Package(header, (Trace("000.00.00.H01", datetime.now(UTC)),), (item,))
    body = build_package(package)
    kyso_parse = _best(lambda: parse_package(body, len(body) + 1), repeat)
    raw_parse = _best(lambda: _raw(body), repeat)
    kyso_build = _best(lambda: build_package(package), repeat)
    root = etree.fromstring(body)
    raw_build = _best(
        lambda: (base64.b64encode(data), etree.tostring(root, encoding="UTF-8")), repeat
    )
    return (
        f"| {mb} MiB | {len(body) / 1e6:.1f} MB | {kyso_parse * 1000:.0f} ms | "
        f"{raw_parse * 1000:.0f} ms | {kyso_parse / raw_parse:.1f}x | "
        f"{kyso_build * 1000:.0f} ms | {raw_build * 1000:.0f} ms | {kyso_build / raw_build:.1f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,3,7")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    header = Header(
        Organ("000.00.00.H01", "UBND Quận Hoàn Kiếm"), Organ("000.00.00.H02", "Sở Xây dựng"),
        "m-bench", "123", "QĐ-UBND", "Hà Nội", date(2026, 11, 23), "Quyết định", "Cấp phép",
    )  # fmt: skip
    print("| attachment | package | kyso parse | lxml parse + b64 | ratio | kyso build "
          "| b64 + serialise | ratio |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for mb in (int(s) for s in args.sizes.split(",")):
        print(_row(header, mb, args.repeat))


if __name__ == "__main__":
    main()
