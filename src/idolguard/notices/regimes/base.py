"""What every notice regime is: the ``Regime`` interface, the fields regimes require, fit rules.

A notice that lacks a field its regime requires is legally void: the DMCA says a
notice that does not substantially comply does not give the platform knowledge
(§512(c)(3)(B)), and the TAKE IT DOWN Act's 48-hour clock starts only from a
*valid* request. So every regime lists its required fields (from ``FIELDS``
here, once), and nothing is sent until ``compose`` has checked them. The field
lists follow the statute texts summarised in the team's legal research note
(``legal.md``).

Regimes also differ in *when they fit*: TAKE IT DOWN and the Korean deletion
request cover intimate (sexual) depictions only; the DMCA reaches copyright,
so it fits only where the agency owns the photo or video a deepfake was made
from. ``Regime.use_when`` says so in both languages, and ``unsuitable_reason``
refuses a regime that does not fit the case.

Each regime is one module of this package (``take_it_down``, ``dmca``, ...)
holding one ``Regime`` instance: its names, law, fields, statements, intro and
closing wording in Korean and English, and where it ranks among suggestions.
This module holds only what all regimes share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from idolguard.config import NoticeSettings

# "impersonation": an account that poses as the person (a profile, not a depiction).
CATEGORIES: tuple[str, ...] = ("intimate", "non_intimate", "impersonation")


@dataclass(frozen=True)
class FieldSpec:
    """One field a regime requires, with how a user supplies it when it is missing."""

    key: str
    label_en: str
    label_ko: str
    hint: str


Statements = dict[str, tuple[str, str]]  # field key -> (Korean, English)


@dataclass(frozen=True, kw_only=True)
class Regime:
    """One legal regime: everything a notice under it says, in both languages, in one place.

    A regime module builds one instance (a subclass where its statements need
    code) and the built-in plug-in (``builtin``) or a third-party one offers it
    through the ``idolguard_regimes`` hook, so adding a regime touches no
    composer, page or API code.

    ``intro`` and ``closing`` are (Korean, English) templates: the intro may use
    ``{platform}`` and ``{person}``, the closing ``{evidence}`` (what can be
    provided on request). ``rank`` and ``rank_korean`` order the automatic
    suggestion (lower first; Korean-language platforms use ``rank_korean``);
    ``None`` means the regime is never suggested, only chosen by name.
    ``assumed_for_unlisted`` regimes are the ones offered for a platform the
    directory does not list; ``addressed_to`` names the directory entry (an
    authority such as the KCSC) a notice goes to instead of the platform.
    """

    key: str
    name_en: str
    name_ko: str
    short_en: str  # short names for tables and lists
    short_ko: str
    law: str
    use_when_en: str
    use_when_ko: str
    required: tuple[str, ...]
    intro: tuple[str, str]
    closing: tuple[str, str]
    rank: int | None = None
    rank_korean: int | None = None
    intimate_only: bool = False
    needs_copyright: bool = False
    accounts_only: bool = False  # reports accounts (impersonation), never depictions
    statutory_deadline_hours: int | None = None  # fixed by law; others come from [notices]
    deadline_setting: str = ""  # the [notices] setting holding the deadline, where one exists
    default_deadline_hours: int = 72  # without a statute or a setting
    assumed_for_unlisted: bool = False  # offered for platforms the directory does not list
    addressed_to: str = ""  # directory entry (an authority) notices go to instead of the platform
    escalation_en: tuple[str, ...] = ()
    escalation_ko: tuple[str, ...] = ()
    victim_route_en: str = ""
    victim_route_ko: str = ""

    def fields(self) -> list[FieldSpec]:
        return [FIELDS[key] for key in self.required]

    def deadline_hours(self, notices: NoticeSettings) -> int:
        """Hours the platform has to act: the statute's, else the ``[notices]`` setting's."""
        if self.statutory_deadline_hours is not None:
            return self.statutory_deadline_hours
        if self.deadline_setting:
            return int(getattr(notices, self.deadline_setting))
        return self.default_deadline_hours

    def statements(self, person: str, signer: str) -> Statements:
        """The regime's fixed statements as (Korean, English), with names filled in.

        Each language gets its own fallback wording: an English placeholder
        inside the Korean text ("the notifier 검토자가") reads as a broken
        notice. A statement that names the person is blank when ``person`` is
        empty, so the notice reports the person as the missing field.
        """
        return {}


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


class RegimeError(ValueError):
    """The regime is unknown or does not fit the case; the message says which one would."""


def unsuitable_reason(regime: Regime, *, category: str, owns_copyright: bool) -> str | None:
    """Why ``regime`` cannot be used for this content, or ``None`` when it can."""
    if regime.accounts_only != (category == "impersonation"):
        if regime.accounts_only:
            return (
                f"{regime.name_en} reports impersonating accounts only, and this content is "
                f"classed {category}; use a regime for depictions (dsa, take_it_down, ...)"
            )
        return (
            f"{regime.name_en} is about depictions, and these items are impersonating accounts; "
            "use the platform's impersonation report (--regime impersonation)"
        )
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
