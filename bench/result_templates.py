"""A result from a template: kyso's layout of a decision (``onestop.templates.layout.render``)
next to raw fpdf2 writing the same words as one plain text block with the same fonts, and a
number reserved and issued in the SQL register (SQLite), measured in one run.

    .venv/bin/python bench/result_templates.py [--rounds 5] [--count 20]

Each variant keeps its best round (the machine is shared).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from fpdf import FPDF  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from api.database import make_engine, migrate  # noqa: E402
from api.dossiers import SqlDossiers  # noqa: E402
from api.numbering import SqlNumberRegister  # noqa: E402
from onestop.model import Dossier  # noqa: E402
from onestop.numbering import RegisterKey  # noqa: E402
from onestop.status import DossierStatus  # noqa: E402
from onestop.templates.draft import DossierFacts, fill  # noqa: E402
from onestop.templates.fonts import template_fonts  # noqa: E402
from onestop.templates.layout import render  # noqa: E402
from onestop.templates.spec import DECISION  # noqa: E402

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
DOSSIER = Dossier(
    code="HSBENCH00001",
    service="Cấp giấy phép xây dựng",
    agency="UBND Quận Hoàn Kiếm",
    owner="citizen1",
    status=DossierStatus.SUBMITTED,
    submitted_at=NOW,
    promised_at=NOW,
    returned_at=None,
    submission_document="d1",
    submission_indication="TOTAL_PASSED",
    result_document=None,
)
FIELDS = {"place": "Hà Nội", "signer_title": "Chủ tịch", "signer_authority": "TM. Ủy ban nhân dân"}


def _best(rounds: int, count: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            run()
        best = min(best, (time.perf_counter() - start) / count)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    draft = fill(DECISION, DossierFacts(DOSSIER, "Nguyễn Thị Ánh", "Lê Thị Hằng"), FIELDS,
                 number=12, issued_at=NOW)  # fmt: skip
    words = "\n".join([*draft.agency_lines, draft.notation, draft.place_date, draft.title,
                       draft.subject, *(p.label + " " + p.text for p in draft.body)])  # fmt: skip
    fonts = template_fonts()

    def raw() -> bytes:
        pdf = FPDF(format="A4", unit="pt")
        pdf.add_font("Serif", "", str(fonts[""]))
        pdf.add_page()
        pdf.set_font("Serif", "", 13)
        pdf.multi_cell(450, 17, words)
        return bytes(pdf.output())

    kyso = _best(args.rounds, args.count, lambda: render(draft))
    plain = _best(args.rounds, args.count, raw)
    print(f"render a decision (kyso layout, 4 faces): {kyso * 1000:7.1f} ms")
    print(f"raw fpdf2, same words, one face:          {plain * 1000:7.1f} ms")
    print(f"  ratio {kyso / plain:.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'kyso.db'}")
        migrate(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        register, dossiers = SqlNumberRegister(sessions), SqlDossiers(sessions)
        key = RegisterKey(DOSSIER.agency, "QĐ", 2026)
        made = iter(range(10**6))

        def number() -> None:
            dossier = dataclasses.replace(DOSSIER, code=f"HSB{next(made):09d}")
            dossiers.add(dossier)
            reservation = register.reserve(key, dossier.code, NOW)
            after = dataclasses.replace(dossier, status=DossierStatus.RETURNED, result_document="x")
            assert register.issue(reservation, dossier, after, NOW)

        def add_only() -> None:
            dossiers.add(dataclasses.replace(DOSSIER, code=f"HSB{next(made):09d}"))

        numbered = _best(args.rounds, args.count, number)
        added = _best(args.rounds, args.count, add_only)
        engine.dispose()
    print(f"add + reserve + issue (SQLite):           {numbered * 1000:7.1f} ms")
    print(f"add a dossier alone (SQLite):             {added * 1000:7.1f} ms")
    print(f"  ratio {numbered / added:.2f}")


if __name__ == "__main__":
    main()
