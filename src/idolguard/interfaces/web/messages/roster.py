"""Messages of the roster pages (``roster.*``)."""

MESSAGES = {
    "roster.title": {"en": "Roster", "ko": "아티스트 명단"},
    "roster.intro": {
        "en": "Artists IdolGuard protects. Their names in every script and their reference "
        "photos are used to recognise them in found content.",
        "ko": "IdolGuard가 보호하는 아티스트입니다. 모든 표기의 이름과 기준 사진으로 "
        "발견된 콘텐츠 속 아티스트를 알아봅니다.",
    },
    "roster.search.label": {"en": "Search names, aliases or groups", "ko": "이름, 별칭, 그룹 검색"},
    "roster.search.placeholder": {
        "en": "e.g. 제니, Jennie, BLACKPINK",
        "ko": "예: 제니, Jennie, BLACKPINK",
    },
    "roster.search.submit": {"en": "Search", "ko": "검색"},
    "roster.search.clear": {"en": "Show all", "ko": "전체 보기"},
    "roster.search.results": {
        "en": "{count} artist(s) match “{query}”.",
        "ko": "“{query}”와(과) 일치하는 아티스트 {count}명",
    },
    "roster.empty": {
        "en": "No artists on the roster yet.",
        "ko": "아직 등록된 아티스트가 없습니다.",
    },
    "roster.no_match": {"en": "No artist matches this search.", "ko": "검색 결과가 없습니다."},
    "roster.col.name": {"en": "Name", "ko": "이름"},
    "roster.col.group": {"en": "Group", "ko": "그룹"},
    "roster.col.aliases": {"en": "Aliases", "ko": "별칭"},
    "roster.col.photos": {"en": "Reference photos", "ko": "기준 사진"},
    "roster.col.templates": {"en": "Face templates", "ko": "얼굴 템플릿"},
    "roster.no_group": {"en": "solo", "ko": "솔로"},
    "roster.no_aliases": {"en": "none", "ko": "없음"},
    "roster.officials": {"en": "Official accounts", "ko": "공식 계정"},
    "roster.no_officials": {"en": "none listed", "ko": "등록된 계정 없음"},
    "roster.officials.add": {"en": "Add an official account", "ko": "공식 계정 추가"},
    "roster.officials.hint": {
        "en": "The artist's own accounts are never flagged as impersonators, and their handles "
        "are names impersonators copy.",
        "ko": "아티스트 본인의 계정은 사칭으로 표시되지 않으며, 그 핸들은 사칭 계정이 흉내 내는 "
        "이름으로 쓰입니다.",
    },
    "roster.officials.platform": {"en": "Platform", "ko": "플랫폼"},
    "roster.officials.handle": {"en": "Handle", "ko": "핸들"},
    "roster.officials.submit": {"en": "Add account", "ko": "계정 추가"},
    "roster.enrol.title": {"en": "Enrol an artist", "ko": "아티스트 등록"},
    "roster.enrol.name": {"en": "Name", "ko": "이름"},
    "roster.enrol.group": {"en": "Group (optional)", "ko": "그룹 (선택)"},
    "roster.enrol.aliases": {"en": "Aliases (optional)", "ko": "별칭 (선택)"},
    "roster.enrol.aliases_hint": {
        "en": "One per line or separated by commas: Hangul, romanisations, nicknames.",
        "ko": "한 줄에 하나씩 또는 쉼표로 구분하세요. 한글, 로마자 표기, 애칭 등.",
    },
    "roster.enrol.photos": {"en": "Reference photos", "ko": "기준 사진"},
    "roster.enrol.photos_hint": {
        "en": "Up to {count} photos, at most {mb} MB each. Each must show the artist's face "
        "clearly, looking roughly at the camera.",
        "ko": "최대 {count}장, 장당 {mb}MB 이하. 각 사진에 아티스트의 얼굴이 정면에 가깝게 "
        "선명히 나와야 합니다.",
    },
    "roster.enrol.submit": {"en": "Enrol", "ko": "등록"},
    "roster.enrol.note": {
        "en": "If any photo cannot be used, nothing is enrolled and each problem is listed.",
        "ko": "사용할 수 없는 사진이 하나라도 있으면 아무것도 등록되지 않으며, 문제를 사진별로 "
        "알려드립니다.",
    },
    "roster.back": {"en": "Back to the roster", "ko": "명단으로 돌아가기"},
    "roster.detail.photos": {
        "en": "{photos} reference photo(s), {templates} face template(s)",
        "ko": "기준 사진 {photos}장, 얼굴 템플릿 {templates}개",
    },
    "roster.detail.add_photos": {"en": "Add reference photos", "ko": "기준 사진 추가"},
    "roster.detail.add_photos_submit": {"en": "Add photos", "ko": "사진 추가"},
    "roster.detail.add_aliases": {"en": "Add aliases", "ko": "별칭 추가"},
    "roster.detail.add_aliases_submit": {"en": "Add aliases", "ko": "별칭 추가"},
    "roster.detail.remove": {"en": "Remove from the roster", "ko": "명단에서 삭제"},
    "roster.detail.remove_warning": {
        "en": "Removing an artist deletes their face templates: new content will no longer be "
        "matched to them. Existing cases and stored photo originals are kept.",
        "ko": "아티스트를 삭제하면 얼굴 템플릿이 지워져 새 콘텐츠와 더 이상 대조되지 않습니다. "
        "기존 사건과 저장된 사진 원본은 유지됩니다.",
    },
    "roster.detail.remove_confirm": {
        "en": "I understand; remove this artist",
        "ko": "이해했습니다. 이 아티스트를 삭제합니다",
    },
    "roster.detail.remove_submit": {"en": "Remove", "ko": "삭제"},
    "roster.detail.cases": {"en": "Cases about this artist", "ko": "이 아티스트 관련 사건"},
    "roster.detail.no_cases": {
        "en": "No cases about this artist.",
        "ko": "이 아티스트와 관련된 사건이 없습니다.",
    },
    "roster.detail.items_hint": {
        "en": "Each case lists its items with blurred previews.",
        "ko": "각 사건 페이지에서 흐림 처리된 미리보기와 함께 항목을 볼 수 있습니다.",
    },
}
