"""Active content in a PDF: JavaScript, launch actions, links out, embedded files, multimedia.

kyso never runs or follows any of it (pikepdf and pyHanko only parse). The report says it is
there, as Adobe Reader and EU DSS do (WARN for what runs, INFORM for links and attachments),
without changing the verdict when the signature covers it; the change analysis fails a
signature after which such content *appeared* (``added``): a signed document that now runs a
script or carries a new attachment is not the document that was signed.

Walks are bounded (hostile files): at most ``MAX_NODES`` objects, nesting at most
``MAX_DEPTH``, each indirect object visited once (cycles in /Next chains, name trees and
outlines end).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

import pikepdf

from verify.names import name_text

MAX_NODES = 100_000
MAX_DEPTH = 32
#: items named in a finding's detail; the rest are counted
MAX_SHOWN = 4

JAVASCRIPT, LAUNCH, LINK, EMBEDDED, MULTIMEDIA = (
    "javascript", "launch", "link", "embedded", "multimedia",
)  # fmt: skip
#: the finding (``verify.findings``) of each kind, in report order
CODES = {
    JAVASCRIPT: "active_javascript",
    LAUNCH: "active_launch",
    MULTIMEDIA: "active_multimedia",
    EMBEDDED: "active_embedded_files",
    LINK: "active_links",
}
_LABELS = {
    JAVASCRIPT: "JavaScript", LAUNCH: "Launch", MULTIMEDIA: "multimedia", EMBEDDED: "attachment",
    LINK: "link",
}  # fmt: skip
#: actions that reach outside the document (ISO 32000-2 §12.6.4)
_LINK_ACTIONS = {"/URI", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData"}
_MEDIA_ACTIONS = {"/Rendition", "/Movie", "/Sound", "/RichMediaExecute"}
_MEDIA_ANNOTS = {"/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
_SKIP = {"/P", "/Parent", "/Next", "/Prev", "/Length"}


@dataclass(frozen=True)
class Item:
    """One piece of active content."""

    kind: str
    #: where it sits, for people: "OpenAction", "page 1 Link", "EmbeddedFiles 'a.xml'"
    where: str
    #: what it points at, for people: an address or a file name ("" when none)
    target: str
    #: SHA-256 of what it does (compared between the signed revision and the final file)
    fingerprint: str

    def describe(self) -> str:
        return f"{self.where}: {self.target}" if self.target else self.where


class _Budget(Exception):
    """The walk reached ``MAX_NODES``."""


def _name(value: object) -> str:
    return name_text(value) if isinstance(value, pikepdf.Name) else ""


def _text(value: object, limit: int = 100) -> str:
    """A PDF string as safe one-line text (control and bidi characters dropped)."""
    if isinstance(value, pikepdf.String):
        raw = str(value)
    elif isinstance(value, str):
        raw = value
    else:
        return ""
    shown = "".join(ch for ch in raw if ch.isprintable())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class _Scanner:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.nodes = 0
        self.seen: set[tuple[int, int]] = set()

    def tick(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Budget

    def visit(self, obj: pikepdf.Object) -> bool:
        """Count ``obj``; False when it is an indirect object already visited."""
        self.tick()
        if obj.is_indirect:
            if obj.objgen in self.seen:
                return False
            self.seen.add(obj.objgen)
        return True

    def add(self, kind: str, where: str, target: str, payload: object) -> None:
        digest = hashlib.sha256(kind.encode())
        self._feed(digest, payload, 0, set())
        self.items.append(Item(kind, where, target, digest.hexdigest()))

    def _feed(
        self, digest: hashlib._Hash, value: object, depth: int, seen: set[tuple[int, int]]
    ) -> None:
        """Hash ``value`` with its resolved sub-objects (bounded, cycle-safe)."""
        self.tick()
        if depth > 8:
            return
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            if value.objgen in seen:
                return
            seen.add(value.objgen)
        if isinstance(value, pikepdf.Stream):
            digest.update(b"stream")
            digest.update(value.read_raw_bytes())
        if isinstance(value, pikepdf.Dictionary | pikepdf.Stream):
            for key in sorted(value.keys()):
                if key not in _SKIP:
                    digest.update(key.encode())
                    self._feed(digest, value.get(key), depth + 1, seen)
        elif isinstance(value, pikepdf.Array):
            for item in value:
                self._feed(digest, item, depth + 1, seen)
        elif isinstance(value, pikepdf.String):
            digest.update(bytes(value))
        else:
            digest.update(repr(value).encode())

    def action(self, obj: object, where: str, depth: int = 0) -> None:
        """An action dictionary and the actions chained after it (/Next)."""
        if depth > MAX_DEPTH or not isinstance(obj, pikepdf.Dictionary) or not self.visit(obj):
            return
        kind = _name(obj.get("/S"))
        if kind == "/JavaScript":
            self.add(JAVASCRIPT, where, "", obj.get("/JS"))
        elif kind == "/Launch":
            win = obj.get("/Win")
            target = self.file_name(obj.get("/F"))
            if not target and isinstance(win, pikepdf.Dictionary):
                target = _text(win.get("/F"))
            self.add(LAUNCH, where, target, obj)
        elif kind in _LINK_ACTIONS:
            target = _text(obj.get("/URI")) if kind == "/URI" else self.file_name(obj.get("/F"))
            self.add(LINK, where, f"{kind[1:]} {target}".strip(), obj)
        elif kind in _MEDIA_ACTIONS:
            self.add(MULTIMEDIA, where, kind[1:], obj)
            if "/JS" in obj:
                self.add(JAVASCRIPT, where, "", obj.get("/JS"))
        following = obj.get("/Next")
        for nxt in following if isinstance(following, pikepdf.Array) else [following]:
            self.action(nxt, where, depth + 1)

    def triggers(self, aa: object, where: str) -> None:
        """An additional-actions (/AA) dictionary: actions run on events, without a click."""
        if isinstance(aa, pikepdf.Dictionary) and self.visit(aa):
            for event in sorted(aa.keys()):
                self.action(aa.get(event), f"{where} /AA {event}")

    @staticmethod
    def file_name(spec: object) -> str:
        if isinstance(spec, pikepdf.Dictionary):
            name = _text(spec.get("/UF")) or _text(spec.get("/F"))
            return f"URL {name}" if _name(spec.get("/FS")) == "/URL" else name
        return _text(spec)

    def attachment(self, spec: object, where: str) -> None:
        if isinstance(spec, pikepdf.Object) and not self.visit(spec):
            return
        payload: object = spec
        files = spec.get("/EF") if isinstance(spec, pikepdf.Dictionary) else None
        if isinstance(files, pikepdf.Dictionary):
            found = [files.get(key) for key in ("/F", "/UF") if key in files]
            payload = found[0] if found else spec
        self.add(EMBEDDED, where, self.file_name(spec), payload)

    def name_tree(self, node: object, depth: int = 0) -> Iterator[tuple[str, object]]:
        if depth > MAX_DEPTH or not isinstance(node, pikepdf.Dictionary) or not self.visit(node):
            return
        pairs = node.get("/Names")
        if isinstance(pairs, pikepdf.Array):
            for index in range(0, len(pairs) - 1, 2):
                self.tick()
                yield _text(pairs[index], 60), pairs[index + 1]
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                yield from self.name_tree(kid, depth + 1)

    def annotation(self, annot: object, page: int) -> None:
        if not isinstance(annot, pikepdf.Dictionary) or not self.visit(annot):
            return
        subtype = _name(annot.get("/Subtype"))
        where = f"page {page} {subtype[1:] or 'annotation'}"
        self.action(annot.get("/A"), where)
        self.triggers(annot.get("/AA"), where)
        if subtype == "/FileAttachment":
            self.attachment(annot.get("/FS"), where)
        elif subtype in _MEDIA_ANNOTS:
            content = annot.get("/RichMediaContent")
            self.add(MULTIMEDIA, where, subtype[1:], content if content is not None else annot)

    def fields(self, fields: object, depth: int = 0) -> None:
        if depth > MAX_DEPTH or not isinstance(fields, pikepdf.Array):
            return
        for item in fields:
            if not isinstance(item, pikepdf.Dictionary):
                continue
            self.triggers(item.get("/AA"), f"field {_text(item.get('/T'), 60)}".strip())
            self.fields(item.get("/Kids"), depth + 1)

    def outlines(self, node: object, depth: int = 0) -> None:
        """Bookmarks: siblings by /Next (a loop ends at an item already seen), children by
        /First."""
        while isinstance(node, pikepdf.Dictionary) and depth <= MAX_DEPTH and self.visit(node):
            self.action(node.get("/A"), "bookmark")
            self.outlines(node.get("/First"), depth + 1)
            node = node.get("/Next")


def scan(pdf: pikepdf.Pdf) -> tuple[Item, ...]:
    """Every piece of active content of ``pdf`` (as far as the walk's bounds go)."""
    scanner = _Scanner()
    try:
        root = pdf.Root
        scanner.action(root.get("/OpenAction"), "OpenAction")
        scanner.triggers(root.get("/AA"), "document")
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            for key, value in scanner.name_tree(names.get("/JavaScript")):
                scanner.action(value, f"JavaScript '{key}'")
            for key, value in scanner.name_tree(names.get("/EmbeddedFiles")):
                scanner.attachment(value, f"EmbeddedFiles '{key}'")
        for number, page in enumerate(pdf.pages, start=1):
            scanner.triggers(page.obj.get("/AA"), f"page {number}")
            annots = page.obj.get("/Annots")
            for annot in annots if isinstance(annots, pikepdf.Array) else ():
                scanner.tick()
                scanner.annotation(annot, number)
        form = root.get("/AcroForm")
        if isinstance(form, pikepdf.Dictionary):
            scanner.fields(form.get("/Fields"))
        outlines = root.get("/Outlines")
        if isinstance(outlines, pikepdf.Dictionary):
            scanner.outlines(outlines.get("/First"))
    except (_Budget, pikepdf.PikepdfError, RecursionError):
        pass  # what was found so far is reported; the rest of a hostile file is not walked
    return tuple(scanner.items)


def scan_bytes(data: bytes) -> tuple[Item, ...]:
    """``scan`` of a whole file; nothing when pikepdf cannot open it (pyHanko could: the
    report's other findings speak for it)."""
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            return scan(pdf)
    # PikepdfError, not only PdfError: qpdf raises QpdfRuntimeError on a page tree it cannot
    # flatten (found by fuzzing)
    except (pikepdf.PikepdfError, RecursionError, ValueError):
        return ()


def summarise(items: tuple[Item, ...] | list[Item]) -> list[tuple[str, str]]:
    """(finding code, detail) per kind present, in report order."""
    out = []
    for kind, code in CODES.items():
        described = list(dict.fromkeys(i.describe() for i in items if i.kind == kind))
        if described:
            out.append((code, describe(described)))
    return out


def describe(described: list[str]) -> str:
    shown = "; ".join(described[:MAX_SHOWN])
    more = len(described) - MAX_SHOWN
    return f"{shown}; +{more}" if more > 0 else shown


def describe_added(items: list[Item]) -> str:
    return describe(list(dict.fromkeys(f"{_LABELS[i.kind]} {i.describe()}" for i in items)))


def added(signed: tuple[Item, ...], final: tuple[Item, ...]) -> list[Item]:
    """Items of ``final`` that the signed revision did not have (by what they do)."""
    left = Counter((i.kind, i.fingerprint) for i in signed)
    out = []
    for item in final:
        key = (item.kind, item.fingerprint)
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(item)
    return out
