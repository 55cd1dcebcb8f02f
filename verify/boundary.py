"""The boundary to pyHanko, pyhanko-certvalidator and asn1crypto: which of their errors mean
"this input is malformed", and nothing else.

Only calls into these libraries run under ``except READ_ERRORS``; kyso's own code never does
(an exception there is a bug and must fail a test, not become a finding). Each error type is
here because a test (mostly the fuzzer's, tests/verify/test_fuzzed_verify_inputs.py) made
the library raise it on a malformed document.
"""

from __future__ import annotations

import logging

from asn1crypto.core import Asn1Value
from cryptography.exceptions import UnsupportedAlgorithm
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.diff_analysis.policy_api import (
    DiffPolicy,
    DiffResult,
    SuspiciousModification,
)
from pyhanko.sign.general import UnacceptableSignerError
from pyhanko.sign.validation.errors import SignatureValidationError

log = logging.getLogger(__name__)

#: what pyHanko and asn1crypto raise on a malformed PDF or CMS structure
READ_ERRORS = (
    PdfError,  # pyHanko's own: bad syntax, xref, streams
    ValueError,  # asn1crypto: bad DER, impossible dates (also pyHanko's SuspiciousModification)
    KeyError,  # pyHanko: a required dictionary entry or an object missing from the xref
    TypeError,  # pyHanko: an object of the wrong type where a number or string is expected
    IndexError,  # pyHanko: arrays shorter than the syntax requires (a /ByteRange, a /Kids)
    RecursionError,  # pyHanko: reference cycles it follows (a /Parent loop)
    AssertionError,  # pyHanko asserts some object types (a catalog that is not a dictionary)
    AttributeError,  # pyHanko calls stream methods on what it gets (a DSS entry that is a dict)
    ArithmeticError,  # pyHanko reads reals with Decimal: decimal.InvalidOperation ("1..2")
    UnsupportedAlgorithm,  # cryptography, through pyHanko: a signer key of an unknown type
)  # fmt: skip

#: what pyHanko's signature validation raises besides READ_ERRORS
VALIDATION_ERRORS = (SignatureValidationError, UnacceptableSignerError, *READ_ERRORS)


class Unreadable(Exception):
    """A library call on the document failed with one of READ_ERRORS (or VALIDATION_ERRORS);
    ``reason`` names the library's error. Raised by kyso's thin wrappers only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: (type, DER) of structures found to parse to the end: whether bytes parse depends on the
#: bytes alone, and a batch or a verifier process sees the same certificates in every document
#: of one chain (``.native`` on a certificate was ~8% of a one-signature verification)
_WELL_FORMED: dict[tuple[type, bytes], None] = {}
_WELL_FORMED_MAX = 1024


def well_formed(value: Asn1Value) -> bool:
    """Does ``value`` parse to the end? asn1crypto parses lazily: a broken entry would only
    fail later, while the report is written (found by fuzzing)."""
    try:
        key = (type(value), value.dump())
        if key in _WELL_FORMED:
            return True
        value.native  # noqa: B018 - parses the whole structure
    except READ_ERRORS:  # AttributeError too: asn1crypto's InstanceOf without native
        log.info("embedded %s unreadable", type(value).__name__)
        return False
    if len(_WELL_FORMED) >= _WELL_FORMED_MAX:
        _WELL_FORMED.clear()
    _WELL_FORMED[key] = None
    return True


class Unanalysed(SuspiciousModification):
    """pyHanko's difference analysis could not read a later revision (``reason`` says how).

    Not evidence of a modification: kyso's own revision comparison decides instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _missing_object(exc: KeyError) -> bool:
    """pyHanko's revision history looked up an object that an earlier revision lacks."""
    return bool(exc.args) and isinstance(exc.args[0], generic.Reference | generic.IndirectObject)


#: pyHanko's words (form_rules_api) for a field partial name with a period: a PdfReadError
#: for the fields of the signed revision, a SuspiciousModification for fields added later
_PERIODS = "Partial names must not contain periods"


class GuardedDiffPolicy(DiffPolicy):
    """pyHanko's default difference analysis, whose read errors become ``Unanalysed``.

    Seen on intact documents made by other producers: form fields whose partial names contain
    periods (``PdfReadError``: ISO 32000 forbids them, Czech and other national forms use
    them), and an LTV revision history where an object is looked up in a revision that does
    not have it (``KeyError(Reference)``)."""

    def __init__(self, inner: DiffPolicy = DEFAULT_DIFF_POLICY) -> None:
        self.inner = inner

    def apply(self, *args: object, **kwargs: object) -> DiffResult:
        return self.inner.apply(*args, **kwargs)  # type: ignore[arg-type]

    def review_file(self, reader: PdfFileReader, *args: object, **kwargs: object) -> (
        DiffResult | SuspiciousModification
    ):  # fmt: skip
        try:
            result = self.inner.review_file(reader, *args, **kwargs)  # type: ignore[arg-type]
        except PdfError as exc:
            return Unanalysed(f"{type(exc).__name__}: {exc}")
        except KeyError as exc:
            if not _missing_object(exc):
                raise
            return Unanalysed(f"object {exc.args[0]} missing from an earlier revision")
        if isinstance(result, SuspiciousModification) and str(result) == _PERIODS:
            # the same refusal, for a field added after signing (poppler's "Ky.2")
            return Unanalysed(f"SuspiciousModification: {result}")
        return result


GUARDED_DIFF_POLICY = GuardedDiffPolicy()
