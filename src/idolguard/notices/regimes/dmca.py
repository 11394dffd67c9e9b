"""The DMCA §512(c)(3) takedown notice: copyright, not likeness.

Only the owner of the copyright in the photo or video a deepfake copies (or its
agent) may send one, so it fits only when the agency owns that work. It
carries a statement under penalty of perjury, and the uploader may
counter-notify.
"""

from __future__ import annotations

from idolguard.notices.regimes.base import Regime, Statements


class Dmca(Regime):
    """Good-faith and accuracy statements in the statute's own wording."""

    def statements(self, person: str, signer: str) -> Statements:
        return {
            "good_faith_statement": (
                "본인은 위 자료를 문제된 방식으로 이용하는 것이 "
                "저작권자, 그 대리인 또는 법률에 의해 "
                "허락되지 않았다고 선의로 믿습니다.",
                "I have a good faith belief that use of the material in the manner complained "
                "of is not authorized by the copyright owner, its agent, or the law.",
            ),
            "accuracy_statement": (
                "이 통지의 정보는 정확하며, 본인은 위증 시 처벌을 감수하고 침해되었다고 주장하는 "
                "배타적 권리의 소유자를 대리할 권한이 있음을 진술합니다.",
                "The information in this notification is accurate, and under penalty of "
                "perjury, I am authorized to act on behalf of the owner of an exclusive right "
                "that is allegedly infringed.",
            ),
        }


DMCA = Dmca(
    key="dmca",
    name_en="DMCA §512(c)(3) takedown notice",
    name_ko="DMCA §512(c)(3) 저작권 침해 게시 중단 요청",
    law="17 U.S.C. §512(c)(3)(A)",
    use_when_en=(
        "Only where the agency (or the artist) owns the copyright in the photo or video "
        "the content copies or was made from: the DMCA protects copyright, not likeness. "
        "It carries a statement under penalty of perjury, and the uploader may "
        "counter-notify."
    ),
    use_when_ko=(
        "소속사(또는 아티스트)가 원본 사진·영상의 저작권을 "
        "가진 경우에만 쓴다: DMCA는 초상이 "
        "아니라 저작권을 보호한다. 위증 시 처벌을 감수하는 진술이 들어가며, 게시자는 "
        "이의 통지(counter-notice)를 할 수 있다."
    ),
    required=(
        "signature",
        "signer_name",
        "copyrighted_work",
        "identification",
        "location",
        "contact_address",
        "contact_phone",
        "good_faith_statement",
        "accuracy_statement",
    ),
    needs_copyright=True,
    escalation_en=(
        "Re-send to the platform's designated agent as registered in the US Copyright "
        "Office's DMCA agent directory, and to the hosting provider.",
        "After a counter-notice the material may be restored in 10 to 14 business days "
        "unless a court action is filed (§512(g)(2)(C)).",
    ),
    escalation_ko=(
        "미국 저작권청 DMCA 대리인 명부에 등록된 플랫폼 지정 대리인과 호스팅 업체에 다시 보낸다.",
        "이의 통지가 오면 소송을 제기하지 않는 한 영업일 10~14일 뒤 복구될 수 있다 "
        "(§512(g)(2)(C)).",
    ),
    deadline_setting="dmca_deadline_hours",
    assumed_for_unlisted=True,
    short_en="DMCA §512(c)(3) takedown",
    short_ko="DMCA §512(c)(3) 저작권 게시 중단 요청",
    intro=(
        "{platform} 저작권 대리인께,\n\n본인은 17 U.S.C. §512(c)(3)에 따라 아래 자료의 삭제 또는 "
        "접근 차단을 요청합니다.",
        "To {platform}'s designated agent,\n\nPursuant to 17 U.S.C. §512(c)(3), I request that "
        "you remove or disable access to the material identified below.",
    ),
    closing=(
        "위 자료를 신속히 삭제하거나 접근을 차단해 주십시오.",
        "Please expeditiously remove or disable access to the material.",
    ),
    rank=40,
    rank_korean=40,
)
