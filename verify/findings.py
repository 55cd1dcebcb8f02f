"""The catalogue of findings: stable codes, default severity, effect on the verdict, texts.

A finding's code never changes once released (reports are archived and compared). The
policy (``verify.policy``) may change a check's severity; what a FAIL does to the verdict
(indication and sub-indication, ETSI EN 319 102-1) is fixed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.model import Finding, Indication, Region, Severity, SubIndication

_F, _I = Indication.TOTAL_FAILED, Indication.INDETERMINATE
S = SubIndication


@dataclass(frozen=True)
class Check:
    code: str
    default: Severity
    indication: Indication
    sub_indication: SubIndication | None
    vi: str
    en: str


def _c(
    code: str, default: str, ind: Indication, sub: SubIndication | None, vi: str, en: str
) -> Check:
    return Check(code, Severity(default), ind, sub, vi, en)


CHECKS: dict[str, Check] = {c.code: c for c in (
    # -- input and structure
    _c("pdf_unreadable", "FAIL", _F, S.FORMAT_FAILURE,
       "Tệp không phải là PDF đọc được: {detail}",
       "The file is not a readable PDF: {detail}"),
    _c("pdf_encrypted", "FAIL", _F, S.FORMAT_FAILURE,
       "Tệp PDF bị mã hoá, không thể xác minh.",
       "The PDF is encrypted and cannot be verified."),
    _c("resource_limit", "FAIL", _F, S.FORMAT_FAILURE,
       "Tệp vượt giới hạn xử lý an toàn ({detail}).",
       "The file exceeds the safe processing limits ({detail})."),
    _c("verification_incomplete", "FAIL", _I, S.TRY_LATER,
       "Việc xác minh chưa hoàn tất sau {detail} (đang chờ máy chủ hoặc máy quá tải); "
       "hãy thử lại sau.",
       "The verification did not finish within {detail} (waiting on a server, or the machine "
       "is overloaded); try again later."),
    _c("trailing_data", "WARN", _I, S.FORMAT_FAILURE,
       "Có {detail} byte sau phần kết thúc cuối cùng của tệp "
       "(không thuộc lần lưu nào, không được ký).",
       "There are {detail} bytes after the file's last end marker (no revision, not signed)."),
    _c("no_signatures", "FAIL", _I, S.SIGNED_DATA_NOT_FOUND,
       "Tài liệu không có chữ ký số nào.",
       "The document carries no digital signature."),
    _c("signature_unreadable", "FAIL", _F, S.FORMAT_FAILURE,
       "Chữ ký trong trường {field} không đọc được: {detail}",
       "The signature in field {field} cannot be read: {detail}"),
    # -- signature wrapping, universal signature forgery
    _c("byte_range_invalid", "FAIL", _F, S.FORMAT_FAILURE,
       "Vùng dữ liệu được ký (ByteRange) không hợp lệ: {detail} (tấn công bọc chữ ký).",
       "The signed byte range is invalid: {detail} (signature wrapping)."),
    _c("signature_wrapping", "FAIL", _F, S.FORMAT_FAILURE,
       "Khoảng trống dành cho chữ ký chứa dữ liệu khác ngoài giá trị chữ ký: {detail} "
       "(tấn công bọc chữ ký).",
       "The gap reserved for the signature holds other data than the signature value: "
       "{detail} (signature wrapping)."),
    _c("signature_value_missing", "FAIL", _F, S.FORMAT_FAILURE,
       "Giá trị chữ ký trống hoặc toàn số 0 (giả mạo chữ ký phổ quát - USF).",
       "The signature value is empty or all zeros (universal signature forgery)."),
    _c("signature_value_malformed", "FAIL", _F, S.FORMAT_FAILURE,
       "Giá trị chữ ký không phải cấu trúc CMS hợp lệ: {detail} (giả mạo chữ ký phổ quát - USF).",
       "The signature value is not a valid CMS structure: {detail} "
       "(universal signature forgery)."),
    _c("signature_crypto_invalid", "FAIL", _F, S.SIG_CRYPTO_FAILURE,
       "Giá trị chữ ký không khớp với khoá công khai của người ký.",
       "The signature value does not verify with the signer's public key."),
    _c("signature_algorithm_mismatch", "FAIL", _F, S.SIG_CRYPTO_FAILURE,
       "Thuật toán chữ ký ghi trong chữ ký không dùng được với khoá của người ký "
       "(thuật toán / khoá: {detail}): giá trị chữ ký không thể kiểm tra.",
       "The signature algorithm the signature names does not work with the signer's key "
       "(algorithm / key: {detail}): the signature value cannot be verified."),
    _c("signed_attributes_not_der", "FAIL", _F, S.SIG_CRYPTO_FAILURE,
       "Các thuộc tính được ký của chữ ký không được mã hoá DER ({detail}): giá trị chữ ký "
       "không phải là chữ ký trên bản mã hoá DER như RFC 5652 yêu cầu.",
       "The signature's signed attributes are not DER-encoded ({detail}): the signature value "
       "is not a signature over their DER encoding, which RFC 5652 requires."),
    _c("hash_mismatch", "FAIL", _F, S.HASH_FAILURE,
       "Nội dung được ký đã bị sửa: giá trị băm không khớp.",
       "The signed content was altered: the digest does not match."),
    # -- certificates, trust, revocation, time
    _c("signing_certificate_missing", "FAIL", _I, S.NO_SIGNING_CERTIFICATE_FOUND,
       "Không tìm thấy chứng thư số của người ký.",
       "The signer's certificate was not found."),
    _c("chain_untrusted", "FAIL", _I, S.NO_CERTIFICATE_CHAIN_FOUND,
       "Chứng thư số không dẫn tới một tổ chức gốc được tin cậy: {detail}",
       "The certificate does not chain up to a trusted root: {detail}"),
    _c("chain_invalid", "FAIL", _I, S.CERTIFICATE_CHAIN_GENERAL_FAILURE,
       "Chuỗi chứng thư số không hợp lệ: {detail}",
       "The certificate chain is not valid: {detail}"),
    _c("certificate_revoked", "FAIL", _F, S.REVOKED,
       "Chứng thư số đã bị thu hồi lúc {when}, trước thời điểm ký được chứng minh.",
       "The certificate was revoked at {when}, before the proven signing time."),
    _c("certificate_revoked_no_poe", "FAIL", _I, S.REVOKED_NO_POE,
       "Chứng thư số đã bị thu hồi lúc {when} và không có dấu thời gian chứng minh chữ ký "
       "có trước đó.",
       "The certificate was revoked at {when} and no time-stamp proves the signature "
       "existed before."),
    _c("certificate_expired", "FAIL", _I, S.OUT_OF_BOUNDS_NO_POE,
       "Chứng thư số hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra, không có bằng chứng "
       "tồn tại trước đó.",
       "The certificate is expired or not yet valid at the validation time and there is no "
       "proof of existence before."),
    _c("revocation_unavailable", "FAIL", _I, S.TRY_LATER,
       "Không lấy được thông tin thu hồi (OCSP/CRL) của chứng thư số: {detail}",
       "No revocation information (OCSP/CRL) could be obtained: {detail}"),
    _c("weak_digest", "FAIL", _I, S.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
       "Thuật toán băm {detail} bị cấm (Thông tư 15/2025/TT-BKHCN yêu cầu SHA-256 trở lên).",
       "Digest algorithm {detail} is forbidden (Circular 15/2025 requires SHA-256 or stronger)."),
    _c("weak_key", "FAIL", _I, S.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
       "Khoá {detail} quá yếu (Thông tư 15/2025/TT-BKHCN: RSA ≥ 2048, ECDSA ≥ P-256).",
       "Key {detail} is too weak (Circular 15/2025: RSA ≥ 2048 bits, ECDSA ≥ P-256)."),
    _c("timestamp_invalid", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Dấu thời gian của chữ ký không hợp lệ.",
       "The signature time-stamp is not valid."),
    _c("archive_timestamp_poe", "INFORM", _I, None,
       "Dấu thời gian của chữ ký được bảo vệ bởi dấu thời gian lưu trữ (B-LTA) lúc {when}.",
       "The signature time-stamp is protected by the archive (document) time-stamp of {when}."),
    _c("past_validation", "INFORM", _I, None,
       "Chứng thư được kiểm tra tại thời điểm có bằng chứng tồn tại (dấu thời gian {when}).",
       "The certificate was validated at the proof-of-existence time (time-stamp {when})."),
    _c("revocation_from_document", "INFORM", _I, None,
       "Thông tin thu hồi được lấy từ dữ liệu nhúng trong tài liệu (DSS).",
       "Revocation information came from data embedded in the document (DSS)."),
    # -- changes after signing
    _c("docmdp_violation", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Tài liệu đã được chứng thực (DocMDP mức {detail}) nhưng bị thay đổi ngoài phạm vi "
       "cho phép.",
       "The document was certified (DocMDP level {detail}) but changed beyond what it allows."),
    _c("fieldmdp_violation", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Trường {detail} bị khoá bởi chữ ký nhưng đã bị thay đổi sau khi ký (FieldMDP).",
       "Field {detail} is locked by the signature but was changed after signing (FieldMDP)."),
    _c("incremental_content_change", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Nội dung tài liệu bị thay đổi sau khi ký bằng một lần lưu bổ sung: {detail} "
       "(tấn công lưu tăng dần).",
       "The document content was changed after signing by an incremental update: {detail} "
       "(incremental saving attack)."),
    _c("shadow_hide", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Nội dung bị che khi ký đã được làm hiện ra sau khi ký ({detail}) "
       "(tấn công bóng - che giấu).",
       "Content hidden at signing time was revealed after signing ({detail}) "
       "(shadow attack: hide)."),
    _c("shadow_replace", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Giá trị đã hiển thị khi ký bị thay bằng giá trị khác sau khi ký: {detail} "
       "(tấn công bóng - thay thế).",
       "A value shown at signing time was replaced after signing: {detail} "
       "(shadow attack: replace)."),
    _c("shadow_hide_and_replace", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Nội dung chuẩn bị sẵn nhưng ẩn khi ký đã được đưa vào hiển thị sau khi ký: {detail} "
       "(tấn công bóng - che và thay).",
       "Content prepared but unused at signing time was switched on after signing: {detail} "
       "(shadow attack: hide-and-replace)."),
    _c("overlay_over_signed_content", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Chú thích được thêm sau khi ký vẽ đè lên nội dung đã ký ({detail}).",
       "An annotation added after signing is drawn over signed content ({detail})."),
    _c("visual_change", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Hình ảnh trang đã thay đổi sau khi ký ở vùng không giải thích được ({detail}).",
       "What the page shows changed after signing in an unexplained area ({detail})."),
    _c("changes_analysed_by_kyso", "INFORM", _I, None,
       "Bộ phân tích thay đổi của pyHanko không đọc được các lần lưu sau ({detail}); "
       "các thay đổi được đánh giá bằng phép so sánh các phiên bản của kyso.",
       "pyHanko's difference analysis could not read the later revisions ({detail}); the "
       "changes were judged by kyso's own comparison of the revisions."),
    _c("changes_not_analysed", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Không phân tích được các thay đổi sau khi ký: {detail}",
       "The changes made after signing could not be analysed: {detail}"),
    _c("annotation_added", "INFORM", _I, None,
       "Có chú thích được thêm sau khi ký ({detail}), không che nội dung đã ký.",
       "Annotations were added after signing ({detail}), not covering signed content."),
    _c("form_filled", "INFORM", _I, None,
       "Các trường biểu mẫu được điền sau khi ký: {detail}.",
       "Form fields were filled after signing: {detail}."),
    _c("later_signatures", "INFORM", _I, None,
       "Có chữ ký hoặc dấu thời gian được thêm sau chữ ký này.",
       "Signatures or time-stamps were added after this signature."),
    _c("dss_updated", "INFORM", _I, None,
       "Dữ liệu xác minh dài hạn (DSS) được bổ sung sau khi ký.",
       "Long-term validation data (DSS) was added after signing."),
    _c("active_content_added", "FAIL", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Nội dung chủ động được thêm vào sau khi ký: {detail} (mã JavaScript, tệp đính kèm, "
       "lệnh hoặc liên kết không có lúc ký).",
       "Active content was added after signing: {detail} (JavaScript, attachments, actions "
       "or links that were not there when it was signed)."),
    # -- active content (reported as Adobe Reader and EU DSS do; kyso never runs or follows it)
    _c("active_javascript", "WARN", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Tài liệu chứa mã JavaScript ({detail}); kyso không chạy mã này, nhưng trình đọc PDF "
       "có thể chạy khi mở tệp.",
       "The document contains JavaScript ({detail}); kyso does not run it, but a PDF reader "
       "may when the file is opened."),
    _c("active_launch", "WARN", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Tài liệu chứa lệnh mở chương trình hoặc tệp khác (Launch: {detail}).",
       "The document contains actions that open another program or file (Launch: {detail})."),
    _c("active_multimedia", "WARN", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Tài liệu chứa nội dung đa phương tiện có thể chạy ({detail}).",
       "The document contains playable multimedia content ({detail})."),
    _c("active_embedded_files", "INFORM", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Tài liệu có tệp đính kèm ({detail}); kyso không mở và không kiểm tra các tệp này.",
       "The document carries attached files ({detail}); kyso neither opens nor checks them."),
    _c("active_links", "INFORM", _I, S.SIG_CONSTRAINTS_FAILURE,
       "Tài liệu chứa liên kết hoặc lệnh gửi tới địa chỉ bên ngoài ({detail}).",
       "The document contains links or actions that reach outside it ({detail})."),
)}  # fmt: skip


def make(code: str, severity: Severity, *, pages: tuple[int, ...] = (),
         objects: tuple[str, ...] = (), regions: tuple[Region, ...] = (),
         **params: str) -> Finding:  # fmt: skip
    check = CHECKS[code]
    values = {"detail": "", "field": "", "when": "", **params}
    return Finding(
        code=code,
        severity=severity,
        message_vi=check.vi.format(**values),
        message_en=check.en.format(**values),
        pages=pages,
        objects=objects,
        regions=regions,
    )
