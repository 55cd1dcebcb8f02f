"""Independent checks of signed PDFs: pyHanko's validator, poppler's pdfsig, pdftoppm + OCR."""

from __future__ import annotations

import asyncio
import re
import tempfile
from io import BytesIO
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from common.subprocess_run import run


def statuses(pdf: bytes, roots: list[x509.Certificate]) -> list[PdfSignatureStatus]:
    """pyHanko's verdict on every signature (online-free; revocation soft-fail)."""
    reader = PdfFileReader(BytesIO(pdf))

    async def _all() -> list[PdfSignatureStatus]:
        out = []
        for sig in reader.embedded_regular_signatures:
            context = ValidationContext(trust_roots=roots)
            out.append(await async_validate_pdf_signature(sig, context))
        return out

    return asyncio.run(_all())


def offline_lt_statuses(pdf: bytes, roots: list[x509.Certificate]) -> list[PdfSignatureStatus]:
    """Validation that must find every revocation answer in the document's DSS (no network)."""
    reader = PdfFileReader(BytesIO(pdf))
    settings = {"trust_roots": roots, "revocation_mode": "require", "allow_fetching": False}
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None

    async def _all() -> list[PdfSignatureStatus]:
        out = []
        for sig in reader.embedded_regular_signatures:
            context = (
                dss.as_validation_context(settings)
                if dss is not None
                else ValidationContext(**settings, crls=[], ocsps=[])
            )
            out.append(await async_validate_pdf_signature(sig, context))
        return out

    return asyncio.run(_all())


def lta_indications(pdf: bytes, roots: list[x509.Certificate]) -> list[str]:
    """ETSI EN 319 102-1 long-term validation of each signature, offline."""
    spec = SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        ),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
        ),
    )
    reader = PdfFileReader(BytesIO(pdf))

    async def _all() -> list[str]:
        out = []
        for sig in reader.embedded_regular_signatures:
            result = await ades_lta_validation(sig, PdfSignatureValidationSpec(spec))
            out.append(str(result.ades_subindic))
        return out

    return asyncio.run(_all())


def pdfsig(pdf: bytes, root_pem: Path) -> list[dict[str, str]]:
    """poppler's pdfsig verdicts (NSS, with kyso's root in a throw-away NSS database)."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        run(["certutil", "-N", "-d", f"sql:{base}", "--empty-password"])
        run(["certutil", "-A", "-d", f"sql:{base}", "-n", "kyso-root", "-t", "CT,C,C",
             "-i", str(root_pem)])  # fmt: skip
        target = base / "doc.pdf"
        target.write_bytes(pdf)
        done = run(["pdfsig", "-nssdir", f"sql:{base}", str(target)], timeout=60, check=False)
    text = done.stdout.decode("utf-8", "replace")
    found: list[dict[str, str]] = []
    for line in text.splitlines():
        if re.match(r"^Signature #\d+:", line):
            found.append({})
        match = re.match(r"^\s+- ([^:]+): (.*)$", line)
        if match and found:
            found[-1][match[1]] = match[2]
    return found


def rasterise(pdf: bytes, page: int, dpi: int = 150) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "doc.pdf"
        target.write_bytes(pdf)
        out = Path(folder) / "page"
        args = ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png"]
        run([*args, "-singlefile", str(target), str(out)], timeout=60)
        return (Path(folder) / "page.png").read_bytes()


def ocr(png: bytes) -> str:
    done = run(["tesseract", "stdin", "stdout", "-l", "vie", "--psm", "6"], input_bytes=png,
               env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"}, timeout=120)  # fmt: skip
    return done.stdout.decode("utf-8")
