"""Validation of signed PDFs: ETSI EN 319 102-1 reports and detection of changes after signing.

from verify import VerifyOptions, verify_pdf
report = verify_pdf(Path("doc.pdf"), VerifyOptions(trust_roots=tuple(roots)))
"""

from verify.engine import verify_pdf, verify_pdf_async
from verify.model import Finding, Indication, SignatureReport, SubIndication, ValidationReport
from verify.options import Limits, RevocationSource, VerifyOptions
from verify.policy import STRICT, Policy, load_policy

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
