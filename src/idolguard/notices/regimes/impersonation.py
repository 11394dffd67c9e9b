"""A report under a platform's impersonation policy: an account that poses as the artist.

Impersonation is not one law but every large platform's own rule (X, Instagram,
Facebook, TikTok and YouTube all remove accounts that pretend to be someone
else), with a form or address of its own in the platform directory. The
notice says only what the evidence shows: the account's address, the profile
as captured (handle, display name), the hash of its avatar, and the reasons
IdolGuard's analysis gave, which a reviewer confirmed; it does not assert a
crime.
"""

from __future__ import annotations

from idolguard.notices.regimes.base import Regime, Statements


class Impersonation(Regime):
    """The good-faith statement names the person impersonated and the signer."""

    def statements(self, person: str, signer: str) -> Statements:
        if not person:
            return {"good_faith_statement": ("", "")}
        return {
            "good_faith_statement": (
                f"본인({signer or '신고인'})은 위 계정이 {person} 본인 또는 그 소속사가 운영하는 "
                "계정이 아니며, 이 신고의 내용이 정확하다고 선의로 믿습니다.",
                f"I, {signer or 'the notifier'}, state in good faith that the accounts above are "
                f"not operated by {person} or their agency, and that this report is accurate.",
            )
        }


IMPERSONATION = Impersonation(
    key="impersonation",
    name_en="Impersonation report (platform policy)",
    name_ko="사칭 계정 신고 (플랫폼 정책)",
    short_en="Impersonation report",
    short_ko="사칭 계정 신고",
    law="the platform's own impersonation policy (terms of service)",
    use_when_en=(
        'An account poses as the artist (copied name, photos or "official" claims), often '
        "to scam fans. Sent to the platform's impersonation form or address by the person "
        "impersonated or their authorised representative."
    ),
    use_when_ko=(
        "아티스트를 사칭하는 계정(이름·사진 도용, 공식 계정 행세). 흔히 팬을 상대로 한 사기에 "
        "쓰인다. 본인 또는 권한 있는 대리인이 플랫폼의 사칭 신고 양식이나 주소로 보낸다."
    ),
    required=(
        "depicted_person",
        "identification",
        "location",
        "explanation",
        "signer_name",
        "contact_email",
        "good_faith_statement",
    ),
    intro=(
        "{platform} 담당자께,\n\n아래 계정은 {person}을(를) 사칭하고 있어 귀사의 사칭 정책에 "
        "따라 신고합니다.",
        "To {platform},\n\nI report the accounts below under your impersonation policy: "
        "they pose as {person}.",
    ),
    closing=(
        "계정의 정지 또는 삭제를 요청하며, 처리 결과를 알려 주십시오. 요청 시 {evidence}을(를) "
        "제공할 수 있습니다.",
        "Please suspend or remove these accounts and tell me the outcome. On request I can "
        "provide {evidence}.",
    ),
    escalation_en=(
        "Use the platform's appeal or in-app report as the person impersonated.",
        "Where fans were asked for money, report the fraud to the police (Korea: the National "
        "Police Agency's cyber crime report, ecrm.police.go.kr) or the FTC (reportfraud.ftc.gov).",
    ),
    escalation_ko=(
        "사칭 당사자로서 플랫폼의 이의 제기나 앱 내 신고를 이용한다.",
        "팬에게 금전을 요구했다면 경찰청 사이버범죄 신고시스템(ecrm.police.go.kr)이나 "
        "미국 FTC(reportfraud.ftc.gov)에 사기로 신고한다.",
    ),
    accounts_only=True,
    rank=5,
    rank_korean=5,
    default_deadline_hours=72,
)
