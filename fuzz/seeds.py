"""Seed inputs for the fuzzers, made at run time (nothing generated is checked in).

Signed PDFs come from kyso's own signer with a throw-away PKI (SQLite, key files in a
temporary folder, or in the work folder of the harness that signs); images from Pillow; plain
PDFs and forms from pikepdf.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from asn1crypto import x509
from PIL import Image, ImageDraw

if TYPE_CHECKING:  # kyso's signing stack loads only in the harnesses that sign
    from sqlalchemy import Engine

    from certs.keystore_file import FileKeyStore
    from certs.pki import Pki
    from certs.records import IssuedCertificate
    from signing.options import Level
    from signing.pades import PadesSigner, SigningContext


def plain_pdf(pages: int = 1) -> bytes:
    """A small text PDF with a font resource, like a typed decision."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for n in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        body = f"BT /F1 14 Tf 72 760 Td (QUYET DINH so {n + 1}) Tj ET\n".encode()
        page.Contents = pdf.make_stream(body)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def page_image(size: tuple[int, int] = (160, 220)) -> Image.Image:
    """A tiny 'scan': white page, a title bar and a few lines of ink."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 15, size[0] - 20, 28), fill="black")
    for y in range(45, size[1] - 20, 14):
        draw.line((15, y, size[0] - 25, y), fill=(40, 40, 40), width=2)
    return image


def images() -> dict[str, bytes]:
    """The same page in the formats an upload may take (PNG, JPEG, 2-page TIFF, ...)."""
    page = page_image()
    out: dict[str, bytes] = {}
    for name, fmt, extra in (
        ("page.png", "PNG", {"dpi": (200, 200)}),
        ("page.jpg", "JPEG", {"dpi": (200, 200), "quality": 60}),
        ("page.gif", "GIF", {}),
        ("page.webp", "WEBP", {}),
    ):
        buffer = io.BytesIO()
        page.save(buffer, fmt, **extra)
        out[name] = buffer.getvalue()
    buffer = io.BytesIO()
    page.resize((40, 56)).convert("P").save(buffer, "BMP")
    out["page.bmp"] = buffer.getvalue()
    buffer = io.BytesIO()
    page.convert("L").save(
        buffer, "TIFF", save_all=True, append_images=[page], compression="tiff_lzw"
    )
    out["pages.tif"] = buffer.getvalue()
    buffer = io.BytesIO()
    page.convert("1").save(buffer, "TIFF", compression="group4", dpi=(200, 200))
    out["fax.tif"] = buffer.getvalue()
    buffer = io.BytesIO()
    page.convert("L").save(buffer, "PDF", resolution=100)  # an image-only "scanner" PDF
    out["scan.pdf"] = buffer.getvalue()
    out["text.pdf"] = plain_pdf(2)
    return out


def form_pdf() -> bytes:
    """A one-page application form: an AcroForm with a text field (a widget on the page)."""
    pdf = pikepdf.open(io.BytesIO(plain_pdf()))
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("HoTen"),
            V=pikepdf.String("Dang Van Huong"),
            Rect=[72, 700, 372, 724],
            DA=pikepdf.String("/Helv 12 Tf 0 g"),
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pdf.make_indirect(
        pikepdf.Dictionary(Fields=pikepdf.Array([field]), NeedAppearances=True)
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@dataclass
class ThrowawayPki:
    """A PKI in a folder (SQLite, key files) with a citizen and an official."""

    pki: Pki
    store: FileKeyStore
    context: SigningContext
    citizen: IssuedCertificate
    official: IssuedCertificate

    def signer(self, issued: IssuedCertificate) -> PadesSigner:
        from signing.pades import PadesSigner
        from signing.pki_adapter import signing_key

        return PadesSigner(self.store, signing_key(self.pki, issued.serial), self.context)

    def sign(self, pdf: bytes, issued: IssuedCertificate, level: Level | None = None) -> bytes:
        from signing.options import Level, SignOptions

        options = SignOptions(level=level or Level.B_B)
        done = asyncio.run(self.signer(issued).sign(pdf, options))
        assert done.pdf is not None
        return done.pdf


def throwaway_pki(base: Path) -> tuple[ThrowawayPki, Engine]:
    """The PKI kept in ``base`` and its database engine (to dispose of when done)."""
    from api.database import make_engine, migrate
    from certs.keystore_file import FileKeyStore
    from certs.pki import Pki
    from certs.sources import PkiUrlSource
    from common.clock import SystemClock
    from signing.pades import SigningContext
    from signing.pki_adapter import trust_from_pki, tsa

    engine = make_engine(f"sqlite:///{base / 'kyso.db'}")
    migrate(engine)
    store = FileKeyStore(base / "keys", b"fuzz-passphrase-0123456789")
    pki = Pki(engine, store, clock=SystemClock())
    pki.init()
    context = SigningContext(trust=trust_from_pki(pki, PkiUrlSource(pki)), timestamps=tsa(pki))
    citizen = pki.issue_citizen("Đặng Văn Hưởng", "001203004567")
    official = pki.issue_official("Nguyễn Thị Hồng Nhung", "Phó Chủ tịch", "UBND")
    return ThrowawayPki(pki, store, context, citizen, official), engine


def signed_pdfs() -> tuple[dict[str, bytes], list[x509.Certificate]]:
    """PDFs signed by kyso (B-B, B-LT with a DSS, two signatures) and the trust roots."""
    from signing.options import Level

    with tempfile.TemporaryDirectory(prefix="kyso-fuzz-pki-") as tmp:
        kit, engine = throwaway_pki(Path(tmp))
        try:
            plain = plain_pdf()
            b_b = kit.sign(plain, kit.citizen)
            corpus = {
                "unsigned.pdf": plain,
                "signed_b_b.pdf": b_b,
                "signed_b_lt.pdf": kit.sign(plain, kit.official, Level.B_LT),
                "two_signatures.pdf": kit.sign(b_b, kit.official, Level.B_T),
            }
            return corpus, list(kit.pki.trust_anchors())
        finally:
            engine.dispose()


def pdfs_to_sign(kit: ThrowawayPki) -> dict[str, bytes]:
    """What a citizen uploads: one page, several pages, a form, a PDF already signed."""
    return {
        "one_page.pdf": plain_pdf(),
        "three_pages.pdf": plain_pdf(3),
        "form.pdf": form_pdf(),
        "signed.pdf": kit.sign(plain_pdf(2), kit.official),
    }
