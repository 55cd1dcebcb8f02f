"""Page texts in Vietnamese (default) and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "site": "kyso — Chữ ký số và lưu trữ hồ sơ điện tử",
        "home": "Trang chủ",
        "verify": "Xác minh tài liệu",
        "verify_lead": "Tải lên tệp PDF đã ký số để kiểm tra chữ ký, người ký, thời điểm ký "
        "và các thay đổi sau khi ký.",
        "file": "Tệp PDF",
        "check": "Kiểm tra",
        "login": "Đăng nhập",
        "logout": "Đăng xuất",
        "username": "Tên đăng nhập",
        "password": "Mật khẩu",
        "enrol": "Đăng ký chứng thư số miễn phí",
        "enrol_lead": "Công dân đăng ký chứng thư số cá nhân miễn phí; cán bộ một cửa sẽ "
        "kiểm tra và phê duyệt.",
        "full_name": "Họ và tên",
        "cccd": "Số CCCD (12 chữ số)",
        "phone": "Số điện thoại",
        "submit": "Gửi yêu cầu",
        "requested": "Đã gửi yêu cầu. Mã yêu cầu",
        "enrolments": "Yêu cầu cấp chứng thư",
        "approve": "Phê duyệt",
        "reject": "Từ chối",
        "reason": "Lý do",
        "status": "Trạng thái",
        "none": "Không có yêu cầu nào.",
        "result": "Kết quả xác minh",
        "verdict_TOTAL_PASSED": "HỢP LỆ",
        "verdict_TOTAL_FAILED": "KHÔNG HỢP LỆ",
        "verdict_INDETERMINATE": "CHƯA XÁC ĐỊNH",
        "report_pdf": "Tải báo cáo",
        "again": "Kiểm tra tệp khác",
        "error": "Lỗi",
        "language": "English",
    },
    "en": {
        "site": "kyso — Digital signatures and e-records",
        "home": "Home",
        "verify": "Verify a document",
        "verify_lead": "Upload a digitally signed PDF to check its signatures, signers, signing "
        "times and any change made after signing.",
        "file": "PDF file",
        "check": "Check",
        "login": "Sign in",
        "logout": "Sign out",
        "username": "Username",
        "password": "Password",
        "enrol": "Request a free signing certificate",
        "enrol_lead": "Citizens request a free personal signing certificate; a one-stop-shop "
        "officer checks and approves it.",
        "full_name": "Full name",
        "cccd": "Citizen ID (12 digits)",
        "phone": "Phone",
        "submit": "Send request",
        "requested": "Request sent. Request id",
        "enrolments": "Certificate requests",
        "approve": "Approve",
        "reject": "Reject",
        "reason": "Reason",
        "status": "Status",
        "none": "No requests.",
        "result": "Verification result",
        "verdict_TOTAL_PASSED": "VALID",
        "verdict_TOTAL_FAILED": "NOT VALID",
        "verdict_INDETERMINATE": "INDETERMINATE",
        "report_pdf": "Download the report",
        "again": "Check another file",
        "error": "Error",
        "language": "Tiếng Việt",
    },
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["vi"])
