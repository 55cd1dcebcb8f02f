"""Signers and PDF writers that are not kyso and not pyHanko, driven as their users drive them.

- poppler's ``pdfsig -add-signature`` with an NSS database (poppler-utils, libnss3-tools);
- Apache PDFBox 2 with Bouncy Castle (Debian's libpdfbox2-java, libbcpkix-java): a small
  signer (tests/verify/java/KysoPdfBox.java) compiled here with the JDK;
- qpdf rewriting the unsigned originals (object streams, linearisation) or a signed file;
- endesive (PyPI): tests/verify/foreign.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from common.subprocess_run import run
from tests.verify.foreign_keys import P12_PASSWORD, ForeignSigner

JAVA_SOURCE = Path(__file__).parent / "java" / "KysoPdfBox.java"
#: Debian's jars (libpdfbox2-java, libbcprov-java, libbcpkix-java, libbcutil-java ...)
JARS = ("pdfbox2", "fontbox2", "bcprov", "bcpkix", "bcutil", "commons-logging")


@dataclass
class Producers:
    """A working folder with an NSS database and the compiled PDFBox signer."""

    folder: Path
    nss: Path = field(init=False)
    classes: Path = field(init=False)
    _count: int = 0
    _in_nss: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.nss = self.folder / "nss"
        self.nss.mkdir()
        run(["certutil", "-N", "-d", f"sql:{self.nss}", "--empty-password"])
        self.classes = self.folder / "classes"
        self.classes.mkdir()
        run(["javac", "-encoding", "UTF-8", "-cp", self.classpath(include_own=False),
             "-d", str(self.classes), str(JAVA_SOURCE)], timeout=120)  # fmt: skip

    def classpath(self, *, include_own: bool = True) -> str:
        jars = [f"/usr/share/java/{name}.jar" for name in JARS]
        return ":".join([str(self.classes), *jars] if include_own else jars)

    def _files(self, pdf: bytes) -> tuple[Path, Path]:
        self._count += 1
        source = self.folder / f"in-{self._count}.pdf"
        source.write_bytes(pdf)
        return source, self.folder / f"out-{self._count}.pdf"

    def _p12(self, signer: ForeignSigner) -> Path:
        path = self.folder / f"{signer.name}.p12"
        if not path.exists():
            path.write_bytes(signer.pkcs12())
        return path

    # -- poppler -------------------------------------------------------------------------
    def pdfsig_sign(self, pdf: bytes, signer: ForeignSigner, field_name: str) -> bytes:
        """A signature by ``pdfsig -add-signature`` (adbe.pkcs7.detached, SHA-256: what
        poppler 22.12 supports; it refuses -etsi and other digests with -add-signature)."""
        if signer.name not in self._in_nss:
            run(["pk12util", "-i", str(self._p12(signer)), "-d", f"sql:{self.nss}",
                 "-W", P12_PASSWORD])  # fmt: skip
            self._in_nss.add(signer.name)
        source, target = self._files(pdf)
        run(["pdfsig", "-nssdir", f"sql:{self.nss}", "-add-signature", "-nick", signer.name,
             "-new-signature-field-name", field_name, str(source), str(target)],
            timeout=60)  # fmt: skip
        return target.read_bytes()

    # -- PDFBox --------------------------------------------------------------------------
    def _pdfbox(self, *args: str) -> None:
        # a short-lived JVM: the C1 compiler alone and the serial collector start it in
        # 0.7 s instead of 1.9 s
        run(["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
             "-cp", self.classpath(), "KysoPdfBox", *args], timeout=120)  # fmt: skip

    def pdfbox_sign(
        self, pdf: bytes, signer: ForeignSigner, algorithm: str, *,
        subfilter: str = "ETSI.CAdES.detached", tsa: str | None = None,
    ) -> bytes:  # fmt: skip
        """``algorithm``: a JCA name (SHA256withRSA, SHA384withECDSA, SHA256withRSAandMGF1)."""
        source, target = self._files(pdf)
        self._pdfbox("sign", str(source), str(target), str(self._p12(signer)), P12_PASSWORD,
                     algorithm, subfilter, tsa or "-")  # fmt: skip
        return target.read_bytes()

    def pdfbox_timestamp(self, pdf: bytes, tsa: str) -> bytes:
        source, target = self._files(pdf)
        self._pdfbox("timestamp", str(source), str(target), tsa)
        return target.read_bytes()

    def pdfbox_dss(self, pdf: bytes, certs: list[bytes], crls: list[bytes]) -> bytes:
        """A DSS (certificates, CRLs) with a VRI entry for the last signature."""
        source, target = self._files(pdf)
        files = []
        for index, (data, suffix) in enumerate([(c, ".cer") for c in certs]
                                               + [(c, ".crl") for c in crls]):  # fmt: skip
            path = self.folder / f"dss-{self._count}-{index}{suffix}"
            path.write_bytes(data)
            files.append(str(path))
        self._pdfbox("dss", str(source), str(target), *files)
        return target.read_bytes()

    # -- qpdf ----------------------------------------------------------------------------
    def qpdf(self, pdf: bytes, *options: str) -> bytes:
        """``pdf`` rewritten by qpdf (a full save, not an incremental one)."""
        source, target = self._files(pdf)
        run(["qpdf", *options, str(source), str(target)], timeout=60)
        return target.read_bytes()


def hybrid_reference_pdf(text: str = "Giấy xác nhận cư trú") -> bytes:
    """A one-page PDF with a hybrid-reference xref (ISO 32000-1 7.5.8.4): a classic table
    for old readers and, through /XRefStm, an xref stream for the font kept in an object
    stream, as Acrobat writes them."""
    content = b"BT /F1 16 Tf 72 760 Td (" + text.encode("ascii", "replace") + b") Tj ET"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    head = b"5 0 "
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
           b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        4: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        6: b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s%s\nendstream" % (
            len(head), len(head) + len(font), head, font),
    }  # fmt: skip
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    entries = bytes([2]) + (6).to_bytes(4, "big") + (0).to_bytes(2, "big")  # 5: in stream 6
    offsets[7] = len(out)
    out += b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Index [5 1] /Length %d >>\nstream\n" % (
        len(entries))  # fmt: skip
    out += entries + b"\nendstream\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in (1, 2, 3, 4))
    out += b"6 2\n" + b"".join(b"%010d 00000 n \n" % offsets[n] for n in (6, 7))
    out += b"trailer\n<< /Size 8 /Root 1 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        offsets[7], xref_at)  # fmt: skip
    return bytes(out)


_STARTXREF = re.compile(rb"startxref\s+(\d+)")


def append_update(pdf: bytes, objects: dict[tuple[int, int], bytes], size: int,
                  root: tuple[int, int]) -> bytes:  # fmt: skip
    """An incremental update written by hand (a classic xref section): ``objects`` are
    (number, generation) -> the object's body, ``size`` the new /Size."""
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: dict[tuple[int, int], int] = {}
    for ref, body in objects.items():
        offsets[ref] = len(out)
        out += b"%d %d obj\n%s\nendobj\n" % (ref[0], ref[1], body)
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for (number, generation), offset in sorted(offsets.items()):
        out += b"%d 1\n%010d %05d n \n" % (number, offset, generation)
    prev = int(_STARTXREF.findall(pdf)[-1])
    out += b"trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root[0], root[1], prev, xref_at)  # fmt: skip
    return bytes(out)
