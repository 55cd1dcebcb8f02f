"""The corpus other producers signed (tests/verify/foreign_corpus.py), verified as a whole.

Prints the confusion table (expected against got); no intact document is TOTAL_FAILED, no
document that must not pass is TOTAL_PASSED, nothing crashes, each gets its expected verdict.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.verify.conftest import Kit
from tests.verify.foreign_corpus import Document, Verdict
from verify import Indication, verify_pdf

Got = Verdict | str  # a verdict, or the exception verification raised


@pytest.fixture(scope="session")
def foreign_results(kit: Kit, foreign_corpus: list[Document]) -> dict[str, Got]:
    results: dict[str, Got] = {}
    for doc in foreign_corpus:
        try:
            report = verify_pdf(doc.pdf, kit.options(online=not doc.offline))
        except Exception as exc:
            results[doc.name] = f"crash: {type(exc).__name__}: {exc}"
            continue
        results[doc.name] = (report.indication, report.sub_indication)
    return results


def _label(verdict: Got) -> str:
    if isinstance(verdict, str):
        return "crash"
    indication, sub = verdict
    return indication.value + (f" / {sub.value}" if sub is not None else "")


def confusion_table(corpus: list[Document], results: dict[str, Got]) -> str:
    """Markdown: rows expected, columns got, and the documents whose verdict differs."""
    pairs = Counter((_label(d.expected), _label(results[d.name])) for d in corpus)
    rows = sorted({e for e, _ in pairs})
    cols = sorted({g for _, g in pairs})
    lines = ["| expected \\ got | " + " | ".join(cols) + " |",
             "| --- |" + " --- |" * len(cols)]  # fmt: skip
    for row in rows:
        cells = [str(pairs.get((row, col), "")) for col in cols]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    wrong = [f"- {d.name} ({d.producer}): expected {_label(d.expected)}, got "
             f"{results[d.name] if isinstance(results[d.name], str) else _label(results[d.name])}"
             for d in corpus if results[d.name] != d.expected]  # fmt: skip
    return "\n".join([*lines, *wrong])


def test_foreign_corpus_has_no_false_failure_no_false_pass_no_crash(
    foreign_corpus: list[Document], foreign_results: dict[str, Got]
) -> None:
    table = confusion_table(foreign_corpus, foreign_results)
    print(f"\n{len(foreign_corpus)} documents by other producers\n{table}")
    crashes = [name for name, got in foreign_results.items() if isinstance(got, str)]
    false_failures = [d.name for d in foreign_corpus if d.intact
                      and foreign_results[d.name][0] is Indication.TOTAL_FAILED]  # fmt: skip
    false_passes = [d.name for d in foreign_corpus if not d.intact
                    and foreign_results[d.name][0] is Indication.TOTAL_PASSED]  # fmt: skip
    assert not crashes, table
    assert not false_failures, table
    assert not false_passes, table
    producers = {p for d in foreign_corpus for p in d.producer.split("+")}
    assert {"endesive", "pdfsig", "pdfbox", "qpdf"} <= producers


def test_each_foreign_document_gets_its_expected_verdict(
    foreign_corpus: list[Document], foreign_results: dict[str, Got]
) -> None:
    wrong = {d.name: foreign_results[d.name] for d in foreign_corpus
             if foreign_results[d.name] != d.expected}  # fmt: skip
    assert not wrong, confusion_table(foreign_corpus, foreign_results)
