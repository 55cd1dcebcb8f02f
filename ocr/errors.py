"""The errors of digitisation. Each carries a stable ``code`` that ``api/`` maps to a status."""

from __future__ import annotations

from common.errors import ConflictError, ExternalServiceError, InputError, KysoError

# Errors cross the OCR process pool pickled as (code, message): KysoError.__reduce__.


class OcrError(KysoError):
    """The root of digitisation's errors."""

    default_code = "ocr_failed"


class OcrInputError(OcrError, InputError):
    """The input cannot be digitised as given (empty, broken, too large, not an image)."""

    default_code = "ocr_invalid_input"


class SignedPdfError(OcrError, ConflictError):
    """The input PDF carries a digital signature: kyso never rewrites it."""

    default_code = "ocr_signed_pdf"


class OcrEngineError(OcrError, ExternalServiceError):
    """The recognition engine (tesseract) or a helper program failed."""

    default_code = "ocr_engine_failed"


# codes, in one place so tests and api/ use the same spelling
EMPTY_INPUT = "ocr_empty_input"
UNREADABLE_IMAGE = "ocr_unreadable_image"
UNREADABLE_PDF = "ocr_unreadable_pdf"
UNSUPPORTED_INPUT = "ocr_unsupported_input"
IMAGE_TOO_LARGE = "ocr_image_too_large"
TOO_MANY_PAGES = "ocr_too_many_pages"
PAGE_TOO_LARGE = "ocr_page_too_large"
OUTPUT_IS_INPUT = "ocr_output_is_input"
