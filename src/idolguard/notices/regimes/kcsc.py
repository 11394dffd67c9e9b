"""The report to the Korea Communications Standards Commission: the escalation after Art. 22-5.

When a platform ignores a Korean deletion request, or for overseas sites, the
KCSC deliberates and issues correction requests. It is filed through the
KCSC's online form, so IdolGuard writes the report to paste or attach. It is
never suggested automatically (no rank): a person chooses it by name.
"""

from __future__ import annotations

from idolguard.notices.regimes.base import Regime, Statements
from idolguard.notices.regimes.kr_tba import against_will_statement


class Kcsc(Regime):
    """The same against-will statement as the Art. 22-5 request."""

    def statements(self, person: str, signer: str) -> Statements:
        return against_will_statement(person)


KCSC = Kcsc(
    key="kcsc",
    name_en="Report to the Korea Communications Standards Commission",
    name_ko="방송통신심의위원회 디지털성범죄정보 신고",
    law="방송통신위원회의 설치 및 운영에 관한 법률 제21조 제4호 (시정요구)",
    use_when_en=(
        "When a platform ignores or refuses a Korean deletion request, or for overseas "
        "sites: the KCSC deliberates and issues correction requests (deletion, access "
        "blocking in Korea). Filed through its online report form: IdolGuard writes "
        "the filled-in report to paste or attach."
    ),
    use_when_ko=(
        "플랫폼이 삭제 요청을 무시하거나 거부할 때, 또는 "
        "해외 사이트의 경우: 방송통신심의위원회가 "
        "심의해 삭제·접속차단 시정요구를 한다. 온라인 신고 양식으로 접수하며, IdolGuard는 "
        "붙여 넣거나 첨부할 신고 내용을 만든다."
    ),
    required=(
        "signer_name",
        "contact",
        "depicted_person",
        "category",
        "location",
        "identification",
        "against_will_statement",
        "date",
    ),
    intimate_only=True,
    escalation_en=(
        "Victims can report to the police cyber-crime reporting system (required for "
        "private chat rooms, which are not 'publicly circulated').",
    ),
    escalation_ko=(
        "피해자는 경찰 사이버범죄 신고시스템에 신고할 수 있다 (공개 유통이 아닌 비공개 "
        "대화방은 이 경로만 가능).",
    ),
    victim_route_en=(
        "Victims can also ask the Digital Sex Crime Victim Support Center "
        "(디지털성범죄피해자지원센터, 02-735-8994, d4u.stop.or.kr)."
    ),
    victim_route_ko=(
        "피해자는 디지털성범죄피해자지원센터(02-735-8994, d4u.stop.or.kr)에 지원을 요청할 "
        "수도 있습니다."
    ),
    deadline_setting="kcsc_deadline_hours",
    addressed_to="kcsc",
    short_en="Report to the KCSC",
    short_ko="방송통신심의위원회 신고",
    intro=(
        "방송통신심의위원회 귀중\n\n아래 디지털성범죄정보(허위영상물)에 대해 심의 및 시정요구"
        "(삭제·접속차단)를 요청합니다.",
        "To the Korea Communications Standards Commission,\n\nI report the digital sex crime "
        "material (false video material) below and ask the Commission to deliberate and issue "
        "correction requests (deletion, access blocking).",
    ),
    closing=(
        "증거 자료({evidence})는 요청 시 제출하겠습니다.",
        "Evidence ({evidence}) will be provided on request.",
    ),
)
