"""Messages shared by every page: navigation, sign-in, errors."""

MESSAGES = {
    "app.name": {"en": "IdolGuard", "ko": "IdolGuard"},
    "app.tagline": {
        "en": "Protecting artists from deepfakes and non-consensual imagery",
        "ko": "딥페이크와 불법 촬영물로부터 아티스트를 보호합니다",
    },
    "nav.dashboard": {"en": "Dashboard", "ko": "대시보드"},
    "nav.queue": {"en": "Review queue", "ko": "검토 대기열"},
    "nav.roster": {"en": "Roster", "ko": "아티스트"},
    "nav.cases": {"en": "Cases", "ko": "사건"},
    "nav.notices": {"en": "Notices", "ko": "삭제 요청"},
    "nav.report": {"en": "Report content", "ko": "신고하기"},
    "nav.signout": {"en": "Sign out", "ko": "로그아웃"},
    "nav.signin": {"en": "Sign in", "ko": "로그인"},
    "nav.language": {"en": "한국어", "ko": "English"},
    "nav.agency": {"en": "Agency", "ko": "소속사"},
    "nav.role": {"en": "Role", "ko": "역할"},
    "nav.switch": {"en": "Switch", "ko": "전환"},
    "role.admin": {"en": "admin", "ko": "관리자"},
    "role.reviewer": {"en": "reviewer", "ko": "검토자"},
    "role.legal": {"en": "legal", "ko": "법무"},
    "role.viewer": {"en": "viewer", "ko": "열람자"},
    "login.title": {"en": "Sign in", "ko": "로그인"},
    "login.email": {"en": "E-mail", "ko": "이메일"},
    "login.password": {"en": "Password", "ko": "비밀번호"},
    "login.agency": {"en": "Agency", "ko": "소속사"},
    "login.submit": {"en": "Sign in", "ko": "로그인"},
    "login.failed": {
        "en": (
            "Wrong e-mail or password. After {failures} failed sign-ins in a row an account"
            " is locked for {minutes} minutes: if you are sure of your password, wait and"
            " try again."
        ),
        "ko": (
            "이메일 또는 비밀번호가 올바르지 않습니다. 로그인에 {failures}번 연속 실패하면"
            " 계정이 {minutes}분 동안 잠깁니다. 비밀번호가 확실하다면 잠시 후 다시 시도하세요."
        ),
    },
    "login.choose_agency": {
        "en": "You work for several agencies: choose one and enter your password again.",
        "ko": "여러 소속사에 소속되어 있습니다. 소속사를 선택하고 비밀번호를 다시 입력하세요.",
    },
    "login.fan_hint": {
        "en": "Found a deepfake of an artist? You can report it without an account.",
        "ko": "아티스트의 딥페이크를 발견하셨나요? 계정 없이 신고할 수 있습니다.",
    },
    "error.title": {"en": "Something went wrong", "ko": "문제가 발생했습니다"},
    "error.not_found": {"en": "Not found.", "ko": "찾을 수 없습니다."},
    "error.internal": {
        "en": "The request could not be completed. It has been logged; please try again later.",
        "ko": "요청을 처리하지 못했습니다. 기록되었으니 잠시 후 다시 시도하세요.",
    },
    "error.forbidden": {
        "en": "Your role does not allow this.",
        "ko": "현재 역할로는 이 작업을 할 수 없습니다.",
    },
    "error.rate_limited": {
        "en": "Too many requests. Please wait {seconds} seconds and try again.",
        "ko": "요청이 너무 많습니다. {seconds}초 후에 다시 시도하세요.",
    },
    "error.csrf": {
        "en": "This form has expired. Reload the page and try again.",
        "ko": "양식이 만료되었습니다. 페이지를 새로고침한 후 다시 시도하세요.",
    },
    "common.save": {"en": "Save", "ko": "저장"},
    "common.cancel": {"en": "Cancel", "ko": "취소"},
    "common.none": {"en": "—", "ko": "—"},
    "common.back": {"en": "Back", "ko": "뒤로"},
    "common.loading": {"en": "Loading…", "ko": "불러오는 중…"},
    "common.empty": {"en": "Nothing here yet.", "ko": "아직 항목이 없습니다."},
}
