"""verify.fastread's fast paths give exactly what pyHanko's and asn1crypto's own functions
give: the same object or the same error, and the stream left at the same place."""

from __future__ import annotations

from io import BytesIO
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.misc import PdfError

from tests.verify.conftest import Kit
from tests.verify.foreign_corpus import Document
from tests.verify.test_batch import verdict
from verify import fastread, verify_pdf

#: hex digits, PDF white space, the end, a comment, bytes that are none of these
_BYTES = st.lists(
    st.sampled_from([*b"0123456789abcdefABCDEF", *b" \n\r\t\f\x00", *b">%<gZ\x80("]),
    max_size=80,
).map(bytes)


def _outcome(read: object, data: bytes) -> tuple[object, ...]:
    stream = BytesIO(data)
    assert callable(read)
    try:
        value = read(stream)
    except PdfError as exc:  # pyHanko's PdfStreamError: the error itself is compared
        return ("error", type(exc), str(exc), stream.tell())
    return ("value", type(value), bytes(value.original_bytes), value, stream.tell())


@settings(max_examples=600, deadline=None)
@given(body=_BYTES, after=_BYTES)
def test_a_hex_string_reads_as_pyhanko_reads_it(body: bytes, after: bytes) -> None:
    data = b"<" + body + after
    assert _outcome(fastread.read_hex_string, data) == _outcome(fastread.PYHANKO_READ_HEX, data)


@pytest.mark.parametrize(
    "data",
    [
        b"<>",
        b"<4b5>rest",
        b"<4B 59\n53\r4f>>",
        b"<4b%comment>\n59>",
        b"<4bx9>",
        b"<4b59",
        b"<" + b"ab" * 70_000 + b"\n>",  # longer than one chunk
        b"<" + b"ab" * 70_000,
    ],
)
def test_the_odd_hex_strings_read_as_pyhanko_reads_them(data: bytes) -> None:
    assert _outcome(fastread.read_hex_string, data) == _outcome(fastread.PYHANKO_READ_HEX, data)


def _prep(function: object, text: str) -> tuple[str, str]:
    assert callable(function)
    try:
        return ("value", function(None, text))
    except ValueError as exc:
        return ("error", str(exc))


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=30))
def test_a_name_attribute_is_prepared_as_asn1crypto_prepares_it(text: str) -> None:
    expected = _prep(fastread.ASN1_STRING_PREP, text)
    assert _prep(fastread.ldap_string_prep, text) == expected
    assert _prep(fastread.ldap_string_prep, text) == expected  # remembered, or raised again


_NAME_TEXT = st.text(alphabet=st.sampled_from("aAbB  \t\u00a0\u200bẾệĐ\ufffd\ue000-"), max_size=6)


@settings(max_examples=300, deadline=None)
@given(a=_NAME_TEXT, b=_NAME_TEXT, org=st.booleans(), printable=st.booleans())
def test_two_names_compare_as_asn1crypto_compares_them(
    a: str, b: str, org: bool, printable: bool
) -> None:
    from asn1crypto import x509

    def name(text: str, **kw: bool) -> x509.Name:
        fields = {"common_name": text or "x", **({"organization_name": "Phong B"} if org else {})}
        return x509.Name.build(fields, **kw)

    printable = printable and set(a) <= set("aAbB -")  # what a PrintableString can hold
    for left, right in [(name(a), name(b)), (name(a), name(a, use_printable=printable)),
                        (name(b), name(a))]:  # fmt: skip
        expected = _eq(fastread.ASN1_NAME_EQ, left, right)
        assert _eq(fastread.names_equal, left, right) == expected
        assert _eq(fastread.names_equal, left, right) == expected  # remembered


def _eq(function: object, left: object, right: object) -> tuple[str, object]:
    assert callable(function)
    try:
        return ("value", function(left, right))
    except ValueError as exc:
        return ("error", str(exc))


def test_install_puts_the_fast_paths_where_pyhanko_and_asn1crypto_call_them() -> None:
    from asn1crypto import x509
    from pyhanko.pdf_utils import generic

    fastread.install()
    assert generic.read_hex_string_from_stream is fastread.read_hex_string
    assert x509.NameTypeAndValue._ldap_string_prep is fastread.ldap_string_prep
    assert x509.Name.__eq__ is fastread.names_equal
    assert x509.Name.build({"common_name": "Bình"}) == x509.Name.build({"common_name": " bình"})
    parsed = generic.read_object(BytesIO(b"<4b5953 4F>"), None)  # type: ignore[arg-type]
    assert bytes(parsed.original_bytes) == b"KYSO"


def test_the_corpus_gets_the_same_reports_with_the_fast_paths_as_without(
    kit: Kit, corpus: dict[str, bytes], foreign_corpus: list[Document]
) -> None:
    documents = [(name, pdf, True) for name, pdf in corpus.items()]
    documents += [(d.name, d.pdf, not d.offline) for d in foreign_corpus]

    def reports() -> list[tuple[object, ...]]:
        return [
            verdict(verify_pdf(pdf, kit.options(online=online))) for _, pdf, online in documents
        ]

    fastread.install()
    fast = reports()
    fastread.uninstall()
    try:
        with mock.patch.object(fastread, "install"):  # verify_pdf would put them back
            slow = reports()
    finally:
        fastread.install()
    for (name, _, _), with_fast, without in zip(documents, fast, slow, strict=True):
        assert with_fast == without, name


def test_only_what_parsed_is_remembered_as_well_formed(kit: Kit) -> None:
    from asn1crypto import x509

    from verify.boundary import well_formed

    der = kit.pki.trust_anchors()[0].dump()
    at = der.index(b"\x17\x0d")  # the first UTCTime: notBefore
    broken = der[: at + 2] + b"ZZ" + der[at + 4 :]
    for _ in range(2):  # the answer is the same the second time
        assert well_formed(x509.Certificate.load(der))
        assert not well_formed(x509.Certificate.load(broken))
