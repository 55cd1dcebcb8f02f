"""What changed after a signature: the signed revision against the final file, object by object.

pyHanko's difference analysis says *whether* the later revisions stay within what is
allowed; this module says *what* they did, in terms a reader understands, and catches what
a permissive reading lets through (ISO 32000-2 §12.8; Mainka et al., "Shadow Attacks", 2021):

- hide-and-replace: objects present but unused when signed, switched on afterwards;
- hide: optional content (layers) turned on after signing; content hidden under a form
  field's appearance revealed by "form filling" (checked on the rendered pages);
- replace: a form field that already had a value when signed, changed afterwards;
- incremental saving: page content, resources or page tree changed;
- overlays: annotations drawn over signed content (checked on the rendered pages).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING

import pikepdf
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus

from verify import active
from verify.boundary import Unanalysed
from verify.model import ChangeKind, ChangesAfterSigning, Region
from verify.names import pdf_text
from verify.objects import Role, roles_of, snapshot
from verify.options import VerifyOptions
from verify.problem import Problem
from verify.structure import revision_ends

if TYPE_CHECKING:
    from verify.engine import _Signature

_KIND_ORDER = list(ChangeKind)
_CATALOG_OK = {"/DSS", "/AcroForm", "/Perms", "/Extensions", "/Version"}
_ACROFORM_OK = {"/Fields", "/SigFlags", "/NeedAppearances", "/DR", "/DA"}


@dataclass
class Delta:
    """The object-level changes between the signed revision and the final file."""

    kind: ChangeKind = ChangeKind.NONE
    pages: set[int] = field(default_factory=set)
    objects: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    #: widgets whose appearance changed by form filling: (page, rect)
    filled_widgets: list[tuple[int, tuple[float, float, float, float]]] = field(
        default_factory=list
    )
    #: annotations (not widgets) added or changed: (page, rect)
    new_annotations: list[tuple[int, tuple[float, float, float, float]]] = field(
        default_factory=list
    )
    #: widgets of later signatures (their appearance is explained)
    signature_widgets: list[tuple[int, tuple[float, float, float, float]]] = field(
        default_factory=list
    )

    def raise_to(self, kind: ChangeKind) -> None:
        if _KIND_ORDER.index(kind) > _KIND_ORDER.index(self.kind):
            self.kind = kind

    def fail(self, code: str, detail: str, page: int | None, ref: str) -> None:

        self.raise_to(ChangeKind.OTHER)
        pages = (page,) if page else ()
        if page:
            self.pages.add(page)
        self.objects.add(ref)
        self.problems.append(Problem(code, detail=detail, pages=pages, objects=(ref,)))


def _ref(objgen: tuple[int, int]) -> str:
    return f"{objgen[0]} {objgen[1]} R"


def _serial(value: object) -> bytes:
    """A value as compared across revisions: numbers by value, since a writer that rewrites
    an object (pyHanko adding a page's /Annots) may write ``595.00`` back as ``595``."""
    if isinstance(value, bool):
        return repr(value).encode()
    if isinstance(value, int | float | Decimal):
        return repr(float(value)).encode()
    if isinstance(value, pikepdf.Array):
        return b"[" + b" ".join(_serial(item) for item in value) + b"]"
    if isinstance(value, pikepdf.Object):
        return bytes(value.unparse())
    return repr(value).encode()


def _dict_keys_changed(old: pikepdf.Object, new: pikepdf.Object) -> set[str]:
    # by items(): a key that is not UTF-8 cannot be passed back to get() (verify/names.py)
    before = {k: _serial(v) for k, v in old.items()}
    after = {k: _serial(v) for k, v in new.items()}
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _field_value(obj: pikepdf.Object) -> str:
    value = obj.get("/V")
    if value is None:
        return ""
    text = pdf_text(value) if not isinstance(value, pikepdf.Dictionary) else "<sig>"
    return text.strip()


def _rect(obj: pikepdf.Object) -> tuple[float, float, float, float]:
    try:
        x1, y1, x2, y2 = (float(v) for v in obj.get("/Rect", [0, 0, 0, 0]))
    except (TypeError, ValueError):
        return (0.0, 0.0, 0.0, 0.0)
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _classify(
    delta: Delta, objgen: tuple[int, int], role: Role, old: pikepdf.Object | None,
    new: pikepdf.Object, emb: EmbeddedPdfSignature,
) -> None:  # fmt: skip
    ref = _ref(objgen)
    if role.kind in ("content", "resource"):
        if old is not None:
            delta.fail("incremental_content_change", "page content changed", role.page, ref)
        return
    if role.kind == "page":
        if old is None:
            delta.fail("incremental_content_change", "page added", role.page, ref)
            return
        changed = _dict_keys_changed(old, new) - {"/Annots"}
        if changed:
            delta.fail(
                "incremental_content_change", "page " + ", ".join(sorted(changed)), role.page, ref
            )
        elif "/Annots" in _dict_keys_changed(old, new):
            delta.raise_to(ChangeKind.SIGNATURES)
        return
    if role.kind == "catalog" and old is not None:
        changed = _dict_keys_changed(old, new) - _CATALOG_OK
        if "/OCProperties" in changed:
            delta.fail("shadow_hide", "optional content (layers) switched", None, ref)
        elif changed:
            delta.fail("incremental_content_change", "catalog " + ", ".join(sorted(changed)),
                       None, ref)  # fmt: skip
        return
    if role.kind == "ocprops":
        delta.fail("shadow_hide", "optional content (layers) switched", None, ref)
        return
    if role.kind == "acroform" and old is not None:
        changed = _dict_keys_changed(old, new) - _ACROFORM_OK
        if changed:
            delta.fail("incremental_content_change", "form " + ", ".join(sorted(changed)),
                       None, ref)  # fmt: skip
        return
    if role.kind in ("field", "widget"):
        _field_change(delta, role, old, new, emb, ref)
        return
    if role.kind in ("annot", "annot_ap"):
        delta.raise_to(ChangeKind.ANNOTATIONS)
        if role.page and role.rect is not None:
            delta.new_annotations.append((role.page, role.rect))
            delta.pages.add(role.page)
        delta.objects.add(ref)
        return
    if role.kind in ("sig_widget", "sig_ap", "sigvalue"):
        if old is not None and not _signs_reserved_field(old, new):
            # an existing signature's field, appearance or value rewritten after signing
            delta.fail("incremental_content_change",
                       f"signature field {role.field or '?'} changed", role.page, ref)  # fmt: skip
            return
        delta.raise_to(ChangeKind.SIGNATURES)
        if role.page and role.rect is not None:
            delta.signature_widgets.append((role.page, role.rect))
        return
    if role.kind == "dss":
        delta.raise_to(ChangeKind.DSS_AND_TIMESTAMPS)
        return
    if old is not None and role.kind != "unreachable":
        delta.fail("incremental_content_change", f"{role.kind} changed", role.page, ref)


def _signs_reserved_field(old: pikepdf.Object, new: pikepdf.Object) -> bool:
    """An empty signature field (reserved by a certifier) that a later signature filled."""
    if not isinstance(old, pikepdf.Dictionary) or not isinstance(new, pikepdf.Dictionary):
        return False
    if "/V" in old or "/V" not in new:
        return False
    return _dict_keys_changed(old, new) <= {"/V", "/AP", "/F", "/MK", "/DA", "/Lock", "/SV"}


def _field_change(
    delta: Delta, role: Role, old: pikepdf.Object | None, new: pikepdf.Object,
    emb: EmbeddedPdfSignature, ref: str,
) -> None:  # fmt: skip
    name = role.field or "?"
    before = _field_value(old) if old is not None else ""
    after = _field_value(new)
    if role.page and role.rect is not None:
        delta.filled_widgets.append((role.page, role.rect))
        delta.pages.add(role.page)
    delta.objects.add(ref)
    locked = emb.fieldmdp
    if before != after and locked is not None and locked.is_locked(name):
        delta.fail("fieldmdp_violation", name, role.page, ref)
        return
    if before and before != after:
        delta.fail("shadow_replace", f"field {name}: '{before}' → '{after}'", role.page, ref)
        return
    if before != after:
        delta.problems.append(Problem("form_filled", detail=name, objects=(ref,)))
    delta.raise_to(ChangeKind.FORM_FILLING)


def object_delta(signed: bytes, final: bytes, emb: EmbeddedPdfSignature) -> Delta:
    delta = Delta()
    with pikepdf.open(BytesIO(signed)) as old_pdf, pikepdf.open(BytesIO(final)) as new_pdf:
        old_objs, new_objs = snapshot(old_pdf), snapshot(new_pdf)
        old_roles, new_roles = roles_of(old_pdf), roles_of(new_pdf)
        if len(new_pdf.pages) != len(old_pdf.pages):
            counts = f"pages {len(old_pdf.pages)} → {len(new_pdf.pages)}"
            delta.fail("incremental_content_change", counts, None, "/Pages")
        for objgen, (new_obj, new_sig) in new_objs.items():
            role = new_roles.get(objgen, Role("unreachable"))
            previous = old_objs.get(objgen)
            if previous is not None and previous[1] == new_sig:
                old_role = old_roles.get(objgen)
                if old_role is None and role.kind in ("content", "resource"):
                    delta.fail("shadow_hide_and_replace",
                               f"object {_ref(objgen)} was unused when signed", role.page,
                               _ref(objgen))  # fmt: skip
                continue
            if not isinstance(new_obj, pikepdf.Object):
                if previous is not None:  # an indirect number or flag rewritten after signing
                    delta.fail("incremental_content_change", f"value {_ref(objgen)} changed",
                               None, _ref(objgen))  # fmt: skip
                continue
            old_obj = previous[0] if previous is not None else None
            old = old_obj if isinstance(old_obj, pikepdf.Object) else None
            _classify(delta, objgen, role, old, new_obj, emb)
        _active_content(delta, old_pdf, new_pdf)
    return delta


def _active_content(delta: Delta, old_pdf: pikepdf.Pdf, new_pdf: pikepdf.Pdf) -> None:
    """Scripts, actions, links or attachments the signed revision did not have: whichever
    object carries them (an annotation, a rewritten name tree), the signed document now does
    something else when opened or clicked."""

    appeared = active.added(active.scan(old_pdf), active.scan(new_pdf))
    if appeared:
        delta.raise_to(ChangeKind.OTHER)
        detail = active.describe_added(appeared)
        delta.problems.append(Problem("active_content_added", detail=detail))


async def analyse_changes(
    data: bytes,
    end: int,
    emb: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    all_sigs: list[_Signature],
    options: VerifyOptions,
) -> tuple[ChangesAfterSigning, list[Problem]]:
    if end >= len(data):
        return ChangesAfterSigning(ChangeKind.NONE), []
    # numpy and Pillow (0.3 s to import) only for a document changed after this signature
    from verify.visual import compare_revisions

    after = sum(1 for value in revision_ends(data) if value > end)
    # pyHanko's difference analysis could not read a later revision: kyso's decides alone
    unanalysed = status.diff_result if isinstance(status.diff_result, Unanalysed) else None
    try:
        # off the event loop: pikepdf parsing and pdftoppm are blocking work
        delta = await asyncio.to_thread(object_delta, data[:end], data, emb)
    except pikepdf.PikepdfError as exc:  # also QpdfRuntimeError: a page tree qpdf cannot flatten
        if unanalysed is not None:
            detail = f"pyHanko: {unanalysed.reason}; kyso: {exc}"
            return ChangesAfterSigning(ChangeKind.OTHER, after), [
                Problem("changes_not_analysed", detail=detail)
            ]
        problem = Problem("incremental_content_change", detail=f"unreadable revision: {exc}")
        return ChangesAfterSigning(ChangeKind.OTHER, after), [problem]
    problems = list(delta.problems)
    if unanalysed is not None:
        problems.append(Problem("changes_analysed_by_kyso", detail=unanalysed.reason))
    later = [s for s in all_sigs if s.embedded is not None and s.embedded is not emb
             and s.embedded.signed_revision > emb.signed_revision]  # fmt: skip
    if any(not s.is_timestamp for s in later):
        delta.raise_to(ChangeKind.SIGNATURES)
        problems.append(Problem("later_signatures"))
    elif later:
        delta.raise_to(ChangeKind.DSS_AND_TIMESTAMPS)
        if delta.kind is ChangeKind.SIGNATURES:  # only the document time-stamp's own field
            delta.kind = ChangeKind.DSS_AND_TIMESTAMPS
    if delta.kind is ChangeKind.DSS_AND_TIMESTAMPS:
        problems.append(Problem("dss_updated"))
    level = status.modification_level
    regions: tuple[Region, ...] = ()
    needs_pixels = _KIND_ORDER.index(delta.kind) >= _KIND_ORDER.index(ChangeKind.FORM_FILLING)
    if options.policy.visual_comparison and needs_pixels:
        visual = await asyncio.to_thread(compare_revisions, data[:end], data, delta, options.limits)
        problems += visual.problems
        regions = visual.regions
        delta.pages.update(r.page for r in regions)
    if unanalysed is not None:
        problems += _docmdp_by_kind(emb, delta.kind)
    elif status.docmdp_ok is False:
        # pyHanko's difference analysis refuses the later revisions
        if emb.docmdp_level is not None:
            problems.append(Problem("docmdp_violation", detail=str(int(emb.docmdp_level.value))))
        elif not any(p.code != "form_filled" and p.code in _MODIFICATION_CODES for p in problems):
            name = level.name if level is not None else "unknown"
            problems.append(Problem("incremental_content_change", detail=f"pyHanko: {name}"))
    if unanalysed is None and level is not None and level >= ModificationLevel.ANNOTATIONS:
        delta.raise_to(ChangeKind.ANNOTATIONS)
    changes = ChangesAfterSigning(
        kind=delta.kind, revisions_after=after, pages=tuple(sorted(delta.pages)),
        objects=tuple(sorted(delta.objects)), regions=regions,
    )  # fmt: skip
    return changes, problems


#: what each DocMDP permission level allows after certification (ISO 32000-2 12.8.2.2;
#: DSS and document time-stamps always: PAdES, ETSI EN 319 142-1 5.4)
_DOCMDP_ALLOWS = {
    1: {ChangeKind.NONE, ChangeKind.DSS_AND_TIMESTAMPS},
    2: {ChangeKind.NONE, ChangeKind.DSS_AND_TIMESTAMPS, ChangeKind.SIGNATURES,
        ChangeKind.FORM_FILLING},
    3: {ChangeKind.NONE, ChangeKind.DSS_AND_TIMESTAMPS, ChangeKind.SIGNATURES,
        ChangeKind.FORM_FILLING, ChangeKind.ANNOTATIONS},
}  # fmt: skip


def _docmdp_by_kind(emb: EmbeddedPdfSignature, kind: ChangeKind) -> list[Problem]:
    """The DocMDP check pyHanko could not make, from kyso's classification of the changes."""
    level = emb.docmdp_level
    if level is None or kind in _DOCMDP_ALLOWS.get(int(level.value), set()):
        return []
    return [Problem("docmdp_violation", detail=str(int(level.value)))]


_MODIFICATION_CODES = {
    "incremental_content_change", "active_content_added", "shadow_hide", "shadow_replace",
    "shadow_hide_and_replace", "fieldmdp_violation", "overlay_over_signed_content",
    "visual_change", "form_filled",
}  # fmt: skip
