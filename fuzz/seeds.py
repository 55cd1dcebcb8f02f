"""Seed inputs for the fuzzers, made at run time (nothing generated is checked in).

Signed PDFs come from kyso's own signer with a throw-away PKI (SQLite, key files in a
temporary folder); images from Pillow; plain PDFs from pikepdf.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

import pikepdf
from asn1crypto import x509
from PIL import Image, ImageDraw


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


def signed_pdfs() -> tuple[dict[str, bytes], list[x509.Certificate]]:
    """PDFs signed by kyso (B-B, B-LT with a DSS, two signatures) and the trust roots."""
    from api.database import make_engine, migrate
    from certs.fetching import PkiUrlSource
    from certs.keystore_file import FileKeyStore
    from certs.pki import Pki
    from common.clock import SystemClock
    from signing.options import Level, SignOptions
    from signing.pades import PadesSigner, SigningContext
    from signing.pki_adapter import signing_key, trust_from_pki, tsa

    with tempfile.TemporaryDirectory(prefix="kyso-fuzz-pki-") as tmp:
        base = Path(tmp)
        engine = make_engine(f"sqlite:///{base / 'kyso.db'}")
        try:
            migrate(engine)
            store = FileKeyStore(base / "keys", b"fuzz-passphrase-0123456789")
            pki = Pki(engine, store, clock=SystemClock())
            pki.init()
            context = SigningContext(
                trust=trust_from_pki(pki, PkiUrlSource(pki)), timestamps=tsa(pki)
            )
            citizen = pki.issue_citizen("Đặng Văn Hưởng", "001203004567").serial
            official = pki.issue_official("Nguyễn Thị Hồng Nhung", "Phó Chủ tịch", "UBND").serial

            def sign(pdf: bytes, serial: str, level: Level = Level.B_B) -> bytes:
                signer = PadesSigner(store, signing_key(pki, serial), context)
                done = asyncio.run(signer.sign(pdf, SignOptions(level=level)))
                assert done.pdf is not None
                return done.pdf

            plain = plain_pdf()
            b_b = sign(plain, citizen)
            corpus = {
                "unsigned.pdf": plain,
                "signed_b_b.pdf": b_b,
                "signed_b_lt.pdf": sign(plain, official, Level.B_LT),
                "two_signatures.pdf": sign(b_b, official, Level.B_T),
            }
            return corpus, list(pki.trust_anchors())
        finally:
            engine.dispose()
