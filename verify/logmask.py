"""Keep citizen ID numbers out of the logs of the libraries verification runs.

pyHanko logs validation errors with the certificate's subject (which holds the CCCD, 12
digits) and the exception. The filter masks 12-digit numbers in those records and drops the
traceback (kyso reports the problem itself as a finding). Installed once, on first use.
"""

from __future__ import annotations

import logging
import re

_CCCD = re.compile(r"\d{12}")
_LOGGERS = (
    "pyhanko.sign.validation.generic_cms",
    "pyhanko.sign.validation.pdf_embedded",
    "pyhanko.sign.validation.dss",
    "pyhanko.sign.validation.status",
    "pyhanko.sign.validation.ades",
    "pyhanko_certvalidator",
    "pyhanko_certvalidator.revinfo.validate_ocsp",
    "pyhanko_certvalidator.revinfo.validate_crl",
)


class MaskCitizenIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__})"
        record.msg = _CCCD.sub(lambda m: m[0][:3] + "*" * 6 + m[0][-3:], text)
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    mask = MaskCitizenIds()
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(mask)
    _installed = True
