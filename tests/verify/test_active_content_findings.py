"""Active content in a verified PDF: reported (as Adobe Reader and EU DSS do), never run, and
a failure when it appeared after the signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from signing.options import Level, SignOptions
from tests.verify.corpus import original
from tests.verify.pdftraps import (
    CODES,
    KINDS,
    active_pdf,
    add_embedded_file_to_names,
    add_file_attachment,
    add_javascript_link,
    add_open_action_js,
    hit_server,
    with_names_dictionary,
)
from verify import Indication, verify_pdf
from verify.model import Finding, Severity, ValidationReport


def _signed(kit: object, pdf: bytes) -> bytes:
    signer = kit.signer(kit.citizen.serial)  # type: ignore[attr-defined]
    done = asyncio.run(signer.sign(pdf, SignOptions(level=Level.B_T)))
    assert done.pdf is not None
    return done.pdf


def _by_code(report: ValidationReport) -> dict[str, Finding]:
    return {f.code: f for f in report.all_findings()}


@pytest.mark.parametrize("kind", KINDS)
def test_active_content_covered_by_the_signature_is_reported_and_the_verdict_kept(
    kit: object, kind: str
) -> None:
    with hit_server() as server:
        signed = _signed(kit, active_pdf(original(), server.url, (kind,)))
        report = verify_pdf(signed, kit.options())  # type: ignore[attr-defined]
    assert server.hits == []
    assert report.indication is Indication.TOTAL_PASSED, _by_code(report)
    found = _by_code(report)
    finding = found[CODES[kind]]
    assert finding.severity in (Severity.WARN, Severity.INFORM)
    assert finding.message_vi and finding.message_en and finding.message_vi != finding.message_en
    # only the kind put in is reported (no noise on the other kinds)
    others = {CODES[k] for k in KINDS if k != kind}
    assert not others & set(found), set(found)
    assert "active_content_added" not in found


def test_each_kind_names_where_it_is(kit: object) -> None:
    with hit_server() as server:
        report = verify_pdf(active_pdf(original(), server.url), kit.options())  # type: ignore[attr-defined]
    assert server.hits == []
    found = _by_code(report)
    assert {CODES[k] for k in KINDS} <= set(found)
    assert found["active_javascript"].severity is Severity.WARN
    assert found["active_launch"].severity is Severity.WARN
    assert found["active_multimedia"].severity is Severity.WARN
    assert "OpenAction" in found["active_javascript"].message_en
    assert "JavaScript" in found["active_javascript"].message_vi
    assert "launch.exe" in found["active_launch"].message_en
    assert "chuong-trinh.exe" in found["active_embedded_files"].message_vi
    assert "hoa-don.xml" in found["active_embedded_files"].message_en
    assert server.url + "/link" in found["active_links"].message_en


def test_no_document_of_the_corpus_is_said_to_have_active_content(
    kit: object, corpus: dict[str, bytes]
) -> None:
    """Stamps, forms, DSS, time-stamps and the attacks without scripts: no false alarm."""
    for name, data in corpus.items():
        codes = set(_by_code(verify_pdf(data, kit.options())))  # type: ignore[attr-defined]
        assert not {c for c in codes if c.startswith("active_")}, (name, codes)


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda pdf, url: add_open_action_js(pdf, url), id="open-action-javascript"),
        pytest.param(lambda pdf, url: add_javascript_link(pdf, url), id="javascript-link"),
        pytest.param(lambda pdf, _url: add_file_attachment(pdf), id="file-attachment"),
        pytest.param(
            lambda pdf, _url: add_embedded_file_to_names(pdf), id="embedded-file-in-names"
        ),
    ],
)
def test_active_content_added_after_signing_fails(
    kit: object, attack: Callable[[bytes, str], bytes]
) -> None:
    signed = _signed(kit, with_names_dictionary(original()))
    assert verify_pdf(signed, kit.options()).indication is Indication.TOTAL_PASSED  # type: ignore[attr-defined]
    with hit_server() as server:
        attacked = attack(signed, server.url)
        report = verify_pdf(attacked, kit.options())  # type: ignore[attr-defined]
    assert server.hits == []
    assert report.indication is not Indication.TOTAL_PASSED
    found = _by_code(report)
    added = found.get("active_content_added")
    assert added is not None and added.severity is Severity.FAIL, found
    assert "sau khi ký" in added.message_vi and "after signing" in added.message_en
    assert report.signatures[0].changes.kind.value == "other"


def _looping_pdf() -> bytes:
    """Active content wired in loops and at length: chained actions pointing back at each
    other, a bookmark that is its own next, a name tree that is its own kid, 200 000 names."""
    import io

    import pikepdf

    pdf = pikepdf.open(io.BytesIO(original()))
    first = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)"))
    second = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.URI, URI="http://127.0.0.1:9/"))
    first.Next, second.Next = second, first
    pdf.Root.OpenAction = first
    chain = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="1"))
    for _ in range(5_000):
        chain = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="2", Next=chain))
    pdf.Root.AA = pikepdf.Dictionary(WC=chain)
    bookmark = pdf.make_indirect(pikepdf.Dictionary(Title="Muc 1", A=first))
    bookmark.Next = bookmark
    pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(First=bookmark, Last=bookmark))
    tree = pdf.make_indirect(pikepdf.Dictionary(Names=[]))
    tree.Kids = [tree]
    names = pikepdf.Array()
    for number in range(100_000):
        names.append(pikepdf.String(f"f{number:06d}"))
        names.append(pikepdf.String("not a file specification"))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=tree, EmbeddedFiles={"/Names": names})
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_loops_and_lengths_in_active_content_end_quickly(kit: object) -> None:
    import time

    data = _looping_pdf()
    started = time.monotonic()
    report = verify_pdf(data, kit.options())  # type: ignore[attr-defined]
    assert time.monotonic() - started < 10
    found = _by_code(report)
    assert {"active_javascript", "active_links", "active_embedded_files"} <= set(found)
    assert "+" in found["active_embedded_files"].message_en  # many, counted, not listed
