"""The fan guide: recognise, don't spread, report, what happens next, where to get help.

Written for fans who may be young and upset: short sentences, no jargon, no
blame. Nothing here describes or links to the content itself.
"""

MESSAGES = {
    "nav.guide": {"en": "Fan guide", "ko": "팬 가이드"},
    "nav.skip": {"en": "Skip to main content", "ko": "본문으로 건너뛰기"},
    "guide.title": {"en": "Fan guide", "ko": "팬 가이드"},
    "guide.title_agency": {"en": "Fan guide · {agency}", "ko": "팬 가이드 · {agency}"},
    "guide.intro": {
        "en": (
            "Fans are often the first to see a deepfake, and the easiest way to stop one is "
            "not to share it. This guide explains how to recognise manipulated content, why "
            "not to spread it, and how to get it taken down."
        ),
        "ko": (
            "딥페이크를 가장 먼저 발견하는 사람은 팬인 경우가 많고, 딥페이크를 막는 가장 쉬운 "
            "방법은 공유하지 않는 것입니다. 이 안내에서는 조작된 콘텐츠를 알아보는 방법, "
            "퍼뜨리면 안 되는 이유, 삭제되도록 신고하는 방법을 설명합니다."
        ),
    },
    "guide.contents": {"en": "Fan guide: contents", "ko": "팬 가이드 목차"},
    "guide.all_topics": {"en": "All topics", "ko": "전체 목차"},
    "guide.read": {"en": "Read the fan guide", "ko": "팬 가이드 읽기"},
    # -- topics: title and one-line summary ------------------------------------
    "guide.topic.spot": {
        "en": "Spotting a manipulated image or video",
        "ko": "조작된 사진·영상 알아보기",
    },
    "guide.summary.spot": {
        "en": "Signs that can give a deepfake away, and why your eyes are not enough.",
        "ko": "딥페이크를 알아볼 수 있는 흔적과, 눈으로만 판단할 수 없는 이유.",
    },
    "guide.topic.dont-share": {
        "en": "Don't share it, even to condemn it",
        "ko": "비판하려는 목적이라도 공유하지 마세요",
    },
    "guide.summary.dont-share": {
        "en": "Every repost, screenshot or call-out shows it to more people.",
        "ko": "다시 올리기, 캡처, 고발 글 모두 더 많은 사람에게 콘텐츠를 보여 줍니다.",
    },
    "guide.topic.platforms": {
        "en": "Reporting it on the platform",
        "ko": "플랫폼에 신고하기",
    },
    "guide.summary.platforms": {
        "en": "Where each major platform explains how to report a post.",
        "ko": "주요 플랫폼별 게시물 신고 방법 안내.",
    },
    "guide.topic.report-here": {"en": "Reporting it here", "ko": "여기에 신고하기"},
    "guide.summary.report-here": {
        "en": "Send the link to the agency: anonymous, no account needed.",
        "ko": "소속사에 링크를 보내 주세요. 익명이며 계정이 필요 없습니다.",
    },
    "guide.topic.next-steps": {"en": "What happens next", "ko": "신고 후 진행 과정"},
    "guide.summary.next-steps": {
        "en": "Your report number and PIN, what the agency does, and how long removal takes.",
        "ko": "신고 번호와 PIN, 소속사가 하는 일, 삭제까지 걸리는 시간.",
    },
    "guide.topic.help": {"en": "Where to get help", "ko": "도움받을 수 있는 곳"},
    "guide.summary.help": {
        "en": "Support for people who are shown in such content, and for upset fans.",
        "ko": "피해 당사자와 마음이 힘든 팬을 위한 도움.",
    },
    # -- spotting ---------------------------------------------------------------
    "guide.spot.intro": {
        "en": (
            "A deepfake puts a real person's face on someone else's body, or makes them seem "
            "to say or do things they never did. These signs can give one away:"
        ),
        "ko": (
            "딥페이크는 실제 사람의 얼굴을 다른 사람의 몸에 합성하거나, 하지 않은 말과 행동을 "
            "한 것처럼 꾸며 냅니다. 다음과 같은 흔적으로 알아볼 수 있습니다."
        ),
    },
    "guide.spot.edges": {
        "en": "Face edges: blur, flicker or a seam where the face meets the hair, neck or ears.",
        "ko": (
            "얼굴 경계: 얼굴이 머리카락·목·귀와 만나는 부분이 흐릿하거나 깜빡이거나 "
            "경계선이 보입니다."
        ),
    },
    "guide.spot.light": {
        "en": (
            "Skin and light: skin that is too smooth, or light and shadows on the face that do "
            "not match the rest of the scene."
        ),
        "ko": (
            "피부와 조명: 피부가 지나치게 매끈하거나, 얼굴의 빛과 그림자가 주변 장면과 맞지 "
            "않습니다."
        ),
    },
    "guide.spot.details": {
        "en": (
            "Eyes, teeth and accessories: odd reflections in the eyes, smudged teeth, earrings "
            "or glasses that change from one moment to the next."
        ),
        "ko": (
            "눈·치아·액세서리: 눈에 비친 빛이 어색하거나, 치아가 뭉개져 있거나, 귀걸이나 "
            "안경이 장면마다 달라집니다."
        ),
    },
    "guide.spot.motion": {
        "en": (
            "Movement in video: a face that lags when the head turns, lips out of step with "
            "the voice, unnatural blinking."
        ),
        "ko": (
            "영상 속 움직임: 고개를 돌릴 때 얼굴이 늦게 따라오거나, 입 모양이 목소리와 맞지 "
            "않거나, 눈 깜빡임이 부자연스럽습니다."
        ),
    },
    "guide.spot.warp": {
        "en": "Hands, hair, writing and backgrounds that bend, blur or melt.",
        "ko": "손·머리카락·글자·배경이 휘어지거나 번지거나 녹아내린 듯 보입니다.",
    },
    "guide.spot.context": {
        "en": (
            "Context: a new or anonymous account, no original source, a 'leak' that no reliable "
            "outlet reports, captions urging you to share."
        ),
        "ko": (
            "맥락: 새로 만들었거나 익명인 계정, 출처가 없는 게시물, 믿을 만한 매체는 다루지 "
            "않는 '유출', 공유를 부추기는 문구."
        ),
    },
    "guide.spot.limits_title": {
        "en": "The limits of spotting by eye",
        "ko": "눈으로 구별하는 데에는 한계가 있습니다",
    },
    "guide.spot.limits": {
        "en": (
            "A good deepfake shows none of these signs, and a real photo can show some of them "
            "after compression or filters. Looking cannot prove that a picture is real or fake, "
            "and you do not need to prove it: if it is sexual or humiliating and shows an "
            "artist, report it either way. The agency's team checks it with other tools."
        ),
        "ko": (
            "정교한 딥페이크에는 이런 흔적이 전혀 없을 수 있고, 진짜 사진도 압축이나 필터 "
            "때문에 비슷한 흔적을 보일 수 있습니다. 눈으로 보는 것만으로는 진짜인지 가짜인지 "
            "증명할 수 없고, 증명할 필요도 없습니다. 아티스트가 나오는 성적이거나 모욕적인 "
            "콘텐츠라면 진위와 상관없이 신고해 주세요. 소속사 담당자가 다른 도구로 확인합니다."
        ),
    },
    "guide.spot.no_investigating": {
        "en": (
            "Please don't investigate it yourself: don't search for more copies, don't download "
            "it, and don't upload it to online 'deepfake detectors', which may keep what you "
            "send them."
        ),
        "ko": (
            "직접 조사하지 말아 주세요. 더 많은 사본을 찾아보거나 내려받지 말고, 올린 파일을 "
            "보관할 수 있는 온라인 '딥페이크 판별' 사이트에도 올리지 마세요."
        ),
    },
    # -- not sharing ---------------------------------------------------------------
    "guide.share.intro": {
        "en": (
            "It is natural to want to warn other fans or call out whoever posted it. But every "
            "share, quote, screenshot or 'exposé' shows the content to more people and tells "
            "the platform's algorithms that it is popular."
        ),
        "ko": (
            "다른 팬에게 알리거나 올린 사람을 고발하고 싶은 마음은 자연스럽습니다. 하지만 "
            "공유, 인용, 캡처, '박제' 글은 모두 더 많은 사람에게 콘텐츠를 보여 주고, 플랫폼의 "
            "알고리즘에 인기 있는 게시물이라는 신호를 줍니다."
        ),
    },
    "guide.share.no_repost": {
        "en": "Don't repost, quote or reply to it, even to condemn it.",
        "ko": "비판하려는 목적이라도 다시 올리거나 인용하거나 답글을 달지 마세요.",
    },
    "guide.share.no_screenshots": {
        "en": "Don't share screenshots of it (blurred or not) or its link.",
        "ko": "모자이크 여부와 관계없이 캡처 화면이나 링크를 공유하지 마세요.",
    },
    "guide.share.no_mass_report": {
        "en": (
            "Don't post the link to ask others to mass-report it: that leads more people to "
            "it. One report with the link is enough."
        ),
        "ko": (
            "링크를 올려 집단 신고('총공')를 요청하지 마세요. 더 많은 사람이 콘텐츠를 보게 "
            "됩니다. 링크와 함께 한 번 신고하는 것으로 충분합니다."
        ),
    },
    "guide.share.no_keeping": {
        "en": (
            "Don't download or keep copies. In Korea, possessing, buying, storing or watching "
            "sexual deepfakes is itself a crime."
        ),
        "ko": (
            "파일을 내려받거나 보관하지 마세요. 한국에서는 성적 허위영상물을 소지·구입·저장·"
            "시청하는 것만으로도 처벌받을 수 있습니다."
        ),
    },
    "guide.share.no_contact": {
        "en": "Don't contact or argue with the person who posted it.",
        "ko": "올린 사람에게 연락하거나 말다툼하지 마세요.",
    },
    "guide.share.instead_title": {"en": "What to do instead", "ko": "대신 이렇게 해 주세요"},
    "guide.share.instead": {
        "en": (
            "Copy the link, report it on the platform and here, then close it and step away. "
            "If you want to warn others, say that fake content is going around and that you "
            "reported it, without saying where to find it."
        ),
        "ko": (
            "링크를 복사해 플랫폼과 이곳에 신고한 뒤 창을 닫고 잠시 쉬세요. 다른 사람에게 "
            "알리고 싶다면 어디에서 볼 수 있는지는 밝히지 말고, 허위 콘텐츠가 퍼지고 있으며 "
            "신고했다는 사실만 알려 주세요."
        ),
    },
    # -- platforms -------------------------------------------------------------
    "guide.platforms.intro": {
        "en": (
            "Reporting the post to the platform is quick and often the fastest way to get it "
            "removed. Use the report option on the post itself (usually under ⋯ or a flag) and "
            "choose the closest reason: non-consensual intimate or sexual content, synthetic "
            "or manipulated media, or impersonation."
        ),
        "ko": (
            "플랫폼에 게시물을 신고하면 빠르게 삭제되는 경우가 많습니다. 게시물의 신고 "
            "메뉴(보통 ⋯ 또는 깃발 모양)에서 '동의 없는 성적 콘텐츠', '합성·조작된 미디어', "
            "'사칭' 등 가장 가까운 사유를 고르세요."
        ),
    },
    "guide.platforms.platform": {"en": "Platform", "ko": "플랫폼"},
    "guide.platforms.how": {"en": "How to report", "ko": "신고 방법"},
    "guide.platforms.time": {
        "en": "Typical time to removal",
        "ko": "보통 삭제까지 걸린 시간",
    },
    "guide.platforms.help_link": {
        "en": "{platform}: how to report",
        "ko": "{platform} 신고 방법",
    },
    "guide.platforms.use_menu": {
        "en": "Use the report option on the post.",
        "ko": "게시물의 신고 메뉴를 이용하세요.",
    },
    "guide.platforms.links_note": {
        "en": (
            "These links come from the platform directory this site keeps. Platforms move "
            "their help pages; if a link no longer works, use the report option on the post."
        ),
        "ko": (
            "이 링크는 이 사이트가 관리하는 플랫폼 목록에서 가져왔습니다. 플랫폼이 도움말 "
            "페이지를 옮기기도 하니, 링크가 작동하지 않으면 게시물의 신고 메뉴를 이용하세요."
        ),
    },
    "guide.platforms.also_here": {
        "en": (
            "Please report it here as well, so the agency can keep evidence and follow up even "
            "if the platform does not act."
        ),
        "ko": (
            "플랫폼이 조치하지 않더라도 소속사가 증거를 보존하고 대응할 수 있도록 이곳에도 "
            "신고해 주세요."
        ),
    },
    # -- reporting here ------------------------------------------------------------
    "guide.here.step_link": {
        "en": "Copy the address (link) of the post or page. You don't need to download anything.",
        "ko": "게시물이나 페이지의 주소(링크)를 복사하세요. 아무것도 내려받을 필요가 없습니다.",
    },
    "guide.here.step_form": {
        "en": (
            "Open the report form, choose the artist if you know who it is, and paste the "
            "address. Upload a file only if you already have it."
        ),
        "ko": (
            "신고 양식을 열고, 아는 경우 아티스트를 고른 뒤 주소를 붙여 넣으세요. 파일은 이미 "
            "가지고 있는 경우에만 올리세요."
        ),
    },
    "guide.here.step_contact": {
        "en": (
            "Leave a contact only if you want the agency to be able to reach you; otherwise "
            "your report is anonymous."
        ),
        "ko": (
            "소속사의 연락을 받고 싶을 때만 연락처를 남기세요. 남기지 않으면 익명으로 처리됩니다."
        ),
    },
    "guide.here.step_send": {
        "en": "Send it, and write down the report number and PIN you get.",
        "ko": "신고를 보낸 뒤 받은 신고 번호와 PIN을 적어 두세요.",
    },
    "guide.here.go": {"en": "Report to {agency}", "ko": "{agency}에 신고하기"},
    "guide.here.choose": {
        "en": "Choose the agency and report",
        "ko": "소속사를 골라 신고하기",
    },
    "guide.here.minor": {
        "en": ("If anyone shown may be under 18, please also tell the police (112 in Korea)."),
        "ko": "등장하는 사람이 미성년자로 보이면 경찰(112)에도 꼭 알려 주세요.",
    },
    # -- what happens next -----------------------------------------------------
    "guide.next.number": {
        "en": (
            "You get a report number and a PIN. Write them down: the PIN is shown only once "
            "and cannot be shown again."
        ),
        "ko": (
            "신고 번호와 PIN을 받습니다. PIN은 한 번만 보여 드리며 다시 알려 드릴 수 없으니 "
            "꼭 적어 두세요."
        ),
    },
    "guide.next.review": {
        "en": (
            "The agency's team reviews your report: they check whether it shows their artist "
            "and whether it is manipulated or shared without consent, and they keep evidence."
        ),
        "ko": (
            "소속사 담당자가 신고를 검토합니다. 소속 아티스트가 맞는지, 조작되었거나 동의 없이 "
            "퍼진 콘텐츠인지 확인하고 증거를 보존합니다."
        ),
    },
    "guide.next.takedown": {
        "en": (
            "If it is confirmed, the agency asks the platform to remove it, and turns to "
            "authorities such as the Korea Communications Standards Commission when a platform "
            "does not act."
        ),
        "ko": (
            "확인되면 소속사가 플랫폼에 삭제를 요청하고, 플랫폼이 조치하지 않으면 "
            "방송통신심의위원회 등 관계 기관에 요청합니다."
        ),
    },
    "guide.next.watch": {
        "en": "The agency keeps checking that it stays down, and acts again if it comes back.",
        "ko": "삭제된 뒤에도 다시 올라오는지 계속 확인하고, 다시 올라오면 또 조치합니다.",
    },
    "guide.next.status": {
        "en": (
            "You can check the status at any time with your number and PIN. To protect "
            "everyone involved, it does not say who reviewed it or why."
        ),
        "ko": (
            "신고 번호와 PIN으로 언제든지 처리 상황을 확인할 수 있습니다. 관련된 모든 사람을 "
            "보호하기 위해 누가 검토했는지나 자세한 사유는 알려 드리지 않습니다."
        ),
    },
    "guide.next.time_title": {"en": "How long removal takes", "ko": "삭제까지 걸리는 시간"},
    "guide.next.time_measured": {
        "en": (
            "Measured from {agency}'s own removal requests: the time from sending a request to "
            "the content being gone (the median, so half were faster)."
        ),
        "ko": (
            "{agency}가 보낸 삭제 요청을 기준으로, 요청부터 삭제 확인까지 걸린 시간입니다"
            "(중앙값: 절반은 이보다 빨랐습니다)."
        ),
    },
    "guide.next.time_none": {
        "en": (
            "{agency} has no measured removal times yet, so we cannot honestly say how long it "
            "usually takes. It depends on the platform: some act within hours, others take "
            "days or weeks."
        ),
        "ko": (
            "{agency}는 아직 측정된 삭제 소요 시간이 없어 보통 얼마나 걸리는지 정확히 말씀드릴 "
            "수 없습니다. 플랫폼에 따라 몇 시간 만에 조치하기도 하고, 며칠이나 몇 주가 걸리기도 "
            "합니다."
        ),
    },
    "guide.next.time_no_agency": {
        "en": (
            "Removal times are measured by each agency. Open this guide from an agency's "
            "report page to see its figures."
        ),
        "ko": (
            "삭제 소요 시간은 소속사별로 측정됩니다. 소속사의 신고 페이지에서 이 안내를 열면 "
            "해당 소속사의 수치를 볼 수 있습니다."
        ),
    },
    "guide.next.removals": {"en": "Removals measured", "ko": "측정된 삭제 건수"},
    "guide.next.too_few": {
        "en": "Too few removals measured yet to say",
        "ko": "측정된 건수가 적어 아직 말하기 어렵습니다",
    },
    "guide.next.not_measured": {"en": "Not measured yet", "ko": "아직 측정되지 않음"},
    "guide.hours": {"en": "about {hours} hours", "ko": "약 {hours}시간"},
    "guide.under_hour": {"en": "under an hour", "ko": "1시간 이내"},
    "guide.days": {"en": "about {days} days", "ko": "약 {days}일"},
    "guide.next.states_title": {
        "en": "What each status means",
        "ko": "처리 상황별 의미",
    },
    # -- report states, named and explained -----------------------------------------
    "report.state.received": {"en": "Received", "ko": "접수됨"},
    "report.state.in_review": {"en": "In review", "ko": "검토 중"},
    "report.state.action_taken": {"en": "Action taken", "ko": "조치 중"},
    "report.state.removed": {"en": "Removed", "ko": "삭제됨"},
    "report.state.dismissed": {"en": "Not actioned", "ko": "조치하지 않음"},
    "report.state.withdrawn": {"en": "Withdrawn", "ko": "철회됨"},
    "report.explain.received": {
        "en": (
            "Nobody has looked at it yet. The most harmful reports are checked first, so this "
            "can take a little while."
        ),
        "ko": (
            "아직 담당자가 확인하지 않았습니다. 피해가 큰 신고부터 확인하므로 시간이 조금 걸릴 "
            "수 있습니다."
        ),
    },
    "report.explain.in_review": {
        "en": "A person on the agency's team is checking it and saving evidence.",
        "ko": "소속사 담당자가 내용을 확인하면서 증거를 보존하고 있습니다.",
    },
    "report.explain.action_taken": {
        "en": (
            "It was confirmed as harmful. The agency has asked, or is asking, the platform to "
            "remove it."
        ),
        "ko": "유해한 콘텐츠로 확인되어 소속사가 플랫폼에 삭제를 요청했거나 요청하고 있습니다.",
    },
    "report.explain.removed": {
        "en": (
            "It is gone from where you reported it. If you see it again somewhere else, "
            "report the new address."
        ),
        "ko": "신고한 곳에서 삭제되었습니다. 다른 곳에서 다시 보이면 새 주소로 신고해 주세요.",
    },
    "report.explain.dismissed": {
        "en": (
            "The team looked and decided not to act, for example because it was an official "
            "photo or did not show the artist."
        ),
        "ko": (
            "담당자가 확인한 결과 조치하지 않기로 했습니다. 예를 들어 공식 사진이었거나 해당 "
            "아티스트가 아니었던 경우입니다."
        ),
    },
    "report.explain.withdrawn": {
        "en": (
            "You withdrew the report. If the agency had already confirmed the content, it may "
            "still ask for its removal."
        ),
        "ko": (
            "신고를 철회했습니다. 소속사가 이미 확인한 내용이라면 삭제 요청은 계속될 수 있습니다."
        ),
    },
    # -- help -----------------------------------------------------------------------
    "guide.help.intro": {
        "en": (
            "If you are the person shown, or someone close to you is: it is not your fault, "
            "and you do not have to deal with it alone."
        ),
        "ko": (
            "사진이나 영상 속 당사자이거나 가까운 사람이 피해를 입었다면, 당신의 잘못이 아니며 "
            "혼자 감당하지 않아도 됩니다."
        ),
    },
    "guide.help.d4u_name": {
        "en": "Digital Sex Crime Victim Support Center (Korea)",
        "ko": "디지털성범죄피해자지원센터",
    },
    "guide.help.d4u": {
        "en": (
            "Free counselling, help getting content deleted, and support with police and "
            "court processes, in Korean."
        ),
        "ko": ("무료 상담, 촬영물 삭제 지원, 수사·법률 절차 지원을 받을 수 있습니다."),
    },
    "guide.help.stopncii_name": {
        "en": "StopNCII.org (adults, your own images)",
        "ko": "StopNCII.org (성인 본인의 사진)",
    },
    "guide.help.stopncii": {
        "en": (
            "If intimate images of you as an adult are shared or threatened to be shared: a "
            "digital fingerprint (hash) is made on your own device, and partner platforms "
            "block matching uploads. The images never leave your device."
        ),
        "ko": (
            "성인인 본인의 사적인 사진이 유포되었거나 유포 협박을 받는 경우: 본인 기기에서 "
            "디지털 지문(해시)을 만들면 제휴 플랫폼이 같은 사진의 업로드를 막습니다. 사진은 "
            "기기 밖으로 나가지 않습니다."
        ),
    },
    "guide.help.takeitdown_name": {
        "en": "Take It Down by NCMEC (images from under 18)",
        "ko": "NCMEC Take It Down (18세 미만 때의 사진)",
    },
    "guide.help.takeitdown": {
        "en": (
            "If the images were taken when the person was under 18: it works the same way, "
            "without anyone seeing or receiving the images."
        ),
        "ko": (
            "18세 미만일 때 찍힌 사진인 경우: 같은 방식으로, 누구도 사진을 보거나 받지 않고 "
            "도와줍니다."
        ),
    },
    "guide.help.police_name": {"en": "Police (Korea)", "ko": "경찰"},
    "guide.help.police": {
        "en": "Call 112, or report online through the police cyber crime reporting system.",
        "ko": "112에 신고하거나 경찰청 사이버범죄 신고시스템에서 온라인으로 신고할 수 있습니다.",
    },
    "guide.help.crisis": {
        "en": (
            "If you feel unsafe or are thinking about hurting yourself, call 109 (suicide "
            "prevention, Korea, day and night) or 112 in an emergency."
        ),
        "ko": (
            "안전하지 않다고 느끼거나 스스로를 해치고 싶은 생각이 든다면 자살예방상담전화 "
            "109(24시간)나, 긴급한 경우 112에 전화하세요."
        ),
    },
    "guide.help.fans": {
        "en": (
            "For fans: these services are for the person shown. Reporting here and on the "
            "platform is enough; you don't need to contact them on the artist's behalf."
        ),
        "ko": (
            "팬 여러분께: 이 기관들은 피해 당사자를 위한 곳입니다. 이곳과 플랫폼에 신고하는 "
            "것으로 충분하며, 아티스트를 대신해 연락하지 않으셔도 됩니다."
        ),
    },
    "guide.help.visit": {"en": "Website", "ko": "웹사이트"},
    "guide.help.phone": {"en": "Phone", "ko": "전화"},
    # -- the agency's own blocks -----------------------------------------------------
    "portal.from_agency": {"en": "From {agency}", "ko": "{agency} 안내"},
    "portal.block.statement": {"en": "Statement", "ko": "입장"},
    "portal.block.contact": {"en": "Contact", "ko": "연락처"},
    "portal.block.artists": {"en": "Artists we look after", "ko": "보호 중인 아티스트"},
    # -- the confirmation after a report -------------------------------------------
    "report.next_title": {"en": "What happens next", "ko": "앞으로의 진행 과정"},
    # -- the admin page ----------------------------------------------------------------
    "nav.portal": {"en": "Portal", "ko": "포털 안내"},
    "portal.admin_title": {"en": "Portal pages", "ko": "포털 안내 문구"},
    "portal.admin_intro": {
        "en": (
            "Add your agency's own statement, contact and artist list to its public report "
            "and guide pages, in Korean and English. A block written in one language only is "
            "shown to readers of both."
        ),
        "ko": (
            "소속사의 입장, 연락처, 아티스트 목록을 공개 신고 페이지와 팬 가이드에 한국어와 "
            "영어로 추가할 수 있습니다. 한 언어로만 쓴 내용은 두 언어 독자 모두에게 보입니다."
        ),
    },
    "portal.allowed": {
        "en": (
            "Simple HTML only: paragraphs, line breaks, bold and italic, lists, h3/h4 headings, "
            "quotes and links (https, mailto, tel). Anything else, such as scripts, styles, "
            "images or event handlers, is removed when you save."
        ),
        "ko": (
            "간단한 HTML만 쓸 수 있습니다: 문단, 줄바꿈, 굵게·기울임, 목록, h3/h4 제목, 인용, "
            "링크(https, mailto, tel). 스크립트, 스타일, 이미지, 이벤트 핸들러 등 그 밖의 "
            "내용은 저장할 때 제거됩니다."
        ),
    },
    "portal.language.ko": {"en": "Korean", "ko": "한국어"},
    "portal.language.en": {"en": "English", "ko": "영어"},
    "portal.clear": {"en": "Clear", "ko": "지우기"},
    "portal.updated": {"en": "Last changed {when} by {who}", "ko": "{when}, {who} 수정"},
    "portal.preview": {"en": "See the public pages", "ko": "공개 페이지 보기"},
}
