"""Words the pages show, Vietnamese first with English beside: (vi, en)."""

from __future__ import annotations

KINDS: dict[str, tuple[str, str]] = {
    "feedback": ("Phản ánh", "Feedback"),
    "petition": ("Kiến nghị", "Petition"),
    "complaint": ("Khiếu nại", "Complaint"),
    "denunciation": ("Tố cáo", "Denunciation"),
    "dialogue_request": ("Đề nghị tiếp công dân, đối thoại", "Request a meeting"),
}

# The law's filing rules, said before they bite (intake checks the same: cases/rules.py).
RULES: dict[str, tuple[str, str]] = {
    "feedback": (
        "Có thể gửi không cần tên. Mô tả sự việc và nơi xảy ra.",
        "May be anonymous. Say what happened and where.",
    ),
    "petition": (
        "Có thể gửi không cần tên. Nêu điều bạn đề nghị cơ quan làm.",
        "May be anonymous. Say what you ask the authority to do.",
    ),
    "complaint": (
        "Phải ghi họ tên và một cách liên lạc (điện thoại, thư điện tử hoặc địa chỉ); "
        "nêu quyết định hoặc hành vi bị khiếu nại (Luật Khiếu nại 2011, Điều 8).",
        "Your full name and a way to reach you (phone, e-mail or address) are required; name "
        "the decision or act you complain of (Law on Complaints 2011, art. 8).",
    ),
    "denunciation": (
        "Phải ghi họ tên, cách liên lạc và người hoặc cơ quan bị tố cáo. Thông tin của người "
        "tố cáo được giữ bí mật; trang công khai chỉ hiện trạng thái và thời hạn "
        "(Luật Tố cáo 2018, Điều 23, 25, 47).",
        "Your full name, a way to reach you and whom you denounce are required. Your identity "
        "is kept confidential; the public page shows only status and deadlines "
        "(Law on Denunciations 2018, arts. 23, 25, 47).",
    ),
    "dialogue_request": (
        "Phải ghi họ tên, cách liên lạc, nội dung muốn trao đổi và ngày bạn có thể đến "
        "(Luật Tiếp công dân 2013, Điều 7).",
        "Your full name, a way to reach you, the topic and the days you can come are "
        "required (Law on Citizen Reception 2013, art. 7).",
    ),
}
NAMED = frozenset({"complaint", "denunciation", "dialogue_request"})

STATUSES: dict[str, tuple[str, str]] = {
    "submitted": ("Đã tiếp nhận", "Received"),
    "routed": ("Đã chuyển đến cơ quan có thẩm quyền", "Sent to the competent unit"),
    "accepted": ("Đã thụ lý", "Accepted for handling"),
    "info_requested": ("Cần bổ sung thông tin", "More information needed"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "closed": ("Đã kết thúc", "Closed"),
    "rejected": ("Không thụ lý", "Not accepted"),
    "withdrawn": ("Đã rút", "Withdrawn"),
    "appealed": ("Đã khiếu nại lần hai / đề nghị xem xét lại", "Appealed"),
    "suspended": ("Tạm đình chỉ", "Suspended"),
}

DEADLINES: dict[str, tuple[str, str]] = {
    "accept": ("Hạn thụ lý", "Decide whether to accept"),
    "resolve": ("Hạn giải quyết", "Resolve by"),
    "answer": ("Hạn trả lời", "Answer by"),
    "forward": ("Hạn chuyển đơn", "Forward by"),
    "classify": ("Hạn phân loại", "Classify by"),
    "appeal_window": ("Hạn khiếu nại lần hai", "Appeal by"),
    "notify_parties": ("Hạn thông báo", "Notify by"),
    "dialogue_notice": ("Hạn báo lịch tiếp", "Meeting notice by"),
    "publish": ("Hạn công khai kết quả", "Publish by"),
    "report_back": ("Hạn báo cáo", "Report by"),
    "file": ("Hạn nộp đơn", "File by"),
    "suspension": ("Tạm đình chỉ", "Suspension"),
}

DEADLINE_STATES: dict[str, tuple[str, str]] = {
    "running": ("đang tính", "running"),
    "paused": ("tạm dừng", "paused"),
    "met": ("đã đáp ứng", "met"),
    "breached": ("quá hạn", "missed"),
}

NOTIFY: dict[str, tuple[str, str]] = {
    "email": ("Thư điện tử", "E-mail"),
    "sms": ("Tin nhắn SMS", "SMS"),
    "none": ("Không cần báo", "Don't notify me"),
}

FIGURES: dict[str, tuple[str, str]] = {
    "received": ("Tiếp nhận", "Received"),
    "accepted": ("Thụ lý", "Accepted"),
    "rejected": ("Không thụ lý", "Rejected"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "resolved_on_time": ("Giải quyết đúng hạn", "Resolved on time"),
    "overdue": ("Đang quá hạn", "Overdue"),
    "median_days_to_resolve": ("Số ngày giải quyết (trung vị)", "Median days"),
    "mean_rating": ("Mức hài lòng (1–5)", "Satisfaction (1–5)"),
}


def label(table: dict[str, tuple[str, str]], key: str | None) -> tuple[str, str]:
    if key is None:
        return ("—", "—")
    return table.get(key, (key, key))
