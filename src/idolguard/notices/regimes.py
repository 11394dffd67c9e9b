"""The legal regimes a takedown notice can be sent under, and what each one requires.

A notice that lacks a field its regime requires is legally void: the DMCA says a
notice that does not substantially comply does not give the platform knowledge
(§512(c)(3)(B)), and the TAKE IT DOWN Act's 48-hour clock starts only from a
*valid* request. So every regime lists its required fields here, once, and
nothing is sent until ``compose`` has checked them. The field lists follow the
statute texts summarised in the team's legal research note (``legal.md``).

Regimes also differ in *when they fit*: TAKE IT DOWN and the Korean deletion
request cover intimate (sexual) depictions only; the DMCA reaches copyright,
so it fits only where the agency owns the photo or video a deepfake was made
from. ``Regime.use_when`` says so in both languages, and ``unsuitable_reason``
refuses a regime that does not fit the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

REGIME_KEYS: tuple[str, ...] = ("take_it_down", "dmca", "dsa", "kr_tba", "kcsc")
CATEGORIES: tuple[str, ...] = ("intimate", "non_intimate")


@dataclass(frozen=True)
class FieldSpec:
    """One field a regime requires, with how a user supplies it when it is missing."""

    key: str
    label_en: str
    label_ko: str
    hint: str


@dataclass(frozen=True)
class Regime:
    key: str
    name_en: str
    name_ko: str
    law: str
    use_when_en: str
    use_when_ko: str
    required: tuple[str, ...]
    intimate_only: bool = False
    needs_copyright: bool = False
    statutory_deadline_hours: int | None = None  # fixed by law; others come from [notices]
    escalation_en: tuple[str, ...] = ()
    escalation_ko: tuple[str, ...] = ()
    victim_route_en: str = ""
    victim_route_ko: str = ""

    def fields(self) -> list[FieldSpec]:
        return [FIELDS[key] for key in self.required]


_SETTING = "set [notices] {setting} in idolguard.toml, or pass --field {key}=..."
FIELDS: Mapping[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        FieldSpec(
            "signature",
            "Signature (physical or electronic) of the person or authorised agent",
            "서명 (본인 또는 권한 있는 대리인)",
            _SETTING.format(setting="signature", key="signature") + ' (e.g. "/s/ Kim Minji")',
        ),
        FieldSpec(
            "signer_name",
            "Name of the person signing",
            "신청인 성명",
            _SETTING.format(setting="sender_name", key="signer_name"),
        ),
        FieldSpec(
            "depicted_person",
            "Identifiable individual depicted",
            "피해자 (식별 가능한 인물)",
            "link the case to an enrolled artist (case create --artist), "
            "or pass --field depicted_person=...",
        ),
        FieldSpec(
            "identification",
            "Identification of the depiction / material",
            "대상 영상물의 특정",
            "generated from the case's items; pass --field identification=... to replace it",
        ),
        FieldSpec(
            "location",
            "Exact location (URLs) of the material",
            "게시 위치 (URL)",
            "the notice's items need http(s) URLs: capture them with `idolguard capture URL`",
        ),
        FieldSpec(
            "good_faith_statement",
            "Good-faith statement",
            "선의의 진술",
            "written by IdolGuard from the regime's wording",
        ),
        FieldSpec(
            "contact",
            "Contact information (e-mail or telephone)",
            "연락처 (이메일 또는 전화)",
            _SETTING.format(setting="email", key="contact") + " (or phone)",
        ),
        FieldSpec(
            "contact_email",
            "E-mail address of the notifier",
            "신고인 이메일",
            _SETTING.format(setting="email", key="contact_email"),
        ),
        FieldSpec(
            "contact_address",
            "Postal address of the complaining party",
            "신고인 주소",
            _SETTING.format(setting="address", key="contact_address"),
        ),
        FieldSpec(
            "contact_phone",
            "Telephone number of the complaining party",
            "신고인 전화번호",
            _SETTING.format(setting="phone", key="contact_phone"),
        ),
        FieldSpec(
            "copyrighted_work",
            "Copyrighted work claimed to be infringed",
            "침해된 저작물",
            "pass --copyrighted-work 'the source photo or video the agency owns'",
        ),
        FieldSpec(
            "accuracy_statement",
            "Statement of accuracy and authority, under penalty of perjury",
            "정확성 및 권한에 대한 진술 (위증 시 처벌 감수)",
            "written by IdolGuard from the statute's wording",
        ),
        FieldSpec(
            "explanation",
            "Substantiated explanation of why the content is illegal",
            "불법성에 대한 구체적 설명",
            "generated from the case; pass --explanation '...' to add the reviewer's reasoning",
        ),
        FieldSpec(
            "bona_fide_statement",
            "Statement of bona fide belief that the notice is accurate and complete",
            "정보의 정확성·완전성에 대한 진술",
            "written by IdolGuard from Art. 16(2)(d)",
        ),
        FieldSpec(
            "requester_type",
            "Requester: victim, representative or designated organisation",
            "신청인 구분 (피해자 / 대리인 / 지정기관)",
            _SETTING.format(setting="requester_type", key="requester_type"),
        ),
        FieldSpec(
            "designation",
            "Designation of the organisation (for designated organisations)",
            "지정기관 명칭 및 지정 근거",
            _SETTING.format(setting="designation", key="designation"),
        ),
        FieldSpec(
            "category",
            "Category of illegal material",
            "불법 정보 유형",
            "set by IdolGuard from the case (허위영상물 for deepfakes)",
        ),
        FieldSpec(
            "against_will_statement",
            "Statement that the material circulates against the person's will",
            "피해자 의사에 반한다는 진술",
            "written by IdolGuard",
        ),
        FieldSpec(
            "date",
            "Date of the request",
            "신청일",
            "set by IdolGuard",
        ),
    )
}


REGIMES: Mapping[str, Regime] = {
    regime.key: regime
    for regime in (
        Regime(
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
        ),
        Regime(
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
                "미국 저작권청 DMCA 대리인 명부에 등록된 플랫폼 지정 대리인과 호스팅 업체에 "
                "다시 보낸다.",
                "이의 통지가 오면 소송을 제기하지 않는 한 영업일 10~14일 뒤 복구될 수 있다 "
                "(§512(g)(2)(C)).",
            ),
        ),
        Regime(
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
        ),
        Regime(
            key="kr_tba",
            name_en=(
                "Korean deletion/blocking request (Telecommunications Business Act Art. 22-5)"
            ),
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
        ),
        Regime(
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
        ),
    )
}
assert tuple(REGIMES) == REGIME_KEYS


class RegimeError(ValueError):
    """The regime is unknown or does not fit the case; the message says which one would."""


def get_regime(key: str) -> Regime:
    try:
        return REGIMES[key]
    except KeyError:
        raise RegimeError(
            f"unknown regime {key!r}; regimes: {', '.join(REGIME_KEYS)} "
            "(see `idolguard notice regimes`)"
        ) from None


def unsuitable_reason(regime: Regime, *, category: str, owns_copyright: bool) -> str | None:
    """Why ``regime`` cannot be used for this content, or ``None`` when it can."""
    if regime.intimate_only and category != "intimate":
        return (
            f"{regime.name_en} covers intimate (sexual) depictions only, and this content is "
            "classed non_intimate; if a reviewer judged it intimate, pass --category intimate, "
            "otherwise use dsa (or dmca where the agency owns the source's copyright)"
        )
    if regime.needs_copyright and not owns_copyright:
        return (
            "a DMCA notice is only valid from the owner of the copyright (or its agent): it "
            "protects the source photo or video, not the artist's likeness. Use it only if the "
            "agency owns the copyright of the work this content copies, then pass "
            "--owns-copyright (or set [notices] owns_copyright = true) and --copyrighted-work"
        )
    return None


def suggest_regimes(
    platform_regimes: tuple[str, ...], *, category: str, owns_copyright: bool, korean: bool
) -> list[str]:
    """Regimes that fit, best first: the specific NCII laws before the general ones."""
    order = ["kr_tba", "take_it_down", "dsa", "dmca"] if korean else REGIME_ORDER
    fitting = []
    for key in order:
        if key not in platform_regimes:
            continue
        if unsuitable_reason(REGIMES[key], category=category, owns_copyright=owns_copyright):
            continue
        fitting.append(key)
    return fitting


REGIME_ORDER: list[str] = ["take_it_down", "kr_tba", "dsa", "dmca"]
