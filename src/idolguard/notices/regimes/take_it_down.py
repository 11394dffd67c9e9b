"""The US TAKE IT DOWN Act removal request: intimate depictions, 48 hours by statute.

Sec. 3(a) of the Act obliges covered platforms to remove a non-consensual
intimate depiction, including an AI-made digital forgery, within 48 hours of a
valid request, and known identical copies with it. The request needs no
copyright and no perjury clause, only a signature, the person, the location and
a good-faith statement that names the person.
"""

from __future__ import annotations

from idolguard.notices.regimes.base import Regime, Statements


class TakeItDown(Regime):
    """The good-faith statement names the person, so it is blank until the person is known."""

    def statements(self, person: str, signer: str) -> Statements:
        if not person:
            return {"good_faith_statement": ("", "")}
        return {
            "good_faith_statement": (
                f"본인은 위에 특정한 {person}의 친밀한 영상물이 {person}의 동의 없이 게시되었다고 "
                f"선의로 믿습니다. {person}은(는) 이 영상물의 제작이나 게시에 동의한 적이 없으며, "
                "이 영상물은 컴퓨터나 AI로 만든 허위 영상물입니다.",
                f"I have a good faith belief that the intimate visual depiction of {person} "
                f"identified in this request is not consensual: {person} did not consent to its "
                "creation or publication. It is a digital forgery made with software or AI.",
            )
        }


TAKE_IT_DOWN = TakeItDown(
    key="take_it_down",
    name_en="US TAKE IT DOWN Act removal request",
    name_ko="미국 TAKE IT DOWN 법 삭제 요청",
    law="TAKE IT DOWN Act (S. 146, 119th Congress), Sec. 3(a)",
    use_when_en=(
        "Intimate (sexual) depictions, including AI-made digital forgeries, on a covered "
        "platform serving the US. No copyright needed, no perjury clause; the platform "
        "must remove within 48 hours of a valid request and remove known identical copies."
    ),
    use_when_ko=(
        "성적인 친밀한 영상물(AI로 만든 허위 영상물 포함)이 미국에서 서비스되는 플랫폼에 "
        "게시된 경우. 저작권이 필요 없고, 플랫폼은 유효한 "
        "요청을 받은 뒤 48시간 안에 삭제하고 "
        "알려진 동일 사본도 삭제해야 한다."
    ),
    required=(
        "signature",
        "signer_name",
        "depicted_person",
        "identification",
        "location",
        "good_faith_statement",
        "contact",
    ),
    intimate_only=True,
    statutory_deadline_hours=48,
    escalation_en=(
        "The FTC enforces the platform's 48-hour duty as an unfair or deceptive practice: "
        "report the missed deadline to the FTC with this notice and its delivery record.",
    ),
    escalation_ko=(
        "플랫폼의 48시간 삭제 의무는 FTC가 집행한다: 이 통지와 발송 기록을 첨부해 기한 "
        "미준수를 FTC에 신고한다.",
    ),
    assumed_for_unlisted=True,
    short_en="US TAKE IT DOWN Act (48 h)",
    short_ko="미국 TAKE IT DOWN 법 (48시간)",
    intro=(
        "{platform} 담당자께,\n\n본인은 TAKE IT DOWN 법 제3조에 따라 아래에 특정한 {person}의 "
        "친밀한 영상물의 삭제를 요청합니다.",
        "To {platform},\n\nUnder Section 3 of the TAKE IT DOWN Act, I request the removal of "
        "the intimate visual depiction(s) of {person} identified below.",
    ),
    closing=(
        "위 영상물을 가능한 한 빨리, 늦어도 이 요청을 받은 "
        "때부터 48시간 안에 삭제하고, 알려진 동일 "
        "사본도 확인해 삭제해 주십시오.",
        "Please remove the depiction(s) as soon as possible and no later than 48 hours after "
        "receiving this request, and make reasonable efforts to identify and remove known "
        "identical copies.",
    ),
    rank=10,
    rank_korean=20,
)
