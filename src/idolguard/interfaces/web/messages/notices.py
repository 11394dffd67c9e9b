"""Messages of the takedown notice pages (``notices.*``)."""

from idolguard.notices.regimes import REGIMES

MESSAGES = {
    "notices.title": {"en": "Takedown notices", "ko": "삭제 요청"},
    "notices.new": {"en": "Draft a notice", "ko": "삭제 요청서 작성"},
    "notices.empty": {"en": "No notices yet.", "ko": "아직 삭제 요청이 없습니다."},
    # table
    "notices.col.number": {"en": "Notice", "ko": "요청 번호"},
    "notices.col.case": {"en": "Case", "ko": "사건"},
    "notices.col.platform": {"en": "Platform", "ko": "플랫폼"},
    "notices.col.regime": {"en": "Legal basis", "ko": "법적 근거"},
    "notices.col.status": {"en": "Status", "ko": "상태"},
    "notices.col.sent": {"en": "Sent", "ko": "발송"},
    "notices.col.due": {"en": "Due", "ko": "처리 기한"},
    "notices.col.urls": {"en": "URLs", "ko": "URL 수"},
    "notices.open": {"en": "Open", "ko": "열기"},
    "notices.auto": {"en": "auto", "ko": "자동"},
    "notices.overdue": {"en": "overdue", "ko": "기한 초과"},
    "notices.needs_recipient": {"en": "needs a recipient", "ko": "수신처 필요"},
    "notices.needs_recipient_tasks": {
        "en": "{n} draft(s) need a recipient before they can be sent: open each one and name "
        "the e-mail address or web form.",
        "ko": "수신처가 필요한 초안이 {n}건 있습니다. 각 요청서를 열어 이메일 주소나 웹 양식을 "
        "지정하세요.",
    },
    # filters
    "notices.filter.status": {"en": "Status", "ko": "상태"},
    "notices.filter.any": {"en": "Any status", "ko": "모든 상태"},
    "notices.filter.overdue": {"en": "Overdue only", "ko": "기한 초과만"},
    "notices.filter.apply": {"en": "Filter", "ko": "필터 적용"},
    "notices.filter.needs_recipient": {"en": "Needs a recipient", "ko": "수신처 필요"},
    # deadlines panel
    "notices.deadlines.title": {"en": "Deadlines", "ko": "처리 기한"},
    "notices.deadlines.none": {
        "en": "No notice is overdue or due within 24 hours.",
        "ko": "기한이 지났거나 24시간 안에 기한이 되는 요청이 없습니다.",
    },
    "notices.deadlines.overdue": {"en": "Overdue", "ko": "기한 초과"},
    "notices.deadlines.soon": {"en": "Due within 24 hours", "ko": "24시간 내 기한"},
    "notices.deadlines.late_by": {
        "en": "{duration} past the deadline",
        "ko": "기한을 {duration} 넘김",
    },
    "notices.deadlines.escalate": {"en": "Where to escalate", "ko": "추가 조치 경로"},
    # statuses
    "notices.status.drafted": {"en": "draft", "ko": "작성됨"},
    "notices.detail.unconfirmed": {
        "en": "The mail server took this notice and then dropped the connection before "
        "confirming it: it may or may not have reached {recipient}. Ask them. If it arrived, "
        "record it as sent below; if not, send it again (the same Message-ID, so a copy that "
        "did arrive is recognisable), or withdraw it.",
        "ko": "메일 서버가 이 통지를 받은 뒤 확인 응답 없이 연결을 끊었습니다. {recipient}에 "
        "도착했는지 알 수 없습니다. 수신처에 확인하세요. 도착했다면 아래에서 발송됨으로 기록하고, "
        "도착하지 않았다면 다시 발송하거나(같은 Message-ID로 보내므로 이미 도착한 사본과 같은 "
        "통지임을 알 수 있습니다) 철회하세요.",
    },
    "notices.action.resend": {"en": "Send again", "ko": "다시 발송"},
    "notices.status.unconfirmed": {"en": "unconfirmed", "ko": "발송 미확인"},
    "notices.status.sent": {"en": "sent", "ko": "발송됨"},
    "notices.status.acknowledged": {"en": "acknowledged", "ko": "접수 확인"},
    "notices.status.removed": {"en": "removed", "ko": "삭제됨"},
    "notices.status.rejected": {"en": "rejected", "ko": "거부됨"},
    "notices.status.counter_noticed": {"en": "counter-notice", "ko": "이의 통지"},
    "notices.status.withdrawn": {"en": "withdrawn", "ko": "철회됨"},
    # regimes: each regime's short names (``notices.regime.<key>``) come from its own module
    **{
        f"notices.regime.{regime.key}": {"en": regime.short_en, "ko": regime.short_ko}
        for regime in REGIMES.values()
    },
    "notices.regime.auto": {
        "en": "Best fit for each platform",
        "ko": "플랫폼별 가장 적합한 근거 자동 선택",
    },
    # categories and languages
    "notices.category.auto": {
        "en": "From the explicitness scores",
        "ko": "선정성 점수로 자동 판단",
    },
    "notices.category.intimate": {"en": "Intimate (sexual)", "ko": "성적 영상물"},
    "notices.category.non_intimate": {"en": "Not intimate", "ko": "성적이지 않은 콘텐츠"},
    "notices.category.impersonation": {"en": "Impersonating account", "ko": "사칭 계정"},
    "notices.language.ko": {"en": "Korean", "ko": "한국어"},
    "notices.language.en": {"en": "English", "ko": "영어"},
    "notices.language.ko+en": {"en": "Korean and English", "ko": "한국어와 영어"},
    # draft form
    "notices.form.case": {"en": "Case", "ko": "사건"},
    "notices.form.choose_case": {
        "en": "Choose the case to draft notices for.",
        "ko": "삭제 요청서를 작성할 사건을 선택하세요.",
    },
    "notices.form.no_cases": {"en": "There are no open cases.", "ko": "열린 사건이 없습니다."},
    "notices.form.continue": {"en": "Continue", "ko": "계속"},
    "notices.form.regime": {"en": "Legal basis", "ko": "법적 근거"},
    "notices.form.platform": {"en": "Platform", "ko": "플랫폼"},
    "notices.form.platform_auto": {
        "en": "Automatic, from the items' addresses (one notice per platform)",
        "ko": "항목 주소로 자동 판단 (플랫폼마다 요청서 1건)",
    },
    "notices.form.items": {"en": "Items to name", "ko": "요청서에 포함할 항목"},
    "notices.form.items_hint": {
        "en": "Only confirmed items can be named. Leave all unticked to name every confirmed item.",
        "ko": "확인된 항목만 포함할 수 있습니다. 모두 선택하지 않으면 확인된 항목 전체가 "
        "포함됩니다.",
    },
    "notices.form.no_items": {
        "en": "This case has no items.",
        "ko": "이 사건에는 항목이 없습니다.",
    },
    "notices.form.category": {"en": "Content category", "ko": "콘텐츠 분류"},
    "notices.form.language": {"en": "Language of the notice", "ko": "요청서 언어"},
    "notices.form.explanation": {
        "en": "Explanation (the reviewer's reasoning, added to the notice)",
        "ko": "설명 (검토자의 판단 근거, 요청서에 추가됩니다)",
    },
    "notices.form.recipient": {
        "en": "Recipient (optional: e-mail or web-form URL instead of the directory's)",
        "ko": "수신처 (선택: 디렉터리 대신 사용할 이메일 또는 웹 양식 URL)",
    },
    "notices.form.owns_copyright": {
        "en": "The agency owns the copyright of the source photo or video (needed for DMCA)",
        "ko": "소속사가 원본 사진·영상의 저작권을 보유함 (DMCA에 필요)",
    },
    "notices.form.copyrighted_work": {
        "en": "Copyrighted work the content copies (DMCA)",
        "ko": "콘텐츠가 복제한 저작물 (DMCA)",
    },
    "notices.form.submit": {"en": "Draft notices", "ko": "요청서 작성"},
    "notices.form.draft_note": {
        "en": "Drafting sends nothing: you review each notice before sending it.",
        "ko": "작성만으로는 아무것도 발송되지 않습니다. 발송 전에 각 요청서를 검토하세요.",
    },
    # detail page
    "notices.detail.recipient": {"en": "Recipient", "ko": "수신처"},
    "notices.detail.channel.email": {"en": "e-mail", "ko": "이메일"},
    "notices.detail.channel.webform": {"en": "web form", "ko": "웹 양식"},
    "notices.detail.channel.none": {"en": "none yet", "ko": "아직 없음"},
    "notices.detail.language": {"en": "Language", "ko": "언어"},
    "notices.detail.category": {"en": "Category", "ko": "분류"},
    "notices.detail.created": {"en": "Drafted", "ko": "작성"},
    "notices.detail.reference": {"en": "Platform reference", "ko": "플랫폼 접수 번호"},
    "notices.detail.follow_up_of": {"en": "Follows", "ko": "이전 요청"},
    "notices.detail.time_left": {"en": "{duration} left", "ko": "{duration} 남음"},
    "notices.detail.overdue_by": {
        "en": "overdue by {duration}",
        "ko": "기한을 {duration} 넘김",
    },
    "notices.detail.last_error": {"en": "Last error", "ko": "마지막 오류"},
    "notices.detail.needs_recipient": {
        "en": "This automatic follow-up has no recipient: the platform directory has none for "
        "this platform. Name one to send it.",
        "ko": "이 자동 후속 요청서에는 수신처가 없습니다(플랫폼 디렉터리에 이 플랫폼의 연락처가 "
        "없음). 발송하려면 수신처를 지정하세요.",
    },
    "notices.detail.recipient_label": {
        "en": "Recipient (e-mail or web-form URL)",
        "ko": "수신처 (이메일 또는 웹 양식 URL)",
    },
    "notices.detail.recipient_save": {"en": "Save recipient", "ko": "수신처 저장"},
    "notices.detail.text": {"en": "Notice text", "ko": "요청서 본문"},
    "notices.detail.subject": {"en": "Subject", "ko": "제목"},
    "notices.detail.fields": {"en": "Required fields", "ko": "필수 항목"},
    "notices.detail.items": {"en": "Items named", "ko": "포함된 항목"},
    "notices.detail.item_removed": {"en": "removed {when}", "ko": "{when} 삭제됨"},
    "notices.detail.events": {"en": "History", "ko": "처리 이력"},
    "notices.detail.escalations": {
        "en": "If the platform does not act",
        "ko": "플랫폼이 조치하지 않는 경우",
    },
    "notices.action.send": {"en": "Send…", "ko": "발송…"},
    "notices.action.send_confirm": {
        "en": "Send this notice by e-mail to {recipient}? The legal deadline starts now, and "
        "the message cannot be recalled.",
        "ko": "이 요청서를 {recipient}(으)로 이메일 발송할까요? 지금부터 법정 처리 기한이 "
        "시작되며 발송 후에는 취소할 수 없습니다.",
    },
    "notices.action.send_now": {"en": "Send now", "ko": "지금 발송"},
    "notices.action.webform": {
        "en": "This platform takes notices through a web form: download the package, submit "
        "it at {recipient}, then record it below as sent with the platform's reference.",
        "ko": "이 플랫폼은 웹 양식으로 접수합니다. 패키지를 내려받아 {recipient}에서 "
        "제출한 뒤, 아래에서 플랫폼 접수 번호와 함께 '발송됨'으로 기록하세요.",
    },
    "notices.action.package": {
        "en": "Download package (PDF, JSON, text)",
        "ko": "패키지 내려받기 (PDF, JSON, 텍스트)",
    },
    "notices.action.mark": {"en": "Record an update", "ko": "처리 상태 기록"},
    "notices.action.mark_status": {"en": "New status", "ko": "새 상태"},
    "notices.action.mark_note": {"en": "Note (what the platform said)", "ko": "메모 (플랫폼 답변)"},
    "notices.action.mark_reference": {
        "en": "Platform reference (ticket number)",
        "ko": "플랫폼 접수 번호",
    },
    "notices.action.mark_submit": {"en": "Record", "ko": "기록"},
    "notices.action.closed": {
        "en": "This notice is closed: no further status can be recorded.",
        "ko": "종료된 요청입니다. 더 이상 상태를 기록할 수 없습니다.",
    },
    # missing fields (draft refused), in the page's language
    "notices.missing.intro": {
        "en": "The {regime} cannot be drafted yet; these required fields are empty:",
        "ko": "{regime}: 아직 작성할 수 없습니다. 다음 필수 항목이 비어 있습니다:",
    },
    "notices.missing.hint.settings": {
        "en": 'fill it in under "Sender for this notice" below, or for every notice in the '
        "sender settings ({page})",
        "ko": "아래 '이 요청서의 발신인'에 입력하거나, 모든 요청서에 쓰이도록 발신인 설정"
        "({page})에서 지정하세요",
    },
    "notices.missing.hint.depicted_person": {
        "en": "link the case to an enrolled artist on the case page",
        "ko": "사건 페이지에서 사건을 등록된 아티스트와 연결하세요",
    },
    "notices.missing.hint.copyrighted_work": {
        "en": "describe the copyrighted work below",
        "ko": "아래에 저작물을 입력하세요",
    },
    "notices.missing.hint.location": {
        "en": "the items need web addresses (http or https)",
        "ko": "항목에 웹 주소(http 또는 https)가 있어야 합니다",
    },
    # sender settings and the draft form's sender fields
    "notices.sender.title": {"en": "Notice sender", "ko": "발신인 설정"},
    "notices.sender.intro": {
        "en": "Who signs this agency's takedown notices. Every regime needs the signer's name, "
        "signature and contact details; a field left empty here uses the installation's "
        "setting.",
        "ko": "이 소속사의 삭제 요청서에 서명하는 사람입니다. 모든 법적 근거가 서명인의 성명, "
        "서명, 연락처를 요구합니다. 여기서 비워 둔 항목은 설치 전체 설정을 따릅니다.",
    },
    "notices.sender.read_only": {
        "en": "Only admins can change these settings.",
        "ko": "관리자만 이 설정을 바꿀 수 있습니다.",
    },
    "notices.sender.saved": {"en": "Saved.", "ko": "저장했습니다."},
    "notices.sender.save": {"en": "Save sender settings", "ko": "발신인 설정 저장"},
    "notices.sender.source.agency": {"en": "set for this agency", "ko": "이 소속사 설정"},
    "notices.sender.source.installation": {
        "en": "from the installation's settings",
        "ko": "설치 전체 설정",
    },
    "notices.sender.source.unset": {"en": "not set", "ko": "미설정"},
    "notices.sender.updated": {"en": "Last changed {when} by {who}", "ko": "{when} {who} 변경"},
    "notices.sender.field.name": {"en": "Name of the signer", "ko": "서명인 성명"},
    "notices.sender.field.title": {"en": "Title", "ko": "직함"},
    "notices.sender.field.organisation": {"en": "Organisation", "ko": "소속 기관"},
    "notices.sender.field.email": {"en": "E-mail", "ko": "이메일"},
    "notices.sender.field.phone": {"en": "Telephone", "ko": "전화번호"},
    "notices.sender.field.address": {"en": "Postal address", "ko": "우편 주소"},
    "notices.sender.field.signature": {
        "en": "Electronic signature (e.g. /s/ Kim Minji)",
        "ko": "전자 서명 (예: /s/ 김민지)",
    },
    "notices.sender.field.requester_type": {"en": "Requester", "ko": "신청인 구분"},
    "notices.sender.field.designation": {
        "en": "Designation (designated organisations only)",
        "ko": "지정기관 명칭 및 지정 근거 (지정기관만)",
    },
    "notices.sender.requester.victim": {"en": "The person depicted", "ko": "피해자 본인"},
    "notices.sender.requester.representative": {
        "en": "Authorised representative",
        "ko": "피해자의 대리인",
    },
    "notices.sender.requester.designated_org": {
        "en": "Designated organisation",
        "ko": "지정기관",
    },
    "notices.form.sender": {"en": "Sender for this notice", "ko": "이 요청서의 발신인"},
    "notices.form.sender_hint": {
        "en": "Filled in from the sender settings; changes here apply to this notice only.",
        "ko": "발신인 설정에서 채워졌습니다. 여기서 바꾼 내용은 이 요청서에만 적용됩니다.",
    },
    "notices.form.sender_settings": {
        "en": "Sender settings",
        "ko": "발신인 설정",
    },
}
