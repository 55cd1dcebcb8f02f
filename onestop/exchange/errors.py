"""Errors of the inter-agency exchange, with stable codes (mapped to HTTP by class)."""

from __future__ import annotations

from common.errors import AuthenticationError, ConflictError, InputError, NotFoundError
from onestop.errors import OnestopError


class ExchangeError(OnestopError):
    """The root of the exchange's errors."""

    default_code = "exchange_error"


class EdxmlInvalidError(InputError, ExchangeError):
    """A package or status message that is not well-formed, too large, carries a DTD or an
    entity, or does not validate against kyso's edXML schema."""

    default_code = "edxml_invalid"


class ExchangeAuthError(AuthenticationError, ExchangeError):
    """A request whose peer is unknown, whose MAC is wrong or whose date is out of the window."""

    default_code = "exchange_unauthenticated"


class ExchangeDuplicateError(ConflictError, ExchangeError):
    """A message id, or the exact package bytes, already received (a duplicate or a replay);
    a status already recorded."""

    default_code = "exchange_duplicate"


class ExchangeStateError(ConflictError, ExchangeError):
    """A status the message's trail does not allow (e.g. "done" before "accepted")."""

    default_code = "exchange_status_illegal"


class ExchangeNotFoundError(NotFoundError, ExchangeError):
    default_code = "exchange_unknown"


class ExchangeInputError(InputError, ExchangeError):
    """A send or a peer that cannot be made as asked (unknown peer, nothing to send)."""

    default_code = "exchange_bad_request"
