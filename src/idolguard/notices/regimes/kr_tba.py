"""The Korean deletion/blocking request under Telecommunications Business Act Art. 22-5.

Sexual deepfakes (허위영상물) circulating publicly on a service used in Korea:
the victim, a representative or a designated organisation asks the operator to
delete or block without delay. The request states that the material circulates
against the person's will; the KCSC report (``kcsc``) uses the same statement.
"""

from __future__ import annotations

from idolguard.notices.regimes.base import Regime, Statements


class KrTba(Regime):
    """The against-will statement names the person, so it is blank until the person is known."""

    def statements(self, person: str, signer: str) -> Statements:
        return against_will_statement(person)


def against_will_statement(person: str) -> Statements:
    """The statement that the material circulates against the person's will (특례법 제14조의2)."""
    if not person:
        return {"against_will_statement": ("", "")}
    return {
        "against_will_statement": (
            f"위 정보는 피해자 {person}의 얼굴 등을 그 의사에 반하여 편집·합성·가공한 "
            "허위영상물(「성폭력범죄의 처벌 등에 관한 특례법」 제14조의2)로서, 피해자의 의사에 "
            "반하여 공개적으로 유통되고 있습니다.",
            f"The material edits, synthesises or processes the face or body of {person} against "
            "their will (false video material under Art. 14-2 of the Act on Special Cases "
            "Concerning the Punishment of Sexual Crimes) and circulates publicly against their "
            "will.",
        )
    }


KR_TBA = KrTba(
    key="kr_tba",
    name_en=("Korean deletion/blocking request (Telecommunications Business Act Art. 22-5)"),
    name_ko="불법촬영물등 유통 신고·삭제요청서 (전기통신사업법 제22조의5)",
    law=(
        "전기통신사업법 제22조의5 제1항, 같은 법 시행령 제30조의5; "
        "성폭력범죄의 처벌 등에 관한 특례법 제14조의2 (허위영상물)"
    ),
    use_when_en=(
        "Sexual deepfakes (허위영상물) circulating publicly on a service used in Korea, "
        "domestic or global. The victim, a representative, or a designated organisation "
        "(e.g. the Digital Sex Crime Victim Support Center) asks the operator to delete "
        "or block without delay."
    ),
    use_when_ko=(
        "국내외 부가통신사업자 서비스에서 공개적으로 "
        "유통되는 성적 허위영상물. 피해자, 대리인 "
        "또는 지정기관(디지털성범죄피해자지원센터 등)이 삭제·접속차단을 요청하며 사업자는 "
        "지체 없이 조치해야 한다."
    ),
    required=(
        "signer_name",
        "requester_type",
        "depicted_person",
        "contact",
        "category",
        "location",
        "identification",
        "against_will_statement",
        "date",
    ),
    intimate_only=True,
    escalation_en=(
        "Ask the Korea Communications Standards Commission (KCSC) to deliberate and "
        "issue a correction request: draft one with `idolguard notice draft CASE "
        "--regime kcsc`.",
    ),
    escalation_ko=(
        "방송통신심의위원회에 심의를 신청해 시정요구를 받는다: "
        "`idolguard notice draft CASE --regime kcsc`로 신고서를 만든다.",
    ),
    victim_route_en=(
        "Victims can also ask the Digital Sex Crime Victim Support Center "
        "(디지털성범죄피해자지원센터, 02-735-8994, d4u.stop.or.kr, every day of the year) "
        "to request deletion and monitor redistribution for them, free of charge."
    ),
    victim_route_ko=(
        "피해자는 디지털성범죄피해자지원센터(02-735-8994, d4u.stop.or.kr, 연중무휴)에 "
        "삭제 지원과 재유포 모니터링을 무료로 요청할 수도 있습니다."
    ),
    deadline_setting="kr_deadline_hours",
    short_en="Korean deletion request (TBA Art. 22-5)",
    short_ko="불법촬영물등 삭제요청 (전기통신사업법 제22조의5)",
    intro=(
        "{platform} 유통방지 책임자께,\n\n「전기통신사업법」 제22조의5 제1항 및 같은 법 시행령 "
        "제30조의5에 따라 아래 불법촬영물등(허위영상물)의 삭제 또는 접속차단을 지체 없이 "
        "요청합니다.",
        "To {platform}'s person responsible for preventing distribution,\n\nUnder Art. 22-5(1) "
        "of the Korean Telecommunications Business Act and Art. 30-5 of its Enforcement "
        "Decree, I request that you delete or block, without delay, the illegal material "
        "(false video material) below.",
    ),
    closing=(
        "조치 결과를 위 연락처로 알려 주십시오.",
        "Please inform me of the action taken at the contact details above.",
    ),
    rank=20,
    rank_korean=10,
)
