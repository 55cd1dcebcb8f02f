"""What a web page says when an action is refused: in Vietnamese for the errors people meet on
the pages (kyso's own messages are English, as the API's), the code in brackets for support;
an error without a Vietnamese text here keeps its English message."""

from __future__ import annotations

from common.errors import KysoError

VI: dict[str, str] = {
    "not_a_pdf": "tệp không phải là PDF",
    "pdf_not_a_pdf": "tệp không phải là PDF",
    "pdf_broken": "tệp PDF bị hỏng, không đọc được",
    "pdf_unreadable": "không đọc được tệp PDF",
    "pdf_encrypted": "tệp PDF được mã hoá bằng mật khẩu",
    "pdf_unsigned": "tệp PDF chưa có chữ ký số",
    "upload_too_large": "tệp quá lớn",
    "rate_limited": "quá nhiều yêu cầu, vui lòng thử lại sau ít phút",
    "forbidden": "bạn không có quyền thực hiện thao tác này",
    "authorization_failed": "mã PIN hoặc mã OTP không đúng",
    "login_failed": "tên đăng nhập hoặc mật khẩu không đúng",
    "credential_unknown": "không tìm thấy chứng thư ký từ xa",
    "certificate_unknown": "không tìm thấy chứng thư số",
    "certificate_not_yours": "chứng thư số này không phải của bạn",
    "certificate_revoked": "chứng thư số đã bị thu hồi",
    "certificate_expired": "chứng thư số đã hết hạn",
    "certificate_active_exists": "số CCCD này đã có chứng thư số còn hiệu lực",
    "enrolment_duplicate": "yêu cầu cấp chứng thư cho số CCCD này đã được gửi",
    "enrolment_decided": "yêu cầu này đã được xử lý",
    "dossier_unknown": "không tìm thấy hồ sơ",
    "dossier_transition_illegal": "hồ sơ không ở trạng thái cho phép thao tác này",
    "dossier_already_returned": "hồ sơ đã được trả kết quả",
    "result_not_ready": "hồ sơ chưa có kết quả",
    "archive_empty_file": "tệp rỗng (0 byte)",
    "archive_missing_title": "cần nhập trích yếu / tiêu đề",
    "archive_document_not_found": "không tìm thấy tài liệu",
    "archive_same_approver": "người phê duyệt phải khác người đề nghị",
    "archive_retention_active": "tài liệu chưa hết thời hạn bảo quản",
    "archive_legal_hold": "tài liệu đang bị phong toả theo yêu cầu pháp lý",
    "archive_bag_too_large": "gói BagIt quá lớn",
    "archive_bag_zip_invalid": "tệp zip không hợp lệ",
    "archive_bag_unsafe_path": "gói có đường dẫn không an toàn",
    "archive_bag_invalid": "gói BagIt không hợp lệ",
    "ocr_unsupported_input": "định dạng tệp scan không được hỗ trợ",
    "ocr_unreadable_pdf": "không đọc được tệp PDF scan",
    "ocr_unreadable_image": "không đọc được ảnh scan",
    "ocr_too_many_pages": "tệp scan có quá nhiều trang",
    "ocr_encrypted_pdf": "tệp PDF scan được mã hoá",
    "ocr_empty_input": "tệp scan rỗng",
    "print_scan_unreadable": "không đọc được ảnh chụp / bản scan",
    "print_scan_too_large": "ảnh chụp / bản scan quá lớn",
    "print_scan_empty": "chưa chọn ảnh chụp / bản scan",
    "print_scan_unsupported": "định dạng ảnh không được hỗ trợ",
    "print_qr_not_found": "không tìm thấy mã QR trên bản in; hãy nhập mã tra cứu",
    "print_code_unknown": "không tìm thấy văn bản có mã này",
    "print_original_not_public": "bản gốc không công khai nên không thể đối chiếu",
    "exchange_unknown_peer": "không có cơ quan liên thông này",
    "exchange_peer_unreachable": "không kết nối được cơ quan nhận; văn bản sẽ được gửi lại",
    "exchange_not_held": "văn bản đến không ở trạng thái chờ kiểm tra",
}


def error_text(error: KysoError, lang: str) -> str:
    """The sentence a page shows for ``error`` in ``lang`` ("vi" or "en")."""
    said = VI.get(error.code) if lang == "vi" else None
    return f"{said or error.message} [{error.code}]"
