"""The test corpus: clean signed documents and one document per attack class.

Originals are drawn with pikepdf; signatures come from ``signing/`` (kyso's own signer);
attacks are later incremental revisions written with pyHanko's incremental writer or by
patching bytes, as the attack papers describe (pdf-insecurity.org).
"""

from __future__ import annotations

import asyncio
import re
from io import BytesIO

import pikepdf
from asn1crypto import cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing.options import Level, Placement, ReservedField, SignOptions, StampKind
from signing.stamps import content_for
from tests.verify.conftest import Kit

AMOUNT = "So tien: 1.000.000 dong"
FORGED = "So tien: 9.000.000 dong"
FIELD_RECT = (72, 600, 372, 630)


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )


def original(
    *, hidden_layer: bool = False, prepared_alternative: bool = False, form: str | None = None
) -> bytes:
    """A one-page decision; options add what a shadow attacker prepares before signing.

    ``form``: None (no form), "empty" (an empty field over a blank area), "prefilled" (a
    field showing AMOUNT), "cover" (an empty field whose opaque appearance hides FORGED).
    """
    pdf = pikepdf.new()
    font = _font(pdf)
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    body = b"BT /F1 16 Tf 72 760 Td (QUYET DINH cap giay phep) Tj ET\n"
    body += b"BT /F1 14 Tf 72 700 Td (" + AMOUNT.encode() + b") Tj ET\n"
    if hidden_layer:
        layer = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name="Lop phu"))
        pdf.Root.OCProperties = pikepdf.Dictionary(
            OCGs=[layer], D=pikepdf.Dictionary(Order=[layer], OFF=[layer])
        )
        resources.Properties = pikepdf.Dictionary(oc1=layer)
        body += b"/OC /oc1 BDC 1 1 1 rg 60 690 320 30 re f 0 g "
        body += b"BT /F1 14 Tf 72 700 Td (" + FORGED.encode() + b") Tj ET EMC\n"
    if form == "cover":
        body += b"BT /F1 14 Tf 80 610 Td (Nguoi nhan: Cong ty Mallory) Tj ET\n"
    page.Resources = resources
    page.Contents = pdf.make_stream(body)
    if prepared_alternative:
        alt = pdf.make_stream(
            b"BT /F1 16 Tf 72 760 Td (QUYET DINH tu choi cap phep) Tj ET\n"
            b"BT /F1 14 Tf 72 700 Td (" + FORGED.encode() + b") Tj ET\n"
        )
        pdf.Root.PieceInfo = pikepdf.Dictionary(
            Kyso=pikepdf.Dictionary(LastModified="D:20260101", Private=alt)
        )
    if form is not None:
        _add_field(pdf, page, font, form)
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def _appearance(pdf: pikepdf.Pdf, font: pikepdf.Object, body: bytes) -> pikepdf.Object:
    width, height = FIELD_RECT[2] - FIELD_RECT[0], FIELD_RECT[3] - FIELD_RECT[1]
    return pdf.make_stream(
        body,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, width, height],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)),
    )


def _add_field(pdf: pikepdf.Pdf, page: pikepdf.Page, font: pikepdf.Object, kind: str) -> None:
    rect = (72, 690, 372, 720) if kind == "over_amount" else FIELD_RECT
    value = AMOUNT if kind == "prefilled" else ""
    if kind == "cover":
        ap = b"1 1 1 rg 0 0 300 30 re f"
    elif kind == "prefilled":
        ap = b"/Tx BMC BT /Helv 14 Tf 0 g 4 9 Td (" + AMOUNT.encode() + b") Tj ET EMC"
    else:
        ap = b"/Tx BMC EMC"
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
            T="so_tien", V=value, F=4, Rect=list(rect), P=page.obj,
            DA="/Helv 14 Tf 0 g", AP=pikepdf.Dictionary(N=_appearance(pdf, font, ap)),
        )
    )  # fmt: skip
    page.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=[field], DA="/Helv 0 Tf 0 g",
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)),
    )  # fmt: skip


def sign(kit: Kit, pdf: bytes, serial: str, **kw: object) -> bytes:
    done = asyncio.run(kit.signer(serial).sign(pdf, SignOptions(**kw)))  # type: ignore[arg-type]
    assert done.pdf is not None
    return done.pdf


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def fill_field(pdf: bytes, value: str, ap: bytes | None = None) -> bytes:
    """A later revision that fills field so_tien (value and a transparent appearance)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") != "so_tien":
            continue
        field["/V"] = generic.TextStringObject(value)
        body = ap or b"/Tx BMC BT /Helv 10 Tf 0 g 200 20 Td (" + value.encode() + b") Tj ET EMC"
        stream = generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                generic.NameObject("/BBox"): generic.ArrayObject(
                    [generic.NumberObject(v) for v in (0, 0, 300, 30)]
                ),
                generic.NameObject("/Resources"): field["/AP"]["/N"]["/Resources"],
            },
            stream_data=body,
        )
        field["/AP"] = generic.DictionaryObject(
            {generic.NameObject("/N"): writer.add_object(stream)}
        )
        writer.update_container(field)
    return _write(writer)


def _page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    assert isinstance(page, generic.DictionaryObject)
    return page


def replace_content(pdf: bytes) -> bytes:
    """Incremental saving attack: the page content object is rewritten in a new revision."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    ref = _page(writer).raw_get("/Contents")
    writer.mark_update(ref)
    writer.objects[(ref.generation, ref.idnum)] = generic.StreamObject(
        stream_data=b"BT /F1 16 Tf 72 760 Td (QUYET DINH tu choi) Tj ET\n"
        b"BT /F1 14 Tf 72 700 Td (" + FORGED.encode() + b") Tj ET\n"
    )
    return _write(writer)


def repaint_signature(pdf: bytes) -> bytes:
    """The visible signature's appearance stream is rewritten after signing (another name)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") != "/Sig":
            continue
        ap_ref = field["/AP"].raw_get("/N")
        old = ap_ref.get_object()
        writer.mark_update(ap_ref)
        replacement = generic.StreamObject(
            {k: v for k, v in old.items() if k not in ("/Length", "/Filter", "/DecodeParms")},
            stream_data=b"0 0 1 rg 0 0 40 20 re f",
        )
        writer.objects[(ap_ref.generation, ap_ref.idnum)] = replacement
    return _write(writer)


def append_page(pdf: bytes) -> bytes:
    """Incremental saving attack: a page added after signing (an unsigned annex)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    first = _page(writer)
    name = generic.NameObject
    body = b"BT /F1 14 Tf 72 760 Td (Phu luc: " + FORGED.encode() + b") Tj ET"
    content = writer.add_object(generic.StreamObject(stream_data=body))
    media_box = generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)])
    page = generic.DictionaryObject(
        {
            name("/Type"): name("/Page"),
            name("/MediaBox"): media_box,
            name("/Resources"): first["/Resources"],
            name("/Contents"): content,
        }
    )
    writer.insert_page(page)
    return _write(writer)


def switch_layer_on(pdf: bytes) -> bytes:
    """Shadow hide: the optional content layer hidden at signing is switched on."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    config = writer.root["/OCProperties"]["/D"]
    config["/OFF"] = generic.ArrayObject()
    writer.update_root()
    writer.update_container(config)
    return _write(writer)


def switch_to_prepared(pdf: bytes) -> bytes:
    """Shadow hide-and-replace: the page's /Contents points at the prepared object."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page = _page(writer)
    page["/Contents"] = writer.root["/PieceInfo"]["/Kyso"].raw_get("/Private")
    writer.update_container(page)
    return _write(writer)


def add_overlay(pdf: bytes) -> bytes:
    """An annotation whose appearance paints over the signed amount with another one."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page = _page(writer)
    font = page["/Resources"]["/Font"].raw_get("/F1")
    name = generic.NameObject
    stream = generic.StreamObject(
        {
            name("/Type"): name("/XObject"), name("/Subtype"): name("/Form"),
            name("/BBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 300, 30)]),
            name("/Resources"): generic.DictionaryObject(
                {name("/Font"): generic.DictionaryObject({name("/F1"): font})}
            ),
        },
        stream_data=b"1 1 1 rg 0 0 300 30 re f BT 0 g /F1 14 Tf 0 10 Td ("
        + FORGED.encode() + b") Tj ET",
    )  # fmt: skip
    annot = generic.DictionaryObject(
        {
            name("/Type"): name("/Annot"), name("/Subtype"): name("/FreeText"),
            name("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (72, 690, 372, 720)]
            ),
            name("/F"): generic.NumberObject(4),
            name("/DA"): generic.TextStringObject("/F1 14 Tf 0 g"),
            name("/Contents"): generic.TextStringObject(FORGED),
            name("/AP"): generic.DictionaryObject({name("/N"): writer.add_object(stream)}),
        }
    )  # fmt: skip
    annots = page.get("/Annots")
    array = annots.get_object() if annots is not None else generic.ArrayObject()
    array.append(writer.add_object(annot))
    if annots is not None and isinstance(annots, generic.IndirectObject):
        writer.mark_update(annots)
    else:
        page["/Annots"] = array
        writer.update_container(page)
    return _write(writer)


_CONTENTS = re.compile(rb"/Contents\s*<([0-9A-Fa-f]+)>")


def _last_contents(pdf: bytes) -> re.Match[bytes]:
    found = list(_CONTENTS.finditer(pdf))
    assert found, "no signature /Contents"
    return found[-1]


def _patch_contents(pdf: bytes, new_hex: bytes) -> bytes:
    match = _last_contents(pdf)
    old = match.group(1)
    assert len(new_hex) <= len(old)
    return pdf[: match.start(1)] + new_hex.ljust(len(old), b"0") + pdf[match.end(1) :]


def usf_zeros(pdf: bytes) -> bytes:
    return _patch_contents(pdf, b"")


def usf_garbage(pdf: bytes) -> bytes:
    return _patch_contents(pdf, b"3082" + b"ab" * 200)


def usf_signature_value(pdf: bytes) -> bytes:
    """The CMS is intact but its signature value is zeros (USF variant)."""
    raw = bytes.fromhex(_last_contents(pdf).group(1).decode())
    info = cms.ContentInfo.load(raw.rstrip(b"\x00") + b"\x00\x00")
    signer = info["content"]["signer_infos"][0]
    signer["signature"] = b"\x00" * len(signer["signature"].native)
    return _patch_contents(pdf, info.dump().hex().encode())


def usf_no_certificate(pdf: bytes) -> bytes:
    """The CMS carries no certificate: nothing to verify the signature value with."""
    raw = bytes.fromhex(_last_contents(pdf).group(1).decode())
    info = cms.ContentInfo.load(raw.rstrip(b"\x00") + b"\x00\x00")
    info["content"]["certificates"] = cms.CertificateSet([])
    return _patch_contents(pdf, info.dump().hex().encode())


def wrapping_gap(pdf: bytes) -> bytes:
    """Signature wrapping: the unsigned gap carries extra PDF syntax next to the signature."""
    match = _last_contents(pdf)
    hexed = match.group(1)
    used = len(hexed.rstrip(b"0"))
    used += used % 2
    spare = len(hexed) - used
    payload = b"> /KysoWrapped <"
    assert spare > len(payload) + 20
    filler = b"0" * ((spare - len(payload)) // 2 * 2)
    extra = spare - len(payload) - len(filler)
    new = hexed[:used] + filler[: len(filler) // 2] + payload + filler[len(filler) // 2 :]
    new += b"0" * extra
    return pdf[: match.start(1)] + new + pdf[match.end(1) :]


def byte_range_shifted(pdf: bytes) -> bytes:
    """Signature wrapping: /ByteRange no longer starts at 0 (same width, re-padded)."""
    found = list(re.finditer(rb"/ByteRange\s*\[([^\]]*)\]", pdf))
    match = found[-1]
    a, b, c, d = (int(v) for v in match.group(1).split())
    new = f"{a + 10} {b - 10} {c} {d}".encode().ljust(len(match.group(1)))
    return pdf[: match.start(1)] + new + pdf[match.end(1) :]


def flip_signed_byte(pdf: bytes) -> bytes:
    """A byte inside the signed range changed (the binary comment of line 2)."""
    index = pdf.index(b"\n") + 2
    return pdf[:index] + bytes([pdf[index] ^ 0x01]) + pdf[index + 1 :]


def sign_locking_amount(kit: Kit, pdf: bytes) -> bytes:
    """An approval signature whose field locks ``so_tien`` (FieldMDP, ISO 32000-2 12.8.2.4)."""
    from pyhanko.sign import fields, signers

    from signing.pki_adapter import signing_key
    from signing.signer import KeyStoreSigner

    key = signing_key(kit.pki, kit.official.serial)
    lock = fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, ["so_tien"])
    spec = fields.SigFieldSpec("KyKhoa", box=(330, 60, 560, 140), field_mdp_spec=lock)
    signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="KyKhoa", subfilter=fields.SigSeedSubFilter.PADES),
        KeyStoreSigner(kit.store, key),
        new_field_spec=spec,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    out = asyncio.run(signer.async_sign_pdf(writer))
    return out.getvalue()


def certify_no_changes_lta(kit: Kit, pdf: bytes) -> bytes:
    """A certification signature allowing no changes (DocMDP P=1), then PAdES B-LTA updates."""
    from pyhanko.sign import fields, signers

    from signing.pki_adapter import signing_key
    from signing.signer import KeyStoreSigner
    from signing.timestamps import SourceTimeStamper

    assert kit.context.timestamps is not None
    meta = signers.PdfSignatureMetadata(
        field_name="ChungThuc", subfilter=fields.SigSeedSubFilter.PADES, certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES, embed_validation_info=True,
        use_pades_lta=True, validation_context=kit.context.trust.validation_context(fetch=True),
    )  # fmt: skip
    signer = signers.PdfSigner(
        meta,
        KeyStoreSigner(kit.store, signing_key(kit.pki, kit.seal.serial)),
        timestamper=SourceTimeStamper(kit.context.timestamps),
    )
    out = asyncio.run(signer.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf))))
    return out.getvalue()


def build_corpus(kit: Kit) -> dict[str, bytes]:
    citizen, official, seal = kit.citizen.serial, kit.official.serial, kit.seal.serial
    stamp = content_for(StampKind.CITIZEN, kit.citizen.certificate.subject)
    plain = original()
    signed_bb = sign(kit, plain, citizen, stamp=stamp)
    corpus: dict[str, bytes] = {"clean_b_b": signed_bb}
    corpus["clean_b_lta"] = sign(kit, plain, official, level=Level.B_LTA)
    official_stamp = content_for(StampKind.OFFICIAL, kit.official.certificate.subject)
    corpus["clean_two_visible_stamps"] = sign(
        kit, signed_bb, official, level=Level.B_T, stamp=official_stamp,
        placement=Placement(1, (300, 700, 570, 790)),
    )  # fmt: skip
    certified = sign(
        kit, original(form="empty"), seal, level=Level.B_T, certify=True,
        reserve=(ReservedField("KyCongDan", Placement(1, (330, 60, 560, 140))),),
    )  # fmt: skip
    filled = fill_field(certified, "1.000.000")
    corpus["clean_certified_filled_then_signed"] = sign(
        kit, filled, citizen, level=Level.B_LT, field_name="KyCongDan", stamp=stamp
    )
    corpus["clean_approval_then_form_filled"] = fill_field(
        sign(kit, original(form="empty"), citizen), "1.000.000"
    )
    corpus["clean_certified_no_changes_lta"] = certify_no_changes_lta(kit, plain)
    three = sign(kit, plain, citizen, level=Level.B_LT)
    three = sign(kit, three, official, level=Level.B_LT)
    corpus["clean_three_signatures_lt"] = sign(kit, three, seal, level=Level.B_LTA)
    # attacks
    corpus["attack_incremental_content"] = replace_content(signed_bb)
    corpus["attack_incremental_page_added"] = append_page(signed_bb)
    corpus["attack_shadow_hide_layer"] = switch_layer_on(
        sign(kit, original(hidden_layer=True), citizen)
    )
    corpus["attack_shadow_hide_form"] = fill_field(
        sign(kit, original(form="cover"), citizen), "x", ap=b"/Tx BMC EMC"
    )
    corpus["attack_form_field_overlay"] = fill_field(
        sign(kit, original(form="over_amount"), citizen), "9.000.000",
        ap=b"/Tx BMC 1 1 1 rg 0 0 300 30 re f BT /Helv 14 Tf 0 g 0 10 Td ("
        + FORGED.encode() + b") Tj ET EMC",
    )  # fmt: skip
    corpus["attack_shadow_replace_form"] = fill_field(
        sign(kit, original(form="prefilled"), citizen), FORGED
    )
    corpus["attack_shadow_hide_and_replace"] = switch_to_prepared(
        sign(kit, original(prepared_alternative=True), citizen)
    )
    corpus["attack_overlay_annotation"] = add_overlay(signed_bb)
    corpus["attack_signature_appearance"] = repaint_signature(signed_bb)
    corpus["attack_docmdp_annotation"] = add_overlay(
        sign(kit, plain, seal, certify=True, level=Level.B_T)
    )
    corpus["attack_fieldmdp_locked_field"] = fill_field(
        sign_locking_amount(kit, original(form="empty")), "9.000.000"
    )
    corpus["attack_usf_empty"] = usf_zeros(signed_bb)
    corpus["attack_usf_garbage"] = usf_garbage(signed_bb)
    corpus["attack_usf_signature_value"] = usf_signature_value(signed_bb)
    corpus["attack_usf_no_certificate"] = usf_no_certificate(signed_bb)
    corpus["attack_wrapping_gap"] = wrapping_gap(signed_bb)
    corpus["attack_wrapping_byte_range"] = byte_range_shifted(signed_bb)
    corpus["attack_hash"] = flip_signed_byte(signed_bb)
    return corpus
