"""Validation of signed PDFs: ETSI EN 319 102-1 reports and detection of changes after signing.

from verify import VerifyOptions, verify_pdf
report = verify_pdf(Path("doc.pdf"), VerifyOptions(trust_roots=tuple(roots)))
"""

from typing import TYPE_CHECKING

from verify.model import Finding, Indication, SignatureReport, SubIndication, ValidationReport
from verify.options import Limits, RevocationSource, VerifyOptions
from verify.policy import STRICT, Policy, load_policy

if TYPE_CHECKING:
    from verify.engine import verify_pdf, verify_pdf_async


def __getattr__(name: str) -> object:
    """The engine (pyHanko, 0.4 s to import) loads when ``verify_pdf`` is first asked for, not
    for ``verify.options`` or ``verify.model`` alone."""
    if name in ("verify_pdf", "verify_pdf_async"):
        from verify import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'verify' has no attribute {name!r}")


__all__ = [
    "STRICT",
    "Finding",
    "Indication",
    "Limits",
    "Policy",
    "RevocationSource",
    "SignatureReport",
    "SubIndication",
    "ValidationReport",
    "VerifyOptions",
    "load_policy",
    "verify_pdf",
    "verify_pdf_async",
]
