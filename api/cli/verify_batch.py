"""``kyso verify A.pdf B.pdf dir/``: a batch through one reusable, limited verifier.

Each document gets a line (or a JSON line with ``--json``) as soon as it is verified, then a
summary. The exit status is the worst document's, in the order (worst first) 1 a signature
TOTAL_FAILED, 3 unreadable (not a PDF, or over the limits), 4 not verified (missing, too
large), 2 INDETERMINATE, 0 TOTAL_PASSED: the status of a batch says the most serious thing
found in it, and a forged document is never hidden behind a file that could not be read.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.exitcodes import ExitCode, exit_status
from common.errors import KysoError
from verify.options import VerifyOptions

if TYPE_CHECKING:
    from api.settings_verify import VerifySettingsView

#: exit statuses from the most serious to the least (docs/cli.md)
SEVERITY = (1, 3, 4, 2, 0)
_NAMES = {0: "passed", 1: "failed", 2: "indeterminate", 3: "unreadable", 4: "error"}


def worst_status(statuses: list[int]) -> int:
    """The batch's exit status: the most serious of its documents' (0 for none)."""
    return min(statuses, key=SEVERITY.index, default=0)


def expand(paths: list[Path]) -> Iterator[Path]:
    """Files as given; a folder gives its ``*.pdf`` files (any case), sorted, not its
    sub-folders."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.iterdir() if p.suffix.lower() == ".pdf" and p.is_file()
            )
        else:
            yield path


def _line(path: Path, status: int, detail: str) -> str:
    return f"{_NAMES[status]:<13} {path}: {detail}"


def verify_batch(
    paths: list[Path],
    options: VerifyOptions,
    settings: VerifySettingsView,
    *,
    json_out: bool,
    lang: str,
) -> int:
    from certs.revcache import RevocationCache
    from verify.batch import BatchVerifier
    from verify.batchcache import BatchCache
    from verify.i18n import VERDICT
    from verify.serialize import report_dict

    shared = RevocationCache(max_age=settings.revocation_cache_seconds)
    kept = BatchCache.create(max_age=settings.revocation_cache_seconds)
    options = dataclasses.replace(options, revocation_cache=shared, batch_cache=kept)
    counts: Counter[int] = Counter()
    with BatchVerifier(options) as verifier:
        for path in expand(paths):
            try:
                report = verifier.verify(path)
            except KysoError as exc:
                counts[ExitCode.ERROR] += 1
                error = {"code": exc.code, "message": exc.message}
                if json_out:
                    print(json.dumps({"path": str(path), "exit_code": ExitCode.ERROR,
                                           "error": error}, ensure_ascii=False))  # fmt: skip
                else:
                    print(_line(path, ExitCode.ERROR, f"lỗi / error [{exc.code}]: {exc.message}"))
                continue
            status = int(exit_status(report))
            counts[status] += 1
            if json_out:
                body = {"path": str(path), "exit_code": status, "report": report_dict(report)}
                print(json.dumps(body, ensure_ascii=False))
                continue
            sub = f" / {report.sub_indication.value}" if report.sub_indication else ""
            verdict = VERDICT[lang][report.indication]
            print(_line(path, status, f"{verdict} ({report.indication.value}{sub})"))
    status = worst_status(list(counts.elements()))
    summary = {name: counts[code] for code, name in _NAMES.items()}
    total = sum(counts.values())
    if json_out:
        print(json.dumps({"summary": {"documents": total, **summary, "exit_code": status}}))
    else:
        parts = ", ".join(f"{counts[code]} {name}" for code, name in _NAMES.items())
        print(f"Tổng cộng / summary: {total} documents: {parts}; exit {status}")
    return status
