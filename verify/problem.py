"""``Problem``: a raw observation about a signature or document, before the policy judges it.

A leaf module: the checks (structure, changes, visual comparison, validation) produce
problems, ``verify.assemble`` turns them into findings and indications.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.model import Region


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str = ""
    when: str = ""
    field: str = ""
    pages: tuple[int, ...] = ()
    objects: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()
