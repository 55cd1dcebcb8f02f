"""Hostile input never hurts: unreadable, encrypted, truncated, nested, bombs, fuzzed bytes."""

from __future__ import annotations

import time
import zlib
from io import BytesIO

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verify.conftest import Kit
from tests.verify.corpus import original
from verify import Indication, Limits, verify_pdf
from verify.errors import VerificationInputError
from verify.isolate import verify_isolated


def _codes(report: object) -> set[str]:
    return {f.code for f in report.all_findings()}  # type: ignore[attr-defined]


def test_not_a_pdf_is_a_format_failure(kit: Kit) -> None:
    report = verify_pdf(b"GIF89a not a pdf", kit.options())
    assert not report.document.readable
    assert report.indication is Indication.TOTAL_FAILED
    assert _codes(report) == {"pdf_unreadable"}


def test_encrypted_pdf_is_reported_as_encrypted(kit: Kit) -> None:
    out = BytesIO()
    with pikepdf.open(BytesIO(original())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    report = verify_pdf(out.getvalue(), kit.options())
    assert not report.document.readable and _codes(report) == {"pdf_encrypted"}


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_signed_pdf_is_never_passed(
    kit: Kit, corpus: dict[str, bytes], fraction: float
) -> None:
    data = corpus["clean_b_b"]
    report = verify_pdf(data[: int(len(data) * fraction)], kit.options())
    assert report.indication is not Indication.TOTAL_PASSED


def _nested(depth: int) -> bytes:
    """A well-formed PDF (xref and all) whose catalog holds ``depth`` nested arrays."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * depth + b"]" * depth + b" >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Root 1 0 R /Size 3 >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_deeply_nested_objects_fail_cleanly(kit: Kit, depth: int) -> None:
    started = time.monotonic()
    in_process = verify_pdf(_nested(depth), kit.options())
    isolated = verify_isolated(_nested(depth), kit.options())
    assert time.monotonic() - started < 30
    for report in (in_process, isolated):
        assert report.indication is Indication.TOTAL_FAILED
        assert _codes(report) == {"pdf_unreadable"}


def test_shallow_nesting_is_an_ordinary_unsigned_pdf(kit: Kit) -> None:
    assert _codes(verify_pdf(_nested(10), kit.options())) == {"no_signatures"}


def _bomb_revision(signed: bytes, size: int) -> bytes:
    """A later revision whose new page content inflates to ``size`` bytes."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(size >> 20)) + packer.flush()
    with pikepdf.open(BytesIO(signed)) as pdf:
        size_before = len(pdf.objects)
        root_ref = pdf.Root.objgen
        page_ref = pdf.pages[0].obj.objgen
        page = pdf.pages[0].obj
        keys = {str(k): page[k].unparse() for k in page.keys() if k != "/Contents"}  # noqa: SIM118
    start = signed.rindex(b"startxref") + len(b"startxref")
    prev = int(signed[start:].split()[0])
    bomb_num = size_before + 10
    page_dict = b"<<" + b" ".join(k.encode() + b" " + v for k, v in keys.items())
    page_dict += f" /Contents {bomb_num} 0 R>>".encode()
    objects = [
        (page_ref[0], page_dict),
        (bomb_num, f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
         + packed + b"\nendstream"),
    ]  # fmt: skip
    out = bytearray(signed)
    offsets = {}
    for number, body in objects:
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for number in sorted(offsets):
        out += f"{number} 1\n{offsets[number]:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {bomb_num + 1} /Root {root_ref[0]} 0 R /Prev {prev} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def test_decompression_bomb_in_a_later_revision_is_bounded(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    bomb = _bomb_revision(corpus["clean_b_b"], 1 << 30)  # 1 GiB of spaces, ~1 MB packed
    limits = Limits(max_memory_bytes=512 << 20, timeout_seconds=10)
    started = time.monotonic()
    report = verify_isolated(bomb, kit.options(limits=limits))
    assert time.monotonic() - started < 45
    assert report.indication is not Indication.TOTAL_PASSED
    assert _codes(report) & {"incremental_content_change", "resource_limit", "visual_change"}


def test_too_large_input_is_refused_before_parsing(kit: Kit) -> None:
    with pytest.raises(VerificationInputError) as caught:
        verify_pdf(b"%PDF-1.7\n" + b" " * 2048, kit.options(limits=Limits(max_bytes=1024)))
    assert caught.value.code == "verify_too_large"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_signed_bytes_never_crash_and_never_pass_when_signed_bytes_change(
    kit: Kit, corpus: dict[str, bytes], data: st.DataObject
) -> None:
    original_pdf = corpus["clean_b_b"]
    offset = data.draw(st.integers(0, len(original_pdf) - 1), label="offset")
    value = data.draw(st.integers(0, 255), label="byte")
    cut = data.draw(st.booleans(), label="truncate")
    mutated = bytearray(original_pdf)
    mutated[offset] = value
    fuzzed = bytes(mutated[: offset + 1] if cut else mutated)
    report = verify_pdf(fuzzed, kit.options(online=False))
    if fuzzed == original_pdf:
        return
    gap = _gap(original_pdf)
    if not (gap[0] <= offset < gap[1]) or cut:
        assert report.indication is not Indication.TOTAL_PASSED


def _gap(pdf: bytes) -> tuple[int, int]:
    start = pdf.rindex(b"/ByteRange")
    numbers = pdf[start:].split(b"[", 1)[1].split(b"]", 1)[0].split()
    a, b, c, _ = (int(v) for v in numbers)
    return a + b, c


def test_library_logs_never_carry_a_full_citizen_id(
    kit: Kit, corpus: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    verify_pdf(corpus["clean_b_b"], kit.options(online=False))  # fails: logs the signer
    assert caplog.records
    assert "001203004567" not in caplog.text


def test_bytes_after_the_last_revision_are_reported(kit: Kit, corpus: dict[str, bytes]) -> None:
    report = verify_pdf(corpus["clean_b_b"] + b"% appended\nBT (x) Tj ET\n", kit.options())
    [finding] = [f for f in report.findings if f.code == "trailing_data"]
    assert finding.severity.value == "WARN"
    assert report.indication is Indication.TOTAL_PASSED  # WARN: said, not judged


def test_unsigned_pdf_is_indeterminate_signed_data_not_found(kit: Kit) -> None:
    report = verify_pdf(original(), kit.options())
    assert report.document.readable and not report.signatures
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is not None
    assert report.sub_indication.value == "SIGNED_DATA_NOT_FOUND"
