"""The EU Digital Services Act Art. 16 notice: any illegal content on a hosting service in the EU.

A notice with the Art. 16(2) elements gives the provider actual knowledge
(Art. 16(3)), whether or not the content is intimate, so it is the general
fallback where the specific NCII laws do not apply.
"""

from __future__ import annotations

from idolguard.notices.regimes.base import Regime, Statements


class Dsa(Regime):
    """The bona fide statement names the signer (Art. 16(2)(d))."""

    def statements(self, person: str, signer: str) -> Statements:
        return {
            "bona_fide_statement": (
                f"본인({signer or '신고인'})은 이 신고에 담긴 정보와 주장이 정확하고 완전하다고 "
                "선의로 믿음을 확인합니다.",
                f"I, {signer or 'the notifier'}, confirm my bona fide belief that the information "
                "and allegations contained in this notice are accurate and complete.",
            )
        }


DSA = Dsa(
    key="dsa",
    name_en="EU Digital Services Act Art. 16 notice",
    name_ko="EU 디지털서비스법 제16조 불법 콘텐츠 신고",
    law="Regulation (EU) 2022/2065 (Digital Services Act), Art. 16(2)",
    use_when_en=(
        "Any illegal content on a hosting service offered in the EU, intimate or not "
        "(e.g. non-consensual intimate deepfakes under Directive (EU) 2024/1385 Art. 5, "
        "or defamatory and fraudulent deepfakes). A complete notice gives the provider "
        "actual knowledge (Art. 16(3))."
    ),
    use_when_ko=(
        "EU에서 제공되는 호스팅 서비스의 모든 불법 "
        "콘텐츠(성적이든 아니든). 요건을 갖춘 신고는 "
        "제공자에게 불법성을 인지시킨 것으로 본다(제16조 제3항)."
    ),
    required=(
        "explanation",
        "location",
        "signer_name",
        "contact_email",
        "bona_fide_statement",
    ),
    escalation_en=(
        "Use the platform's internal complaint-handling system (DSA Art. 20), "
        "an out-of-court dispute settlement body (Art. 21), or lodge a complaint with "
        "the Digital Services Coordinator of the provider's member state (Art. 53).",
    ),
    escalation_ko=(
        "플랫폼 내부 이의 제기 절차(DSA 제20조), 법원 외 분쟁 해결 기구(제21조), 또는 "
        "제공자 소재 회원국 디지털서비스조정관에 대한 민원(제53조)을 이용한다.",
    ),
    deadline_setting="dsa_deadline_hours",
    assumed_for_unlisted=True,
    short_en="EU Digital Services Act Art. 16",
    short_ko="EU 디지털서비스법 제16조 신고",
    intro=(
        "{platform} 담당자께,\n\n디지털서비스법(EU 2022/2065) 제16조에 따라 아래 불법 콘텐츠를 "
        "신고합니다.",
        "To {platform},\n\nUnder Article 16 of the Digital Services Act (Regulation (EU) "
        "2022/2065), I notify you of the illegal content below.",
    ),
    closing=(
        "이 신고의 접수 확인과 처리 결정을 지체 없이 알려 주십시오(제16조 제4항·제5항).",
        "Please confirm receipt and notify me of your decision without undue delay "
        "(Art. 16(4) and (5)).",
    ),
    rank=30,
    rank_korean=30,
)
