"""Who may see and handle a dossier: one pure rule for each question.

- The whole record (owner, submission, verdict, the result PDF): the citizen who submitted it,
  the officials of the agency it was submitted to, and administrators. Anyone else, other
  citizens, other agencies' officials, archivists, auditors, another agency's system, is told
  the dossier does not exist (the same answer as for an unknown code).
- The public face (``PublicDossier``): anyone with the code, signed in or not. The code is the
  QR code printed on the receipt and the result, whose landing page lets a third party follow
  the dossier and verify the signed result (Decree 45/2020: the electronic result is the
  result); it carries no personal data.
- Returning a result: the officials of the dossier's agency and administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from onestop.errors import DossierForbiddenError
from onestop.model import Dossier, PublicDossier

CITIZEN = "citizen"
OFFICIAL = "official"
ADMIN = "admin"


class Person(Protocol):
    """A signed-in account (``api.accounts.service.User`` is one)."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def agency(self) -> str | None: ...


def _agency_official(person: Person, dossier: Dossier) -> bool:
    return person.role == OFFICIAL and person.agency is not None and person.agency == dossier.agency


def may_see(person: Person, dossier: Dossier) -> bool:
    if person.role == ADMIN:
        return True
    if person.role == CITIZEN:
        return person.username == dossier.owner
    return _agency_official(person, dossier)


def may_return(person: Person, dossier: Dossier) -> bool:
    return person.role == ADMIN or _agency_official(person, dossier)


@dataclass(frozen=True)
class Scope:
    """The dossiers a person's list holds: ``None`` is no restriction on that field."""

    owner: str | None = None
    agency: str | None = None
    #: holds nothing (an official whose account names no agency)
    empty: bool = False

    def holds(self, dossier: Dossier) -> bool:
        if self.empty:
            return False
        return (self.owner is None or self.owner == dossier.owner) and (
            self.agency is None or self.agency == dossier.agency
        )


def list_scope(person: Person) -> Scope:
    """A citizen's own dossiers, an official's inbox (the agency's), everything for an admin;
    other roles have no dossier list. Every dossier in it is one ``may_see`` allows."""
    if person.role == ADMIN:
        return Scope()
    if person.role == CITIZEN:
        return Scope(owner=person.username)
    if person.role == OFFICIAL:
        return Scope(agency=person.agency) if person.agency else Scope(empty=True)
    raise DossierForbiddenError("forbidden", "your role has no dossiers")


def public_view(dossier: Dossier) -> PublicDossier:
    return PublicDossier(
        code=dossier.code,
        service=dossier.service,
        agency=dossier.agency,
        status=dossier.status,
        submitted_at=dossier.submitted_at,
        promised_at=dossier.promised_at,
        returned_at=dossier.returned_at,
        result_document=dossier.result_document,
    )
