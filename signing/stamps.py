"""Visible signature appearances: official, citizen and copy stamps, with an optional QR code.

Decree 30/2020, Appendix I shapes them:
- an official's signature shows the agency's red seal over about the left third of the
  signer's image, with the agency name and the signing time (ISO 8601, +07:00);
- a copy carries the agency name and the time at the top right of page 1, Times New Roman
  10 pt, black, upright, no image (Liberation Serif is metric-compatible with Times);
- a citizen's signature shows the name, the masked CCCD and the time.
Text is drawn with a TrueType font through HarfBuzz (``signing.fonts``), so every
Vietnamese letter renders exactly; the seal image is drawn by ``signing.seal``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from asn1crypto import x509
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.qr import PdfStreamQRImage
from pyhanko.pdf_utils.writer import BasePdfFileWriter, init_xobject_dictionary
from pyhanko.stamp.base import BaseStamp, BaseStampStyle

from signing.errors import SigningInputError
from signing.fonts import FontSet, ScaledGlyphAccumulator, default_fonts, font_engine
from signing.options import StampContent, StampKind
from signing.seal import seal_image

BLACK = (0.0, 0.0, 0.0)
DARK_BLUE = (0.05, 0.15, 0.45)
COPY_FONT_SIZE = 10.0
MIN_FONT_SIZE = 5.0


def content_for(kind: StampKind, subject: x509.Name, verify_url: str | None = None) -> StampContent:
    """The stamp of ``kind`` for a certificate subject (name, title, agency, CCCD)."""
    fields = subject.native
    cccd = str(fields.get("serial_number", "")).removeprefix("IDCVN-") or None
    return StampContent(
        kind=kind,
        signer_name=str(fields.get("common_name", "")),
        agency=fields.get("organization_name"),
        title=fields.get("title"),
        cccd=cccd if kind is StampKind.CITIZEN else None,
        verify_url=verify_url,
    )


@dataclass(frozen=True)
class KysoStampStyle(BaseStampStyle):
    """pyHanko stamp style drawing a ``StampContent``."""

    content: StampContent | None = None
    fonts: FontSet = field(default_factory=default_fonts)
    border_width: int = 1

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: object
    ) -> KysoStamp:
        return KysoStamp(writer, self, box)


def style_for(content: StampContent, fonts: FontSet | None = None) -> KysoStampStyle:
    width = 0 if content.kind is StampKind.COPY else 1
    return KysoStampStyle(
        content=content,
        fonts=fonts or default_fonts(),
        border_width=width,
        border_color=DARK_BLUE if width else None,
    )


class KysoStamp(BaseStamp):
    def __init__(
        self, writer: BasePdfFileWriter, style: KysoStampStyle, box: layout.BoxConstraints
    ) -> None:
        super().__init__(writer=writer, style=style, box=box)
        assert style.content is not None
        self.content: StampContent = style.content
        self.fonts: FontSet = style.fonts
        self._writer = writer
        self._font_count = 0

    def _font(self, path: Path, size: float) -> tuple[str, ScaledGlyphAccumulator]:
        engine = font_engine(self._writer, path, size)
        self._font_count += 1
        name = f"/KysoF{self._font_count}"
        self.set_resource(ResourceType.FONT, generic.NameObject(name), engine.as_resource())
        return name, engine

    def _render_inner_content(self) -> list[bytes]:
        box = self.box
        width, height = float(box.width), float(box.height)
        ops: list[bytes] = []
        text_left, text_right = 4.0, width - 4.0
        if self.content.verify_url:
            side = height - 8.0
            ops.append(self._qr(width - side - 4.0, 4.0, side))
            text_right = width - side - 8.0
        if self.content.kind is StampKind.OFFICIAL:
            # the seal covers the left third of the signer's image (Decree 30/2020, App. I)
            side = min(height - 4.0, width / 3.0)
            ops.append(self._seal(2.0, (height - side) / 2.0, side))
            text_left = side + 6.0
        ops.append(self._text_block(text_left, text_right, height))
        return ops

    def _text_block(self, left: float, right: float, height: float) -> bytes:
        lines = self.content.lines()
        regular, bold = self.fonts.sans, self.fonts.sans_bold
        color = DARK_BLUE
        if self.content.kind is StampKind.COPY:
            regular = bold = self.fonts.serif
            color = BLACK
        engines: dict[bool, tuple[str, ScaledGlyphAccumulator]] = {}
        by_path: dict[Path, tuple[str, ScaledGlyphAccumulator]] = {}
        for is_bold in sorted({is_bold for _text, is_bold in lines}):
            path = bold if is_bold else regular
            if path not in by_path:
                by_path[path] = self._font(path, 10.0)
            engines[is_bold] = by_path[path]
        if self.content.kind is StampKind.COPY:
            size = COPY_FONT_SIZE
        else:
            widest = max(
                engines[is_bold][1].shape(text, with_actual_text=False).x_advance
                for text, is_bold in lines
            )
            size = min(11.0, (right - left) / max(widest, 1e-3), (height - 6) / (1.25 * len(lines)))
            if size < MIN_FONT_SIZE:
                raise SigningInputError("stamp_box_too_small", "the stamp box is too small")
        leading = size * 1.25
        top = (height + leading * len(lines)) / 2.0 - size
        out = [b"%g %g %g rg" % color]
        for index, (text, is_bold) in enumerate(lines):
            name, engine = engines[is_bold]
            engine.font_size = size  # type: ignore[assignment]
            shaped = engine.shape(text)
            y = top - index * leading
            out.append(
                b"BT %s %g Tf 1 0 0 1 %g %g Tm %s ET"
                % (name.encode("ascii"), size, left, y, shaped.graphics_ops)
            )
        return b" ".join(out)

    def _seal(self, x: float, y: float, side: float) -> bytes:
        encoded = _encoded_seal(self.content.agency or "", self.fonts.sans_bold)
        ref = encoded.write(self._writer)
        self.set_resource(ResourceType.XOBJECT, generic.NameObject("/KysoSeal"), ref)
        return b"q %g 0 0 %g %g %g cm /KysoSeal Do Q" % (side, side, x, y)

    def _qr(self, x: float, y: float, side: float) -> bytes:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
        qr.add_data(self.content.verify_url)
        qr.make()
        image = qr.make_image(image_factory=PdfStreamQRImage)
        natural = (qr.modules_count + 2 * qr.border) * qr.box_size
        xobject = init_xobject_dictionary(image.render_command_stream(), natural, natural)
        xobject.compress()  # type: ignore[no-untyped-call]
        ref = self._writer.add_object(xobject)
        self.set_resource(ResourceType.XOBJECT, generic.NameObject("/KysoQR"), ref)
        scale = side / natural
        return b"q %g 0 0 %g %g %g cm /KysoQR Do Q" % (scale, scale, x, y)


@dataclass(frozen=True)
class _EncodedSeal:
    """The seal as compressed image bytes, encoded once per agency and process."""

    width: int
    height: int
    rgb: bytes
    alpha: bytes

    def write(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        def image(
            data: bytes, space: str, extra: dict[str, generic.PdfObject]
        ) -> generic.StreamObject:
            entries: dict[str, generic.PdfObject] = {
                "/Type": generic.NameObject("/XObject"),
                "/Subtype": generic.NameObject("/Image"),
                "/Width": _number(self.width),
                "/Height": _number(self.height),
                "/ColorSpace": generic.NameObject(space),
                "/BitsPerComponent": _number(8),
                "/Filter": generic.NameObject("/FlateDecode"),
                **extra,
            }
            return generic.StreamObject(
                {generic.NameObject(k): v for k, v in entries.items()}, encoded_data=data
            )

        mask = writer.add_object(image(self.alpha, "/DeviceGray", {}))
        return writer.add_object(image(self.rgb, "/DeviceRGB", {"/SMask": mask}))


def _number(value: int) -> generic.NumberObject:
    return generic.NumberObject(value)  # type: ignore[no-untyped-call]


@lru_cache(maxsize=64)
def _encoded_seal(agency: str, font: Path) -> _EncodedSeal:
    picture = seal_image(agency, font)
    rgb = picture.convert("RGB").tobytes()
    alpha = picture.getchannel("A").tobytes()
    return _EncodedSeal(picture.width, picture.height, zlib.compress(rgb), zlib.compress(alpha))


def copy_stamp_size(content: StampContent, fonts: FontSet | None = None) -> tuple[float, float]:
    """Width and height of a copy stamp at 10 pt, measured with the font's real metrics."""
    from fontTools.ttLib import TTFont

    font = TTFont(str((fonts or default_fonts()).serif), lazy=True)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    upem = font["head"].unitsPerEm
    widest = 0.0
    for text, _bold in content.lines():
        units = sum(hmtx[cmap.get(ord(ch), ".notdef")][0] for ch in text)
        widest = max(widest, units / upem * COPY_FONT_SIZE)
    return widest + 10.0, COPY_FONT_SIZE * 1.25 * len(content.lines()) + 6.0
