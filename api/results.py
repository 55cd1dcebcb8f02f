"""Results from templates on kyso's services: the desk (``api.dossiers.dossier_desk``), the
agencies' registers in SQL (``api.numbering``) and the accounts' names."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from api.dossiers import dossier_desk
from api.numbering import SqlNumberRegister
from api.wiring import Services
from common.errors import NotFoundError
from onestop.results import ResultDesk


class AccountNames:
    """``People`` on the accounts: the name an account was created with."""

    def __init__(self, services: Services) -> None:
        self._svc = services

    def full_name(self, username: str) -> str:
        try:
            return self._svc.accounts.by_username(username).full_name
        except NotFoundError:
            return username


def result_desk(services: Services) -> ResultDesk:
    """The templated-result desk on ``services`` (cheap, like ``dossier_desk``)."""
    return ResultDesk(
        dossier_desk(services),
        SqlNumberRegister(sessionmaker(services.engine, expire_on_commit=False)),
        AccountNames(services),
    )
