"""A PDF's objects by role: what each indirect object is for (page content, annotation ...).

Used to explain changes between revisions. Walks are bounded (hostile files): at most
``MAX_OBJECTS`` objects, no following of back-references (/P, /Parent).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pikepdf

from verify.names import name_text, pdf_text

MAX_OBJECTS = 200_000
_SKIP_KEYS = {"/P", "/Parent", "/Prev", "/Next", "/First", "/Last", "/Dest", "/A"}


@dataclass(frozen=True)
class Role:
    kind: str
    page: int | None = None
    field: str | None = None
    rect: tuple[float, float, float, float] | None = None


def snapshot(pdf: pikepdf.Pdf) -> dict[tuple[int, int], tuple[object, bytes]]:
    """Every object in the xref (reachable or not) with a digest of its serialised form.

    Indirect numbers, booleans and nulls come back from pikepdf as Python values: they are
    kept too (by their repr), since a flag such as an annotation's ``/F 4 0 R`` lives there."""
    out: dict[tuple[int, int], tuple[object, bytes]] = {}
    for index, objgen in enumerate(pdf.get_xref_table()):
        if index > MAX_OBJECTS:
            break
        obj = pdf.get_object(objgen)
        if not isinstance(obj, pikepdf.Object):
            out[objgen] = (obj, hashlib.sha256(repr(obj).encode()).digest())
            continue
        if not obj.is_indirect:
            continue
        digest = hashlib.sha256(obj.unparse(resolved=True))
        if isinstance(obj, pikepdf.Stream):
            digest.update(obj.read_raw_bytes())
        out[obj.objgen] = (obj, digest.digest())
    return out


class _Walker:
    def __init__(self) -> None:
        self.roles: dict[tuple[int, int], Role] = {}
        self.visits = 0

    def mark(self, obj: object, role: Role) -> bool:
        """Record ``role`` for an indirect object; False when it was seen before (or when a
        hostile file put a number where an object belongs)."""
        if not isinstance(obj, pikepdf.Object):
            return False
        if obj.is_indirect:
            if obj.objgen in self.roles or obj.objgen == (0, 0):
                return False
            self.roles[obj.objgen] = role
        return True

    def walk(self, obj: object, role: Role, depth: int = 0) -> None:
        if not isinstance(obj, pikepdf.Object):
            return  # ints, names, strings: pikepdf gives Python values
        self.visits += 1
        if depth > 60 or self.visits > MAX_OBJECTS:
            return
        if not self.mark(obj, role):
            return
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            # items(), not get(key): a key that is not valid UTF-8 comes back as a str that
            # pikepdf cannot take as an argument again (TypeError; found by the fuzzer)
            for key, value in obj.items():
                if key not in _SKIP_KEYS:
                    self.walk(value, role, depth + 1)
        elif isinstance(obj, pikepdf.Array):
            for item in obj:
                self.walk(item, role, depth + 1)


def _rect(obj: pikepdf.Object) -> tuple[float, float, float, float] | None:
    try:
        x1, y1, x2, y2 = (float(v) for v in obj.get("/Rect", pikepdf.Array()))
    except (TypeError, ValueError):
        return None
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _field_name(obj: pikepdf.Object) -> str:
    parts = []
    node: pikepdf.Object | None = obj
    for _ in range(30):
        if node is None or not isinstance(node, pikepdf.Dictionary):
            break
        if "/T" in node:
            parts.append(pdf_text(node.T))
        node = node.get("/Parent")
    return ".".join(reversed(parts))


def _field_type(obj: pikepdf.Object) -> str:
    node: pikepdf.Object | None = obj
    for _ in range(30):
        if node is None or not isinstance(node, pikepdf.Dictionary):
            break
        if "/FT" in node:
            return name_text(node.FT)
        node = node.get("/Parent")
    return ""


def _array(obj: object) -> list[object]:
    """The items of a PDF array; nothing when a hostile file put something else there."""
    return list(obj) if isinstance(obj, pikepdf.Array) else []


def roles_of(pdf: pikepdf.Pdf) -> dict[tuple[int, int], Role]:
    walker = _Walker()
    root = pdf.Root
    walker.mark(root, Role("catalog"))
    for number, page in enumerate(pdf.pages, start=1):
        walker.mark(page.obj, Role("page", number))
        walker.walk(page.obj.get("/Contents"), Role("content", number))
        walker.walk(page.obj.get("/Resources"), Role("resource", number))
    for number, page in enumerate(pdf.pages, start=1):
        for annot in _array(page.obj.get("/Annots")):
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            rect = _rect(annot)
            if annot.get("/Subtype") == pikepdf.Name.Widget:
                is_sig = _field_type(annot) == "/Sig"
                name = _field_name(annot)
                kind = "sig_widget" if is_sig else "widget"
                walker.walk(annot, Role(kind, number, name, rect))
                if not is_sig:
                    walker.walk(annot.get("/Parent"), Role("field", number, name, rect))
            else:
                walker.walk(annot, Role("annot", number, None, rect))
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary):
        walker.mark(form, Role("acroform"))
        for item in _array(form.get("/Fields")):
            _walk_field(walker, item)
        walker.walk(form.get("/DR"), Role("resource"))
    walker.walk(root.get("/DSS"), Role("dss"))
    walker.walk(root.get("/OCProperties"), Role("ocprops"))
    walker.walk(root.get("/Perms"), Role("sigvalue"))
    return walker.roles


def _walk_field(walker: _Walker, item: object, depth: int = 0) -> None:
    if depth > 20 or not isinstance(item, pikepdf.Dictionary):
        return
    name = _field_name(item)
    if _field_type(item) == "/Sig":
        value = item.get("/V")
        if value is not None:
            walker.walk(value, Role("sigvalue", field=name))
        walker.mark(item, Role("sig_widget", field=name, rect=_rect(item)))
    else:
        walker.walk(item, Role("field", field=name, rect=_rect(item)))
    for kid in _array(item.get("/Kids")):
        _walk_field(walker, kid, depth + 1)
