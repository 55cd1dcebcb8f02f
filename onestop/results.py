"""A result issued from a template: filled from the dossier, numbered by the agency's register,
rendered, then sealed, signed and archived through the desk's own steps.

Order and failure (``issue``): the desk's checks first (the official may return the dossier,
its status allows it, a certificate and a seal exist), so a refused return takes no number;
then the number is reserved, the result rendered with it, sealed and signed (the stamp in the
template's signer block) and archived; the register then records the number as issued in the
same transaction as the dossier's return. Anything failing after the reservation (signing, the
archive, another official returning the dossier first) gives the number back: the next result
takes it. A preview takes no number (the draft says so on the page).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from archive.metadata import DocumentMeta
from common.clock import VN_TZ
from onestop.access import Person
from onestop.desk import Desk
from onestop.model import Dossier
from onestop.numbering import NumberRegister, RegisterKey
from onestop.templates.draft import DossierFacts, fill
from onestop.templates.layout import RenderedResult, render
from onestop.templates.spec import ResultTemplate, template


class People(Protocol):
    """Names of accounts, as printed on a result (the accounts in ``api/``)."""

    def full_name(self, username: str) -> str: ...


@dataclass(frozen=True)
class IssuedResult:
    dossier: Dossier
    #: the number and notation the result carries, e.g. "12/QĐ-UBND"
    notation: str
    number: int


class ResultDesk:
    def __init__(self, desk: Desk, register: NumberRegister, people: People) -> None:
        self.desk = desk
        self.register = register
        self.people = people

    def _facts(self, dossier: Dossier, official: Person) -> DossierFacts:
        return DossierFacts(
            dossier=dossier,
            citizen_name=self.people.full_name(dossier.owner),
            official_name=self.people.full_name(official.username),
        )

    async def preview(
        self, code: str, official: Person, template_name: str, fields: dict[str, str]
    ) -> RenderedResult:
        """The result as it would be issued now, without a number (none is taken)."""
        spec = template(template_name)
        plan = self.desk.plan_return(code, official)
        draft = fill(
            spec,
            self._facts(plan.dossier, official),
            fields,
            number=None,
            issued_at=self.desk.clock.now(),
        )
        return await asyncio.to_thread(render, draft)

    async def issue(
        self, code: str, official: Person, template_name: str, fields: dict[str, str]
    ) -> IssuedResult:
        """Number, render, seal, sign, archive and return the dossier (see the module)."""
        spec = template(template_name)
        plan = self.desk.plan_return(code, official)
        facts = self._facts(plan.dossier, official)
        now = self.desk.clock.now()
        # the fields are checked before a number is taken: a bad field costs none
        fill(spec, facts, fields, number=None, issued_at=now)
        key = RegisterKey(plan.dossier.agency, spec.doc_type, now.astimezone(VN_TZ).year)
        reservation = self.register.reserve(key, code, now)
        issued = False
        try:
            draft = fill(spec, facts, fields, number=reservation.number, issued_at=now)
            rendered = await asyncio.to_thread(render, draft)
            shown = draft.notation.removeprefix("Số: ")
            meta = DocumentMeta(
                title=_title(spec, shown, plan.dossier.service),
                document_type=_kind(spec),
                number_notation=shown,
                issue_date=now.astimezone(VN_TZ).date(),
                page_count=rendered.pages,
            )
            filed = await self.desk.sign_and_file(
                plan, rendered.pdf, stamp_box=rendered.stamp_box, meta=meta
            )
            returned = self.desk.returned(plan, filed)
            issued = self.register.issue(reservation, plan.dossier, returned, self.desk.clock.now())
            if not issued:
                raise self.desk.lost_race(code)
        finally:
            if not issued:
                self.register.release(reservation)
        self.desk.announce(plan, filed, {"notation": shown, "template": spec.name})
        return IssuedResult(returned, shown, reservation.number)


def _kind(spec: ResultTemplate) -> str:
    """The document type's name (Decree 30/2020 Appendix III): "Quyết định", "Công văn"."""
    return spec.title.capitalize() if spec.title else "Công văn"


def _title(spec: ResultTemplate, shown: str, service: str) -> str:
    """The archive's title of the result: "Quyết định số 12/QĐ-UBND: <service>"."""
    return f"{_kind(spec)} số {shown}: {service}"
