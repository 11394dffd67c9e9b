"""Write a notice from case data: fill each regime's fields, refuse gaps, render Korean and English.

Everything a notice states comes from somewhere a lawyer can point to: URLs and
hashes from the items and their evidence manifests, names and contact details
from ``[notices]``, the statements, intro and closing from the regime's own module
(``notices.regimes``), in the statute's own wording. Nothing is
sent with a gap: ``compose`` raises ``MissingFieldsError`` naming every missing
field and how to supply it. The output is plain text plus a JSON package, so
the same notice can go by e-mail, into a web form, or into the evidence bundle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from idolguard.clock import utc_iso
from idolguard.config import NoticeSettings
from idolguard.notices.regimes import FIELDS, FieldSpec, Regime, get_regime
from idolguard.platforms import is_web_url

LANGUAGES = ("ko", "en")
DIVIDER = "─" * 60  # the line between the Korean and the English text


class MissingFieldsError(ValueError):
    """Fields the regime requires are missing; ``missing`` lists them with how to supply each."""

    def __init__(self, regime: Regime, missing: list[FieldSpec]) -> None:
        self.regime = regime
        self.missing = missing
        lines = [f"a {regime.name_en} needs fields that are missing:"]
        lines += [f"  - {spec.key}: {spec.label_en} — {spec.hint}" for spec in missing]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Sender:
    """The person who signs, and the organisation they act for."""

    name: str = ""
    title: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    signature: str = ""
    requester_type: str = "representative"
    designation: str = ""

    @classmethod
    def from_settings(cls, notices: NoticeSettings) -> Sender:
        return cls(
            name=notices.sender_name.strip(),
            title=notices.sender_title.strip(),
            organisation=notices.organisation.strip(),
            email=notices.email.strip(),
            phone=notices.phone.strip(),
            address=notices.address.strip(),
            signature=notices.signature.strip(),
            requester_type=notices.requester_type,
            designation=notices.designation.strip(),
        )


@dataclass(frozen=True)
class Target:
    """One reported URL and what identifies the content there."""

    item_id: int
    url: str
    sha256: str
    media_type: str | None
    first_seen: datetime
    pdq: str | None = None
    manifest_sha256: str | None = None
    timestamped_at: datetime | None = None
    original_stored: bool = False  # the file itself is in the evidence store
    reviewed: bool = False  # a reviewer's "confirmed" decision is in the item's history
    # An impersonating account: the profile as captured (handle, display_name, platform)
    # and the analysis's reasons, each {"en": ..., "ko": ...}.
    account: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class NoticeRequest:
    regime: str
    number: str
    case_number: str
    platform: str
    category: str
    person: str | None
    targets: tuple[Target, ...]
    sender: Sender
    date: datetime
    language: str = "ko+en"
    copyrighted_work: str | None = None
    explanation: str | None = None  # the reviewer's own reasoning, added to the generated one
    follow_up_of: str | None = None  # the earlier notice this re-upload follows
    overrides: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ComposedNotice:
    regime: str
    fields: dict[str, str]  # every required field, filled (statements in English)
    subject: str
    body: str  # the text sent: Korean then English, or one of them

    def package(self, request: NoticeRequest) -> dict[str, Any]:
        """The notice as data: for web forms, the bundle, and programs."""
        regime = get_regime(self.regime)
        return {
            "format": "idolguard-notice/1",
            "number": request.number,
            "case": request.case_number,
            "regime": regime.key,
            "regime_name": {"en": regime.name_en, "ko": regime.name_ko},
            "law": regime.law,
            "platform": request.platform,
            "category": request.category,
            "date": utc_iso(request.date),
            "follow_up_of": request.follow_up_of,
            "fields": [
                {
                    "key": spec.key,
                    "label_en": spec.label_en,
                    "label_ko": spec.label_ko,
                    "value": self.fields[spec.key],
                }
                for spec in regime.fields()
            ],
            "urls": [t.url for t in request.targets],
            "items": [
                {
                    "item": t.item_id,
                    "url": t.url,
                    "sha256": t.sha256,
                    "pdq": t.pdq,
                    "media_type": t.media_type,
                    "first_seen": utc_iso(t.first_seen),
                    "evidence_manifest_sha256": t.manifest_sha256,
                    "timestamped_at": utc_iso(t.timestamped_at) if t.timestamped_at else None,
                    "original_stored": t.original_stored,
                    "reviewed": t.reviewed,
                }
                for t in request.targets
            ],
            "subject": self.subject,
            "body": self.body,
        }


# --------------------------------------------------------------------------- wording

_REQUESTER = {
    "victim": ("피해자 본인", "the person depicted"),
    "representative": ("피해자의 대리인", "authorised representative of the person depicted"),
    "designated_org": ("지정기관", "designated organisation acting for the person depicted"),
}
_CATEGORY = {
    "intimate": (
        "허위영상물 (성적 딥페이크: 얼굴 등을 편집·합성·가공한 성적 영상물)",
        "sexually explicit digital forgery (deepfake) of an identifiable person",
    ),
    "non_intimate": (
        "허위영상물 (얼굴 등을 편집·합성·가공한 영상물)",
        "digitally manipulated depiction (deepfake) of an identifiable person",
    ),
    "impersonation": ("사칭 계정", "account impersonating an identifiable person"),
}
_MEDIA = {"image": ("이미지", "image"), "video": ("동영상", "video"), None: ("파일", "file")}


def _account_identification(request: NoticeRequest) -> tuple[str, str]:
    """Each account by address, handle and name as captured, and its avatar's hash."""
    person = request.person or "—"
    lines_ko = [f"{person}을(를) 사칭하는 계정 {len(request.targets)}개:"]
    lines_en = [f"Accounts impersonating {person}; {len(request.targets)} account(s):"]
    for number, target in enumerate(request.targets, 1):
        account = target.account or {}
        handle = str(account.get("handle") or "").lstrip("@")
        name = str(account.get("display_name") or "")
        seen = target.first_seen.strftime("%Y-%m-%d %H:%M UTC")
        named_ko = f"@{handle}" + (f" (표시 이름 “{name}”)" if name else "")
        named_en = f"@{handle}" + (f" (display name “{name}”)" if name else "")
        lines_ko.append(
            f"{number}. {target.url} — {named_ko}, 최초 확인 {seen}, "
            f"프로필 사진 SHA-256 {target.sha256}"
        )
        lines_en.append(
            f"{number}. {target.url} — {named_en}, first seen {seen}, "
            f"profile picture SHA-256 {target.sha256}"
        )
    return "\n".join(lines_ko), "\n".join(lines_en)


def _account_explanation(request: NoticeRequest) -> tuple[str, str]:
    """What the captured profiles show, reason by reason; nothing the record does not hold."""
    person_en = request.person or "the person named"
    person_ko = request.person or "해당 인물"
    review_ko, review_en = _review_sentence(request)
    en = [
        f"These accounts are not operated by {person_en} or their agency, but present "
        f"themselves as {person_en}. {review_en}What each captured profile shows:"
    ]
    ko = [
        f"이 계정들은 {person_ko} 본인이나 소속사가 운영하지 않지만 {person_ko}인 것처럼 "
        f"보입니다. {review_ko}수집한 각 프로필에서 확인된 내용:"
    ]
    for number, target in enumerate(request.targets, 1):
        reasons = [r for r in (target.account or {}).get("reasons") or [] if isinstance(r, dict)]
        shown = [r for r in reasons if r.get("code") not in ("fan_account", "fan_handle")]
        en.append(f"{number}. " + ("; ".join(str(r.get("en")) for r in shown) or "—"))
        ko.append(f"{number}. " + ("; ".join(str(r.get("ko")) for r in shown) or "—"))
    if request.explanation:
        en.append(f"Reviewer's explanation: {request.explanation.strip()}")
        ko.append(f"검토자 설명: {request.explanation.strip()}")
    return "\n".join(ko), "\n".join(en)


def _identification(request: NoticeRequest) -> tuple[str, str]:
    if request.category == "impersonation":
        return _account_identification(request)
    person = request.person or "—"
    category_ko, category_en = _CATEGORY.get(request.category, _CATEGORY["non_intimate"])
    lines_ko = [f"{person}을(를) 묘사한 {category_ko}, {len(request.targets)}건:"]
    lines_en = [f"{category_en} depicting {person}; {len(request.targets)} item(s):"]
    for number, target in enumerate(request.targets, 1):
        media_ko, media_en = _MEDIA.get(target.media_type, _MEDIA[None])
        seen = target.first_seen.strftime("%Y-%m-%d %H:%M UTC")
        stamp = (
            f", RFC 3161 {target.timestamped_at:%Y-%m-%d %H:%M} UTC"
            if target.timestamped_at
            else ""
        )
        lines_ko.append(
            f"{number}. {media_ko} — SHA-256 {target.sha256}, 최초 확인 {seen}{stamp}"
            + (f", PDQ {target.pdq}" if target.pdq else "")
        )
        lines_en.append(
            f"{number}. {media_en} — SHA-256 {target.sha256}, first seen {seen}{stamp}"
            + (f", PDQ {target.pdq}" if target.pdq else "")
        )
    return "\n".join(lines_ko), "\n".join(lines_en)


def _count(
    part: int, whole: int, each_en: str, some_en: str, ko_all: str, ko_some: str
) -> tuple[str, str]:
    """(Korean, English) for "each file ..." or "n of m files ...", as the record shows."""
    if part == whole:
        return ko_all, each_en
    return ko_some.format(n=part, m=whole), some_en.format(n=part, m=whole)


def _review_sentence(request: NoticeRequest) -> tuple[str, str]:
    """Who confirmed the content: only a reviewer decision in the items' history counts."""
    targets = request.targets
    reviewed = sum(1 for t in targets if t.reviewed)
    case = request.case_number
    org = request.sender.organisation
    if not targets or not reviewed:
        return "", ""
    if reviewed == len(targets):
        en_who = f"{org}'s reviewers" if org else "A reviewer"
        ko_who = f"{org} 검토자가" if org else "검토자가"
        return (
            f"{ko_who} 사건 {case}에서 이 콘텐츠를 확인했습니다. ",
            f"{en_who} confirmed it in case {case}. ",
        )
    n, m = reviewed, len(targets)
    return (
        f"{m}건 중 {n}건은 사건 {case}에서 검토자가 확인했습니다. ",
        f"A reviewer confirmed {n} of the {m} items in case {case}. ",
    )


def _preservation(request: NoticeRequest) -> tuple[str, str]:
    """How the files are preserved, sentence by sentence, from the evidence record.

    Nothing is claimed that the record does not show: a timestamp only where an
    RFC 3161 token was taken, a stored original only where the evidence store
    holds the file.
    """
    targets = request.targets
    if not targets:
        return "", ""
    whole = len(targets)
    ko = ["각 파일은 SHA-256 해시로 특정됩니다."]
    en = ["Each file is identified by its SHA-256 hash."]
    stored = sum(1 for t in targets if t.original_stored)
    if stored:
        pair = _count(
            stored,
            whole,
            "The original file is kept in the notifier's evidence store.",
            "The original file of {n} of the {m} items is kept in the notifier's evidence store.",
            "원본 파일은 신고인의 증거 보관소에 보존되어 있습니다.",
            "{m}건 중 {n}건의 원본 파일이 신고인의 증거 보관소에 보존되어 있습니다.",
        )
        ko.append(pair[0])
        en.append(pair[1])
    stamped = sum(1 for t in targets if t.timestamped_at is not None)
    if stamped:
        pair = _count(
            stamped,
            whole,
            "Each file's evidence record carries an RFC 3161 timestamp.",
            "The evidence records of {n} of the {m} items carry an RFC 3161 timestamp.",
            "각 파일의 증거 기록에는 RFC 3161 타임스탬프가 있습니다.",
            "{m}건 중 {n}건의 증거 기록에 RFC 3161 타임스탬프가 있습니다.",
        )
        ko.append(pair[0])
        en.append(pair[1])
    return " ".join(ko) + " ", " ".join(en) + " "


def _on_request(request: NoticeRequest) -> tuple[str, str]:
    """What evidence can be provided on request: only what the record holds."""
    targets = request.targets
    ko = ["파일의 SHA-256 해시", "보관 이력 기록"]
    en = ["the files' SHA-256 hashes", "the chain-of-custody log"]
    if any(t.original_stored for t in targets):
        ko.insert(1, "원본 파일")
        en.insert(1, "the original files")
    if any(t.timestamped_at is not None for t in targets):
        ko.insert(1, "RFC 3161 타임스탬프")
        en.insert(1, "RFC 3161 timestamps")
    return ", ".join(ko), ", ".join(en[:-1]) + " and " + en[-1]


def _explanation(request: NoticeRequest) -> tuple[str, str]:
    if request.category == "impersonation":
        return _account_explanation(request)
    person_en = request.person or "the person depicted"
    person_ko = request.person or "피해자"
    intimate = request.category == "intimate"
    review_ko, review_en = _review_sentence(request)
    kept_ko, kept_en = _preservation(request)
    en = (
        f"The content at the URLs below is a {'sexually explicit ' if intimate else ''}"
        f"digital forgery (deepfake) depicting {person_en}, made and published without their "
        f"consent. {review_en}{kept_en}"
    )
    ko = (
        f"아래 URL의 콘텐츠는 {person_ko}을(를) 동의 없이 묘사한 "
        f"{'성적 ' if intimate else ''}허위 영상물(딥페이크)입니다. {review_ko}{kept_ko}"
    )
    if intimate:
        en += (
            "Producing or manipulating such material and making it accessible is a criminal "
            "offence under Directive (EU) 2024/1385, Art. 5, and processes the depicted "
            "person's personal data without a lawful basis (GDPR Art. 6 and 9)."
        )
        ko += (
            "이러한 자료를 제작·조작해 공개하는 행위는 EU 지침 2024/1385 제5조의 범죄이며, 정당한 "
            "근거 없이 피해자의 개인정보를 처리하는 것입니다(GDPR 제6조·제9조)."
        )
    else:
        en += (
            "It misrepresents the depicted person and processes their personal data without a "
            "lawful basis (GDPR Art. 6)."
        )
        ko += (
            "이는 피해자를 허위로 표현하며 정당한 근거 없이 개인정보를 "
            "처리하는 것입니다(GDPR 제6조)."
        )
    if request.explanation:
        en += f"\nReviewer's explanation: {request.explanation.strip()}"
        ko += f"\n검토자 설명: {request.explanation.strip()}"
    return ko, en


def _contact(sender: Sender) -> str:
    parts = [
        sender.name,
        sender.title,
        sender.organisation,
        sender.email,
        sender.phone,
        sender.address,
    ]
    return "\n".join(p for p in parts if p)


def _requester(sender: Sender) -> tuple[str, str]:
    ko, en = _REQUESTER.get(sender.requester_type, ("", ""))
    if sender.requester_type == "designated_org":
        if not sender.designation:
            return "", ""
        ko, en = f"{ko} ({sender.designation})", f"{en} ({sender.designation})"
    return ko, en


def fill_fields(request: NoticeRequest) -> tuple[dict[str, tuple[str, str]], list[FieldSpec]]:
    """Every field as (Korean, English) text, and the required ones that came out empty."""
    regime = get_regime(request.regime)
    sender = request.sender
    signer = ", ".join(p for p in (sender.name, sender.title, sender.organisation) if p)
    overrides = {key: text.strip() for key, text in request.overrides.items()}
    person = overrides.get("depicted_person") or request.person or ""
    if person != (request.person or ""):
        request = replace(request, person=person)
    urls = "\n".join(t.url for t in request.targets if is_web_url(t.url))
    category = _CATEGORY.get(request.category, _CATEGORY["non_intimate"])
    contact = _contact(sender) if (sender.email or sender.phone) else ""

    def same(text: str) -> tuple[str, str]:
        return text, text

    values: dict[str, tuple[str, str]] = {
        "signature": same(sender.signature),
        "signer_name": same(signer if sender.name else ""),
        "depicted_person": same(person),
        "identification": _identification(request) if request.targets else same(""),
        "location": same(urls),
        "contact": same(contact),
        "contact_email": same(sender.email),
        "contact_address": same(sender.address),
        "contact_phone": same(sender.phone),
        "copyrighted_work": same((request.copyrighted_work or "").strip()),
        "explanation": _explanation(request),
        "requester_type": _requester(sender),
        "designation": same(sender.designation),
        "category": category,
        "date": same(request.date.strftime("%Y-%m-%d")),
    }
    values.update(regime.statements(person, signer))
    for key, text in overrides.items():
        if key not in FIELDS:
            raise ValueError(
                f"unknown notice field {key!r}; fields of "
                f"{regime.key}: {', '.join(regime.required)}"
            )
        values[key] = same(text)
    missing = [FIELDS[key] for key in regime.required if not values.get(key, ("", ""))[1]]
    if any(spec.key == "depicted_person" for spec in missing):
        # The statements name the person: they are missing because the person is.
        missing = [spec for spec in missing if not spec.key.endswith("_statement")]
    if sender.requester_type == "designated_org" and not sender.designation:
        # The standing is known; what is missing is the organisation's designation.
        missing = [FIELDS["designation"] if s.key == "requester_type" else s for s in missing]
    return values, missing


def compose(request: NoticeRequest) -> ComposedNotice:
    """Fill, check and render the notice; raises ``MissingFieldsError`` listing every gap."""
    regime = get_regime(request.regime)
    person = request.overrides.get("depicted_person", "").strip()
    if person:
        request = replace(request, person=person)
    values, missing = fill_fields(request)
    if missing:
        raise MissingFieldsError(regime, missing)
    languages = [lang for lang in LANGUAGES if lang in request.language.split("+")] or ["en"]
    sections = [_render(regime, request, values, lang) for lang in languages]
    count = len(request.targets)
    subject = f"[{request.number}] {regime.name_ko} / {regime.name_en} — {count} URL" + (
        "s" if count != 1 else ""
    )
    if request.follow_up_of:
        subject += f" (re-upload, follows {request.follow_up_of})"
    divider = f"\n\n{DIVIDER}\n\n"
    return ComposedNotice(
        regime=regime.key,
        fields={key: values[key][1] for key in regime.required},
        subject=subject,
        body=divider.join(sections) + "\n",
    )


_FOLLOW_UP = (
    "이 콘텐츠는 앞서 통지 {previous}로 신고한 콘텐츠의 재업로드입니다.",
    "This content is a re-upload of content reported in notice {previous}.",
)
_FOOTER = (
    "참조 번호: {number} (사건 {case}). 이 통지는 IdolGuard로 작성되었으며, 요청 시 다음 "
    "자료를 제공할 수 있습니다: {evidence}.",
    "Reference: {number} (case {case}). Prepared with IdolGuard; {evidence} can be provided "
    "on request.",
)


def _render(
    regime: Regime, request: NoticeRequest, values: dict[str, tuple[str, str]], lang: str
) -> str:
    index = 0 if lang == "ko" else 1
    person = request.person or ("피해자" if lang == "ko" else "the person depicted")
    parts = [regime.intro[index].format(platform=request.platform, person=person)]
    if request.follow_up_of:
        parts.append(_FOLLOW_UP[index].format(previous=request.follow_up_of))
    for number, spec in enumerate(regime.fields(), 1):
        label = spec.label_ko if lang == "ko" else spec.label_en
        parts.append(f"{number}. {label}\n{values[spec.key][index]}")
    evidence = _on_request(request)[index]
    parts.append(regime.closing[index].format(evidence=evidence))
    if lang == "ko" and regime.victim_route_ko:
        parts.append(regime.victim_route_ko)
    elif lang == "en" and regime.victim_route_en:
        parts.append(regime.victim_route_en)
    parts.append(
        _FOOTER[index].format(number=request.number, case=request.case_number, evidence=evidence)
    )
    return "\n\n".join(parts)
