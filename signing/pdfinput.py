"""Opening the PDF to sign: clear errors for non-PDF, broken or encrypted input; placement."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from pyhanko.pdf_utils.filters import get_generic_decoder
from pyhanko.pdf_utils.generic import ArrayObject, NameObject, StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream, XmpXmlProcessingError
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import SigFieldSpec, enumerate_sig_fields

from common.ids import new_id
from signing.errors import SigningInputError
from signing.options import Placement, SignOptions, StampContent, StampKind
from signing.stamps import copy_stamp_size

#: pyHanko parses and rewrites the document's XMP metadata when it signs: larger (decoded)
#: metadata is refused first (a 128 KB upload can hold 50 MB of compressed XMP: 25 s, 2 GB)
MAX_XMP_BYTES = 4 * 1024 * 1024
_FLATE = {"/FlateDecode", "/Fl"}
#: filters whose output is never longer than their input
_SHRINKING = {"/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"}
#: size of an official or citizen stamp placed by default (points)
STAMP_SIZE = (270.0, 80.0)
MARGIN = 28.0
#: what a malformed PDF makes pyHanko raise wherever it reads one (it resolves objects lazily,
#: so while signing too): found by fuzzing, as the verifier's ``PARSE_ERRORS``. pyHanko checks
#: some object types with ``assert`` (a catalog or an xref stream of the wrong type), calls
#: methods on others unchecked, reads numbers with ``Decimal`` (``InvalidOperation`` is an
#: ``ArithmeticError``) and seeks to offsets too large for a C integer (``OverflowError``)
READ_ERRORS = (
    PdfError, ValueError, KeyError, TypeError, IndexError, RecursionError,
    AssertionError, AttributeError, ArithmeticError,
)  # fmt: skip


@contextmanager
def reading_input(doing: str) -> Iterator[None]:
    """Turns what pyHanko raises on a malformed document into ``pdf_broken``."""
    try:
        yield
    except READ_ERRORS as exc:
        raise SigningInputError("pdf_broken", f"the PDF cannot be {doing}: {exc}") from exc


def open_pdf(stream: BinaryIO) -> IncrementalPdfFileWriter:
    """An incremental writer over ``stream`` (which is only read, never modified)."""
    stream.seek(0)
    head = stream.read(1024)
    stream.seek(0)
    if b"%PDF-" not in head:
        raise SigningInputError("pdf_not_a_pdf", "the input is not a PDF document")
    with reading_input("read"):
        writer = IncrementalPdfFileWriter(stream, strict=False)
        if writer.prev.encrypted:
            raise SigningInputError(
                "pdf_encrypted", "the PDF is encrypted: decrypt it before signing"
            )
        writer.root  # noqa: B018 - the catalog must resolve
        _ = writer.prev.root["/Pages"]["/Count"]
        check_metadata(writer)
    return writer


def _decoded_size(stream: StreamObject, limit: int) -> int:
    """The decoded length of ``stream``, decoding no further than ``limit`` bytes."""
    data = stream.encoded_data
    filters = stream.get("/Filter")
    names = [filters] if isinstance(filters, NameObject) else list(filters or ())
    for name in names:
        if len(data) > limit:
            break
        if name in _FLATE:
            data = zlib.decompressobj().decompress(data, limit + 1)
        elif name in _SHRINKING:
            data = get_generic_decoder(name).decode(data, {})
        else:
            raise SigningInputError("pdf_metadata_invalid", f"XMP metadata with filter {name}")
    return len(data)


def check_metadata(writer: IncrementalPdfFileWriter) -> None:
    """Bound and parse the XMP metadata before pyHanko updates it while signing: too large,
    not XML, or with a DTD's entities (billion laughs, external entities) is refused with a
    clear code. pyHanko's parser never resolves entities nor uses the network; the parsed
    XMP stays cached on the stream, so signing does not parse it again."""
    try:
        metadata = writer.root["/Metadata"]
    except KeyError:
        return
    if not isinstance(metadata, MetadataStream):
        return  # not a stream: pyHanko writes fresh XMP, it never parses this
    try:
        size = _decoded_size(metadata, MAX_XMP_BYTES)
        if size > MAX_XMP_BYTES:
            raise SigningInputError(
                "pdf_metadata_too_large",
                f"the XMP metadata is over {MAX_XMP_BYTES // (1024 * 1024)} MB",
            )
        metadata.xmp  # noqa: B018 - parses and caches
    except (XmpXmlProcessingError, PdfError, zlib.error, ValueError) as exc:
        raise SigningInputError(
            "pdf_metadata_invalid", "the XMP metadata is not well-formed XMP without entities"
        ) from exc


def _page_box(writer: IncrementalPdfFileWriter, index: int) -> tuple[float, float, float, float]:
    page_ref = writer.prev.find_page_for_modification(index)[0]  # type: ignore[no-untyped-call]
    page = page_ref.get_object()
    box = page.get("/CropBox") or page.get("/MediaBox")
    if not isinstance(box, ArrayObject):
        return (0.0, 0.0, 595.0, 842.0)
    x1, y1, x2, y2 = (float(v) for v in box)
    return (x1, y1, x2, y2)


def page_count(writer: IncrementalPdfFileWriter) -> int:
    return int(writer.prev.root["/Pages"]["/Count"])


def existing_field(writer: IncrementalPdfFileWriter, name: str) -> bool:
    """True when the document has an empty signature field ``name``; a filled one is refused."""
    for field_name, value, _ref in enumerate_sig_fields(writer.prev, filled_status=None):
        if field_name == name:
            if value is not None:
                raise SigningInputError("signing_field_filled", f"field {name} is already signed")
            return True
    return False


def _signature_count(writer: IncrementalPdfFileWriter) -> int:
    return sum(1 for _ in enumerate_sig_fields(writer.prev, filled_status=None))


def field_spec(
    writer: IncrementalPdfFileWriter, options: SignOptions, stamp: StampContent | None
) -> tuple[str, SigFieldSpec | None]:
    """The field to sign: an existing one by name, or the spec of a new one."""
    name = options.field_name or f"kyso-{new_id().lower()}"
    if options.field_name and existing_field(writer, options.field_name):
        return name, None
    if stamp is None or stamp.kind is StampKind.NONE:
        return name, SigFieldSpec(sig_field_name=name)
    placement = options.placement or default_placement(writer, stamp)
    pages = page_count(writer)
    if placement.page > pages:
        raise SigningInputError("signing_bad_page", f"the document has {pages} pages")
    x1, y1, x2, y2 = placement.box
    return name, SigFieldSpec(
        sig_field_name=name,
        on_page=placement.page - 1,
        box=(round(x1), round(y1), round(x2), round(y2)),
    )


def default_placement(writer: IncrementalPdfFileWriter, stamp: StampContent) -> Placement:
    if stamp.kind is StampKind.COPY:
        # copies: top right of the first page (Decree 30/2020, Appendix I)
        _, _, right, top = _page_box(writer, 0)
        width, height = copy_stamp_size(stamp)
        return Placement(1, (right - MARGIN - width, top - 20 - height, right - MARGIN, top - 20))
    # signatures: bottom right of the last page, stacked above earlier ones
    last = page_count(writer)
    _left, bottom, right, top = _page_box(writer, last - 1)
    width, height = STAMP_SIZE
    y = bottom + MARGIN + _signature_count(writer) * (height + 8)
    if y + height > top:
        y = bottom + MARGIN
    return Placement(last, (right - MARGIN - width, y, right - MARGIN, y + height))
