"""The fan report portal: plain, kind words for people who may be young and upset."""

MESSAGES = {
    "report.title": {"en": "Report content", "ko": "신고하기"},
    "report.choose_agency": {
        "en": "Which agency looks after the artist?",
        "ko": "아티스트의 소속사를 선택해 주세요.",
    },
    "report.no_agencies": {
        "en": "No agency is taking reports here right now.",
        "ko": "지금은 신고를 받고 있는 소속사가 없습니다.",
    },
    "report.intro": {
        "en": (
            "Thank you for speaking up. If you found a fake or sexual image or video of "
            "{agency}'s artist, tell us where it is. Our team will look at it and ask the "
            "website to take it down."
        ),
        "ko": (
            "용기 내어 알려 주셔서 고맙습니다. {agency} 소속 아티스트의 합성물이나 성적인 "
            "사진·영상을 발견했다면 어디에서 봤는지 알려 주세요. 담당자가 확인한 뒤 해당 "
            "사이트에 삭제를 요청합니다."
        ),
    },
    "report.do_not_share": {
        "en": (
            "Please do not share, repost or download the content to show others: every copy "
            "hurts the artist again. Reporting it here is enough."
        ),
        "ko": (
            "다른 사람에게 보여 주려고 공유하거나 다시 올리거나 저장하지 말아 주세요. "
            "퍼질수록 아티스트가 다시 상처를 받습니다. 여기에 신고하는 것만으로 충분합니다."
        ),
    },
    "report.anonymous": {
        "en": (
            "Reporting is anonymous. We only know how to reach you if you leave a contact "
            "below, and we use it only about this report."
        ),
        "ko": (
            "신고는 익명으로 처리됩니다. 아래에 연락처를 남기신 경우에만 연락할 수 있으며, "
            "이 신고와 관련된 일에만 사용합니다."
        ),
    },
    "report.artist": {"en": "Artist", "ko": "아티스트"},
    "report.artist_unknown": {"en": "I'm not sure", "ko": "잘 모르겠어요"},
    "report.subject": {"en": "What are you reporting?", "ko": "무엇을 신고하시나요?"},
    "report.subject_content": {
        "en": "A photo, video or post",
        "ko": "사진, 영상 또는 게시물",
    },
    "report.subject_account": {
        "en": "An account pretending to be the artist (give its profile address)",
        "ko": "아티스트를 사칭하는 계정 (프로필 주소를 적어 주세요)",
    },
    "report.url": {
        "en": "Where did you see it? (web address)",
        "ko": "어디에서 보셨나요? (웹 주소)",
    },
    "report.url_hint": {
        "en": "Copy the address of the post or page, e.g. https://…",
        "ko": "게시물이나 페이지의 주소를 복사해 붙여 넣어 주세요. 예: https://…",
    },
    "report.file": {
        "en": "Or upload the file (photo or video)",
        "ko": "또는 파일 올리기 (사진 또는 영상)",
    },
    "report.file_hint": {
        "en": "Only if you already have it. At most {mb} MB.",
        "ko": "이미 가지고 있는 경우에만 올려 주세요. 최대 {mb}MB.",
    },
    "report.need_one": {
        "en": "Give the web address, the file, or both.",
        "ko": "웹 주소나 파일 중 하나 이상을 알려 주세요.",
    },
    "report.description": {
        "en": "Anything else we should know? (optional)",
        "ko": "더 알려 주실 내용이 있나요? (선택)",
    },
    "report.contact": {
        "en": "How can we reach you? (optional, e-mail or similar)",
        "ko": "연락받을 방법 (선택, 이메일 등)",
    },
    "report.consent": {
        "en": (
            "I understand that IdolGuard keeps what I send as evidence, that the agency's team "
            "will look at it, and that they may ask the website to remove it."
        ),
        "ko": (
            "보낸 내용이 증거로 보관되고, 소속사 담당자가 확인하며, 해당 사이트에 삭제를 "
            "요청할 수 있다는 것을 이해했습니다."
        ),
    },
    "report.submit": {"en": "Send report", "ko": "신고 보내기"},
    "report.sending": {
        "en": "Sending… a video can take a moment.",
        "ko": "보내는 중입니다… 영상은 시간이 조금 걸릴 수 있어요.",
    },
    "report.done_title": {
        "en": "Thank you. We got your report.",
        "ko": "신고가 접수되었습니다. 고맙습니다.",
    },
    "report.done_write_down": {
        "en": (
            "Write down your report number and PIN now. The PIN is shown only this once, "
            "and we cannot tell it to you again."
        ),
        "ko": (
            "지금 신고 번호와 PIN을 꼭 적어 두세요. PIN은 이번 한 번만 보여 드리며, "
            "다시 알려 드릴 수 없습니다."
        ),
    },
    "report.number": {"en": "Report number", "ko": "신고 번호"},
    "report.pin": {"en": "PIN", "ko": "PIN"},
    "report.duplicate_note": {
        "en": "Someone already reported this too, so it is already on our list.",
        "ko": "다른 분도 이미 같은 내용을 신고해 주셔서 확인 목록에 올라 있습니다.",
    },
    "report.done_next": {
        "en": "You can check what happened with your report at any time.",
        "ko": "언제든지 신고 처리 상황을 확인할 수 있습니다.",
    },
    "report.another": {"en": "Report something else", "ko": "다른 내용 신고하기"},
    "report.check_status": {"en": "Check a report", "ko": "신고 처리 상황 확인"},
    "report.status_title": {"en": "Check your report", "ko": "신고 처리 상황 확인"},
    "report.status_intro": {
        "en": "Enter the report number and PIN you got when you sent the report.",
        "ko": "신고할 때 받은 신고 번호와 PIN을 입력해 주세요.",
    },
    "report.status_submit": {"en": "Check", "ko": "확인하기"},
    "report.status_label": {"en": "Status", "ko": "처리 상황"},
    "report.submitted_at": {"en": "Sent", "ko": "신고 일시"},
    "report.updated_at": {"en": "Last change", "ko": "최근 변경"},
    "report.withdraw": {"en": "Withdraw this report", "ko": "신고 철회하기"},
    "report.withdraw_hint": {
        "en": (
            "If you reported this by mistake you can withdraw it. If the agency has already "
            "confirmed the content, it may still ask for removal to protect the artist."
        ),
        "ko": (
            "실수로 신고했다면 철회할 수 있습니다. 소속사가 이미 확인한 내용이라면 아티스트를 "
            "보호하기 위해 삭제 요청은 계속될 수 있습니다."
        ),
    },
    "report.status.received": {
        "en": "Received. It is waiting for our team to look at it.",
        "ko": "접수되었습니다. 담당자의 확인을 기다리고 있습니다.",
    },
    "report.status.in_review": {
        "en": "Our team is looking at it now.",
        "ko": "담당자가 지금 확인하고 있습니다.",
    },
    "report.status.action_taken": {
        "en": "Confirmed. The agency is taking action and asking for removal.",
        "ko": "확인되었습니다. 소속사가 조치하고 삭제를 요청하고 있습니다.",
    },
    "report.status.removed": {
        "en": "The content has been removed. Thank you for helping.",
        "ko": "해당 콘텐츠가 삭제되었습니다. 도와주셔서 고맙습니다.",
    },
    "report.status.dismissed": {
        "en": (
            "Checked, and not actioned: our team did not find a reason to act on this one. "
            "Thank you for telling us all the same."
        ),
        "ko": (
            "확인 결과 조치하지 않기로 했습니다. 이번 건은 조치할 사유를 찾지 못했습니다. "
            "그래도 알려 주셔서 고맙습니다."
        ),
    },
    "report.status.withdrawn": {
        "en": "You withdrew this report.",
        "ko": "이 신고는 철회되었습니다.",
    },
    "report.status.still_acted_on": {
        "en": (
            "The agency had already confirmed this content before you withdrew, so it may "
            "still ask for its removal."
        ),
        "ko": ("철회하기 전에 소속사가 이미 확인한 내용이라, 삭제 요청은 계속될 수 있습니다."),
    },
    "report.support": {
        "en": (
            "Seeing content like this can be upsetting. It is okay to take a break and talk "
            "to someone you trust."
        ),
        "ko": (
            "이런 콘텐츠를 보면 마음이 힘들 수 있어요. 잠시 쉬면서 믿을 수 있는 사람과 "
            "이야기해 보세요."
        ),
    },
    "report.copy": {"en": "Copy", "ko": "복사"},
    "report.copy_both": {"en": "Copy number and PIN", "ko": "번호와 PIN 복사"},
    "report.copied": {"en": "Copied", "ko": "복사했습니다"},
}
