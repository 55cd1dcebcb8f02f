"""Uploads the signing fuzzer (fuzz/sign_pdf.py) found escaping kyso's error tree.

pyHanko resolves a document's objects lazily, so a malformed upload made it raise
``AssertionError``, ``TypeError``, ``KeyError``, ``OverflowError``, ``decimal.InvalidOperation``
and ``PdfReadError`` (``RecursionError`` too, found by hand) from the reader, the page tree
walk, the form fields and the metadata, while kyso placed the stamp or pyHanko prepared the
signature: a 500 from the API process. Each is now a ``SigningInputError`` ``pdf_broken`` (a
4xx), and the dossier desk's page count gives ``pdf_unreadable``. The inputs are built here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.pdf_tasks import page_count
from common.errors import InputError
from signing.errors import SigningInputError
from signing.options import SignOptions, StampKind

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
#: a number no C integer holds (pyHanko seeks there, qpdf reads it as a 64-bit offset)
HUGE = b"9" * 30


def pdf(
    *objects: bytes,
    trailer: bytes = b"/Root 1 0 R",
    startxref: bytes | None = None,
    offsets: dict[int, bytes] | None = None,
) -> bytes:
    """Objects 1, 2, ... with a correct cross-reference table unless ``offsets`` says otherwise."""
    out = bytearray(b"%PDF-1.7\n")
    starts = []
    for number, body in enumerate(objects, 1):
        starts.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for number, start in enumerate(starts, 1):
        out += (offsets or {}).get(number, b"%010d" % start) + b" 00000 n \n"
    out += b"trailer\n<< /Size %d %s >>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%s\n%%%%EOF\n" % (startxref or b"%d" % xref)
    return bytes(out)


def xref_stream_of_another_type() -> bytes:
    """``startxref`` points at a stream that is not an /XRef stream (pyHanko asserts)."""
    objects = (CATALOG, PAGES, PAGE, b"<< /Type /XObject /Length 2 >>\nstream\nhi\nendstream")
    at = pdf(*objects).index(b"4 0 obj")
    return pdf(*objects, startxref=b"%d" % at)


def with_field(field: bytes) -> bytes:
    catalog = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>"
    return pdf(catalog, PAGES, PAGE, field)


NO_KIDS = b"<< /Type /Pages /Count 1 >>"
COUNT_A_NAME = b"<< /Type /Pages /Kids [3 0 R] /Count /One >>"
NUMBER_1__2 = b"<< /Type /Page /Parent 2 0 R /Rotate 1..2 >>"
BOX_OF_THREE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595] >>"
METADATA = b"<< /Type /Catalog /Pages 2 0 R /Metadata 3 0 R >>"
#: found by hand next to the fuzzer's: pyHanko parses nested arrays recursively
DEEP = b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 5000 + b"]" * 5000 + b" >>"

#: (name, input, signed invisibly or with the citizen's stamp): each raised before the fix
FOUND = [
    ("startxref-huge", pdf(CATALOG, PAGES, PAGE, startxref=HUGE), (False,)),
    ("catalog-not-a-dictionary", pdf(b"42"), (False,)),
    ("xref-stream-of-another-type", xref_stream_of_another_type(), (False,)),
    ("metadata-at-the-header", pdf(METADATA, PAGES, b"<< >>", offsets={3: b"%010d" % 1}), (False,)),
    ("pages-without-kids", pdf(CATALOG, NO_KIDS), (False, True)),
    ("kid-null", pdf(CATALOG, b"<< /Type /Pages /Kids [null] /Count 1 >>"), (True,)),
    ("count-a-name", pdf(CATALOG, COUNT_A_NAME, PAGE), (False, True)),
    ("page-number-1..2", pdf(CATALOG, PAGES, NUMBER_1__2), (False, True)),
    ("media-box-of-three", pdf(CATALOG, PAGES, BOX_OF_THREE), (True,)),
    ("form-field-a-number", with_field(b"42"), (False,)),
    ("form-field-name-a-number", with_field(b"<< /FT /Tx /T 7 >>"), (False,)),
    ("arrays-nested-5000-deep", pdf(DEEP, PAGES, PAGE), (False,)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "stamped"),
    [
        pytest.param(data, stamped, id=f"{name}-{'stamped' if stamped else 'invisible'}")
        for name, data, stamps in FOUND
        for stamped in stamps
    ],
)
def test_malformed_upload_is_refused_as_broken_not_a_crash(
    kit: Any, data: bytes, stamped: bool
) -> None:
    stamp = kit.stamp(kit.citizen, StampKind.CITIZEN) if stamped else None
    with pytest.raises(SigningInputError) as caught:
        asyncio.run(kit.signer(kit.citizen.serial).sign(data, SignOptions(stamp=stamp)))
    assert caught.value.code == "pdf_broken"


def test_page_count_of_an_offset_beyond_64_bits_is_unreadable() -> None:
    with pytest.raises(InputError) as caught:
        page_count(pdf(CATALOG, PAGES, PAGE, startxref=HUGE))
    assert caught.value.code == "pdf_unreadable"
