"""Every fixed word of the case report, Korean first, then English: one place to review it.

A reader in court sees this wording next to the values, so it is kept apart from the
layout code where reviewers can read it as text. The report's font subset is built from
these characters plus those of the case.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from idolguard.signals.presentation import ScoreExplanation

# Reviewed wording: keep it in step with the signals in idolguard.signals. A reader in court
# sees the limits column next to every value, so a limit left out here is a limit hidden.
SCORE_EXPLANATIONS: Final = MappingProxyType(
    {
        "risk": ScoreExplanation(
            label_ko="위험도",
            label_en="Risk",
            meaning_ko="검토 순서를 정하는 0~1 점수. 신원 신뢰도와 피해 신호(노출도, AI 생성 "
            "표시, 확인된 콘텐츠와의 해시 일치)를 결합한다.",
            meaning_en="Triage priority in [0, 1] that orders the review queue; combines "
            "identity confidence with harm signals (explicitness, declared AI generation, "
            "hash match to confirmed content).",
            limits_ko="확률이 아니다. 가중치는 운영 정책이다. 판단은 사유에 적힌 원래 값으로 "
            "해야 한다.",
            limits_en="Not a probability: the weights are triage policy. Judge the item by the "
            "raw values listed under Reasons.",
        ),
        "identity": ScoreExplanation(
            label_ko="신원 일치",
            label_en="Identity",
            meaning_ko="검출된 얼굴이 등록된 아티스트와 같은 사람이라는 보정된 신뢰도(0~1). "
            "0.5가 이름을 붙이는 기준값이다.",
            meaning_en="Calibrated face-match confidence in [0, 1] that a detected face is the "
            "enrolled artist; 0.5 is the naming threshold.",
            limits_ko="작거나 가려진 얼굴, 저화질, 옆모습, 닮은 사람에서는 정확도가 낮다. "
            "이것만으로 신원을 증명하지 않으며 사람이 확인해야 한다.",
            limits_en="Lower accuracy on small, occluded, low-quality or profile faces and on "
            "look-alikes. Not proof of identity on its own; a person must confirm it.",
        ),
        "explicit": ScoreExplanation(
            label_ko="노출도",
            label_en="Explicit",
            meaning_ko="open_nsfw 분류기가 이미지를 성적으로 노골적이라고 본 점수(0~1)를 "
            "일반 인물 사진으로 보정한 값(순위는 바뀌지 않음). 동영상은 추출한 프레임 중 "
            "최댓값이다.",
            meaning_en="The open_nsfw classifier's score in [0, 1] that the image is sexually "
            "explicit, recalibrated on neutral photos of people (the order of files is "
            "unchanged); for videos, the highest value over sampled frames.",
            limits_ko="법적 판단이 아니다. 수영복이나 피부색 클로즈업에 과잉 반응할 수 있고, "
            "누가 나오는지는 알려주지 않는다.",
            limits_en="Not a legal determination. Can over-fire on swimwear and skin-toned "
            "close-ups, and says nothing about who is shown.",
        ),
        "bank_match": ScoreExplanation(
            label_ko="해시 뱅크 일치",
            label_en="Bank match",
            meaning_ko="팀이 확인한 콘텐츠의 해시와 비교한 결과. PDQ 지각 해시 256비트 중 "
            "31비트 이하 차이(기본값)면 일치다. MD5/SHA-256 일치는 같은 파일이다.",
            meaning_en="Comparison with hashes of content the team has confirmed. A PDQ "
            "perceptual-hash distance of ≤ 31 of 256 bits (default) is a match; an MD5 or "
            "SHA-256 hit is the identical file.",
            limits_ko="겉보기가 거의 같다는 뜻일 뿐 같은 출처라는 증명은 아니다. 딥페이크는 "
            "원본 사진과 가까울 수 있고, 크게 자르거나 편집하면 놓칠 수 있다.",
            limits_en="Means visually near-identical, not same origin: a deepfake can sit "
            "close to its benign source photo. Heavy crops or edits can evade it.",
        ),
        "provenance": ScoreExplanation(
            label_ko="출처 정보",
            label_en="Provenance",
            meaning_ko="파일 자체의 메타데이터가 주장하는 내용(C2PA 콘텐츠 자격 증명, "
            "IPTC/XMP 소스 유형, 생성기 정보, Stable Diffusion 워터마크).",
            meaning_en="What the file's own metadata claims (C2PA Content Credentials, "
            "IPTC/XMP digital source type, generator metadata, Stable Diffusion watermark).",
            limits_ko="메타데이터는 지우거나 위조할 수 있다. 표시가 없다고 진본은 아니다 "
            "(스크린샷, 재인코딩, 업로드로 흔히 사라진다).",
            limits_en="Metadata can be stripped or forged. Its absence proves nothing: "
            "screenshots, re-encoding and uploads usually remove it.",
        ),
        "manipulation": ScoreExplanation(
            label_ko="조작 탐지",
            label_en="Manipulation",
            meaning_ko="얼굴 교체·편집 탐지 모델의 점수(0~1). 높을수록 조작 가능성이 크다.",
            meaning_en="Manipulation-detector model score in [0, 1]; higher means a face swap "
            "or edit is more likely.",
            limits_ko="모델 점수이지 판정이 아니다. 학습하지 않은 새 방법은 놓칠 수 있고, "
            "압축과 크기 변경은 정확도를 떨어뜨린다.",
            limits_en="A model score, not a finding. Detectors miss methods they were not "
            "trained on; compression and resizing lower accuracy.",
        ),
        "ai_generated": ScoreExplanation(
            label_ko="AI 생성 탐지",
            label_en="AI-generated",
            meaning_ko="AI 생성 이미지 탐지 모델의 점수(0~1). 높을수록 합성일 가능성이 크다.",
            meaning_en="AI-generated-image detector score in [0, 1]; higher means more likely "
            "synthetic.",
            limits_ko="모델 점수이지 판정이 아니다. 새로운 생성 모델은 놓칠 수 있고, 보정이 "
            "심한 실제 사진을 잘못 표시할 수 있다.",
            limits_en="A model score, not a finding. Detectors miss generators they have not "
            "seen and can flag heavily retouched real photos.",
        ),
    }
)


# Korean glosses for database values (states, media types). The value itself is always shown
# verbatim next to its gloss, because that is what the bundle's JSON says.
VALUE_GLOSSES: Final = MappingProxyType(
    {
        "open": "진행 중",
        "closed": "종결",
        "new": "신규",
        "in_review": "검토 중",
        "confirmed": "확인됨",
        "dismissed": "기각됨",
        "notice_sent": "삭제 요청 발송",
        "removed": "삭제됨",
        "reappeared": "재게시됨",
        "image": "이미지",
        "video": "동영상",
    }
)

VERIFY_KO: Final = (
    "IdolGuard가 있으면 아래 첫 명령 하나로 충분하다. IdolGuard 없이 확인하려면 번들의 각 "
    "파일에 sha256sum을 실행해 manifest.json의 값과 비교하고, 타임스탬프가 있는 항목은 "
    "openssl로 RFC 3161 토큰을 검증한다. 이 보고서의 해시와 관리 연속성 기록(항목 수, 마지막 "
    "항목 해시)도 번들과 같아야 한다."
)
VERIFY_EN: Final = (
    "With IdolGuard, the first command below is enough. Without it, run sha256sum on each "
    "file of the bundle and compare with manifest.json, and verify the RFC 3161 token of each "
    "timestamped item with openssl. The hashes in this report and the custody log (entry count "
    "and last-entry hash) must match the bundle too."
)
VERIFY_COMMANDS: Final = (
    "idolguard verify bundle.zip",
    "sha256sum <file>    # = manifest.json",
    "openssl ts -verify -in evidence/<id>.tsr -data evidence/<id>.json -CAfile <TSA CA>",
)

DASH: Final = "—"
# Every fixed heading and label, Korean first: one place to review the wording. The report's
# font subset is built from these characters plus those of the case.
LABELS: Final = MappingProxyType(
    {
        "header": "IdolGuard · 증거 보고서 / Evidence report",
        "footer": "페이지 / page {page} / {pages}",
        "report": "증거 보고서 / Evidence report",
        "case_number": "사건 번호 / Case number",
        "title": "제목 / Title",
        "artist": "아티스트 / Artist",
        "status": "상태 / Status",
        "opened": "개시 / Opened",
        "generated_at": "생성 일시 / Generated at",
        "generated_by": "생성자 / Generated by",
        "tool": "도구 / Tool",
        "item_count": "항목 수 / Items",
        "custody": "관리 연속성 기록 / Custody log",
        "custody_value": "{entries}개 기록 / entries, 마지막 기록 해시 / last-entry hash: {head}",
        "verify": "이 번들 검증 방법 / How to verify this bundle",
        "index": "항목 목록 / Items",
        "no_items": f"{DASH} 항목 없음 / no items",
        "item": "항목 / Item",
        "state": "상태 / State",
        "type": "유형 / Type",
        "platform": "플랫폼 / Platform",
        "captured": "수집 / Captured",
        "item_heading": "항목 / Item {id}",
        "no_thumbnail": "썸네일 없음 / no thumbnail",
        "bad_thumbnail": "썸네일을 읽을 수 없음 / thumbnail could not be decoded",
        "blurred": "흐림 처리: 노출 콘텐츠 / blurred: explicit content",
        "capture": "수집 위치·시각·방법 / Where, when and how it was captured",
        "source_url": "원본 URL / Source URL",
        "final_url": "최종 URL / Final URL",
        "uploader": "업로더 / Uploader",
        "page_title": "페이지 제목 / Page title",
        "captured_at": "수집 시각 / Captured at",
        "operator": "수집자 / Operator",
        "capture_tool": "수집 도구 / Capture tool",
        "artists": "아티스트 / Artists",
        "media_type": "미디어 유형 / Media type",
        "hashes": "해시와 타임스탬프 / Hashes and timestamp",
        "size": "크기 / Size",
        "size_value": "{size} 바이트 / bytes",
        "manifest": "증거 매니페스트 SHA-256 / Evidence manifest SHA-256",
        "timestamp": "RFC 3161 타임스탬프 / timestamp",
        "no_timestamp": f"{DASH} 없음: 독립적으로 증명되지 않음 / none: not independently attested",
        "scores": "분석 점수 / Scores",
        "score": "점수 / Score",
        "value": "값 / Value",
        "meaning": "의미 / Meaning",
        "limits_column": "한계 / Limits",
        "no_scores": f"{DASH} 점수 없음 / no scores",
        "reasons": "사유 / Reasons",
        "no_reasons": f"{DASH} 사유 없음 / no reasons recorded",
        "history": "이력 / History",
        "time": "시각 / Time",
        "actor": "행위자 / Actor",
        "action": "조치 / Action",
        "reason": "사유 / Reason",
        "no_events": f"{DASH} 기록 없음 / no events",
        "limits": "한계 / Limits",
        "omitted": "… [{count}자 생략 / {count} more characters omitted]",
        "bullet": "•",
    }
)

REPORT_LIMITS: Final = (
    (
        "점수는 사람의 검토를 돕는 분류 보조 수단이며 법적 결론이 아니다.",
        "Scores are triage aids for human review, not legal conclusions.",
    ),
    (
        "모든 시각은 수집한 컴퓨터 시계 기준의 UTC다. RFC 3161 타임스탬프가 표시된 항목만 "
        "독립적으로 증명된다.",
        "All times are UTC from the capturing machine's clock; they are independently attested "
        "only where an RFC 3161 timestamp is shown.",
    ),
    (
        "이 보고서는 번들의 요약이다. 기준은 번들의 파일과 해시이며, 다르면 번들이 우선한다.",
        "This report summarises the bundle; the bundle's files and hashes are authoritative and "
        "prevail over this report.",
    ),
    (
        "썸네일은 식별을 돕는 축소본이며 노출 콘텐츠는 흐림 처리했다. 증거는 SHA-256으로 "
        "식별되는 수집 파일이다.",
        "Thumbnails are reduced copies to aid identification, with explicit content blurred; the "
        "evidence is the captured file identified by its SHA-256.",
    ),
)
ALTERED_NOTE: Final = (
    "이 보고서에서 {n}개 값은 글꼴로 표시할 수 없는 문자(이모지, 제어 문자 등)를 빼거나 "
    "길이를 줄여 표시했다. 원래 값은 번들의 JSON 파일에 있다.",
    "In this report, {n} value(s) had characters the font cannot display (emoji, control "
    "characters) removed or were shortened; the original values are in the bundle's JSON files.",
)
