"""Composing takedown notices: every regime's required fields, statutory wording and renderings.

A notice that lacks a field its regime requires is legally void, so most of these tests
check that each field is filled from where it should come from, and that blanking that
source makes ``compose`` refuse with the field's key and how to supply it.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from idolguard.notices.compose import (
    ComposedNotice,
    MissingFieldsError,
    NoticeRequest,
    Sender,
    Target,
    compose,
    fill_fields,
)
from idolguard.notices.pdf import render_notice_pdf
from idolguard.notices.regimes import (
    FIELDS,
    REGIME_KEYS,
    REGIMES,
    RegimeError,
    get_regime,
    suggest_regimes,
    unsuitable_reason,
)

DATE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
NUMBER = "IG-2026-0007-N03"
CASE = "IG-2026-0007"
PERSON = "Hana Park"
URL = "https://video.example.net/watch?v=deepfake01"
URL_2 = "https://img.example.org/p/4711.jpg"
SHA_1 = "a1" * 32
SHA_2 = "b2" * 32
DIVIDER = "─" * 60
HANGUL = re.compile(r"[가-힣]")

# A fragment of each regime's opening sentence, per language.
INTRO_KO = {
    "take_it_down": "TAKE IT DOWN 법 제3조에 따라",
    "dmca": "17 U.S.C. §512(c)(3)에 따라",
    "dsa": "디지털서비스법(EU 2022/2065) 제16조에 따라",
    "kr_tba": "「전기통신사업법」 제22조의5 제1항",
    "kcsc": "방송통신심의위원회 귀중",
    "impersonation": "귀사의 사칭 정책에 따라 신고합니다",
}
INTRO_EN = {
    "take_it_down": "Under Section 3 of the TAKE IT DOWN Act, I request the removal",
    "dmca": "Pursuant to 17 U.S.C. §512(c)(3), I request",
    "dsa": "Under Article 16 of the Digital Services Act",
    "kr_tba": "Under Art. 22-5(1) of the Korean Telecommunications Business Act",
    "kcsc": "To the Korea Communications Standards Commission",
    "impersonation": "I report the accounts below under your impersonation policy",
}
# Statements IdolGuard writes itself, or values it derives from the case: no setting feeds them.
GENERATED = frozenset(
    {
        "good_faith_statement",
        "accuracy_statement",
        "bona_fide_statement",
        "against_will_statement",
        "category",
        "date",
        "identification",
        "explanation",
    }
)
# The statements that name the depicted person, so cannot be written without one.
PERSON_STATEMENTS = {
    "take_it_down": {"good_faith_statement"},
    "kr_tba": {"against_will_statement"},
    "kcsc": {"against_will_statement"},
    "impersonation": {"good_faith_statement"},
}


# --------------------------------------------------------------------------- factories


def make_sender(**changes: str) -> Sender:
    sender = Sender(
        name="Kim Minji",
        title="Legal counsel",
        organisation="Starlight Entertainment",
        email="legal@starlight.example",
        phone="+82 2 555 0100",
        address="1 Gangnam-daero, Seoul",
        signature="/s/ Kim Minji",
    )
    return replace(sender, **changes)


def make_target(
    url: str = URL, sha256: str = SHA_1, item_id: int = 11, **changes: object
) -> Target:
    target = Target(
        item_id=item_id,
        url=url,
        sha256=sha256,
        media_type="video",
        first_seen=datetime(2026, 2, 27, 22, 5, tzinfo=UTC),
    )
    return replace(target, **changes)


def make_request(regime: str = "kr_tba", **changes: object) -> NoticeRequest:
    request = NoticeRequest(
        regime=regime,
        number=NUMBER,
        case_number=CASE,
        platform="VideoHost",
        category="intimate",
        person=PERSON,
        targets=(make_target(),),
        sender=make_sender(),
        date=DATE,
        copyrighted_work="Official teaser photo, Starlight Entertainment 2025",
    )
    return replace(request, **changes)


def with_sender(request: NoticeRequest, **changes: str) -> NoticeRequest:
    return replace(request, sender=replace(request.sender, **changes))


def sections(notice: ComposedNotice) -> list[str]:
    return notice.body.split("\n\n" + DIVIDER + "\n\n")


def missing_keys(request: NoticeRequest) -> set[str]:
    with pytest.raises(MissingFieldsError) as caught:
        compose(request)
    return {spec.key for spec in caught.value.missing}


def pdf_text(data: bytes) -> list[str]:
    """Each page's text, whitespace runs collapsed (justified lines extract with double spaces)."""
    return [
        re.sub(r"[ \t]+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages
    ]


# --------------------------------------------------------------------------- complete notices


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_complete_request_composes_every_required_field(regime_key: str) -> None:
    regime = get_regime(regime_key)
    notice = compose(make_request(regime_key))

    assert notice.regime == regime_key
    assert list(notice.fields) == list(regime.required)
    assert all(value.strip() for value in notice.fields.values()), notice.fields
    assert regime.name_ko in notice.subject and regime.name_en in notice.subject
    assert notice.subject.startswith(f"[{NUMBER}] ")
    assert notice.subject.endswith("— 1 URL")
    assert notice.body.endswith("\n")


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_body_is_korean_then_english_with_the_facts_in_both(regime_key: str) -> None:
    regime = get_regime(regime_key)
    notice = compose(make_request(regime_key))
    korean, english = sections(notice)  # exactly one divider

    assert INTRO_KO[regime_key] in korean and INTRO_EN[regime_key] not in korean
    assert INTRO_EN[regime_key] in english and INTRO_KO[regime_key] not in english
    assert f"참조 번호: {NUMBER} (사건 {CASE})" in korean
    assert f"Reference: {NUMBER} (case {CASE})" in english
    for section in (korean, english):
        assert URL in section
        assert PERSON in section
        assert NUMBER in section and CASE in section
    # The fields are numbered in the regime's order, with each language's labels.
    for section, label in ((korean, "label_ko"), (english, "label_en")):
        positions = [
            section.index(f"{n}. {getattr(spec, label)}\n")
            for n, spec in enumerate(regime.fields(), 1)
        ]
        assert positions == sorted(positions)


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_english_only_notice_has_no_korean_section(regime_key: str) -> None:
    notice = compose(make_request(regime_key, language="en"))

    assert DIVIDER not in notice.body
    assert INTRO_EN[regime_key] in notice.body
    assert INTRO_KO[regime_key] not in notice.body
    assert URL in notice.body and NUMBER in notice.body
    # The only Hangul left is the Korean victim centre's own name, given next to its English one
    # so that a victim can find it.
    hangul_words = set(re.findall(r"[가-힣]+", notice.body))
    allowed = {"디지털성범죄피해자지원센터"} if get_regime(regime_key).victim_route_en else set()
    assert hangul_words == allowed
    if not allowed:
        assert not HANGUL.search(notice.body)


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_korean_only_notice_has_no_english_section(regime_key: str) -> None:
    notice = compose(make_request(regime_key, language="ko"))

    assert DIVIDER not in notice.body
    assert INTRO_KO[regime_key] in notice.body
    assert INTRO_EN[regime_key] not in notice.body
    assert "Reference:" not in notice.body
    assert all(spec.label_en not in notice.body for spec in get_regime(regime_key).fields())
    assert URL in notice.body and NUMBER in notice.body


def test_subject_counts_urls_and_body_lists_each_target() -> None:
    targets = (make_target(), make_target(URL_2, SHA_2, item_id=12, media_type="image"))
    notice = compose(make_request("take_it_down", targets=targets))

    assert notice.subject.endswith("— 2 URLs")
    assert notice.fields["location"] == f"{URL}\n{URL_2}"
    korean, english = sections(notice)
    for section in (korean, english):
        assert SHA_1 in section and SHA_2 in section
    assert "2 item(s)" in english and "2건" in korean
    assert "1. video — SHA-256 " + SHA_1 in english
    assert "2. image — SHA-256 " + SHA_2 in english
    assert "2. 이미지 — SHA-256 " + SHA_2 in korean


def test_local_paths_are_left_out_of_location_but_http_urls_kept() -> None:
    targets = (make_target("/local/file.jpg"), make_target(URL_2, SHA_2, item_id=12))
    notice = compose(make_request("dsa", targets=targets))

    assert notice.fields["location"] == URL_2
    assert "/local/file.jpg" not in notice.body


@pytest.mark.parametrize(
    ("requester_type", "designation", "english"),
    [
        ("victim", "", "the person depicted"),
        ("representative", "", "authorised representative of the person depicted"),
        (
            "designated_org",
            "Digital Sex Crime Victim Support Center (designation 2024-3)",
            "designated organisation acting for the person depicted "
            "(Digital Sex Crime Victim Support Center (designation 2024-3))",
        ),
    ],
)
def test_requester_type_wording(requester_type: str, designation: str, english: str) -> None:
    request = with_sender(
        make_request("kr_tba"), requester_type=requester_type, designation=designation
    )
    notice = compose(request)

    assert notice.fields["requester_type"] == english


def test_contact_needs_only_one_of_email_or_phone() -> None:
    for changes in ({"email": ""}, {"phone": ""}):
        notice = compose(with_sender(make_request("take_it_down"), **changes))
        kept = "+82 2 555 0100" if "email" in changes else "legal@starlight.example"
        assert kept in notice.fields["contact"]


# --------------------------------------------------------------------------- missing fields

Blank = Callable[[NoticeRequest], NoticeRequest]
# How to take away, in the sender's settings or the request, exactly what feeds each field.
BLANKERS: dict[str, Blank] = {
    "signature": lambda r: with_sender(r, signature=""),
    "signer_name": lambda r: with_sender(r, name=""),
    "contact": lambda r: with_sender(r, email="", phone=""),
    "contact_email": lambda r: with_sender(r, email=""),
    "contact_address": lambda r: with_sender(r, address=""),
    "contact_phone": lambda r: with_sender(r, phone=""),
    "copyrighted_work": lambda r: replace(r, copyrighted_work=None),
    "depicted_person": lambda r: replace(r, person=None),
    "location": lambda r: replace(r, targets=(make_target("/local/file.jpg"),)),
    "requester_type": lambda r: with_sender(r, requester_type="designated_org", designation=""),
}
MISSING_CASES = [
    pytest.param(regime.key, key, id=f"{regime.key}-{key}")
    for regime in REGIMES.values()
    for key in regime.required
    if key in BLANKERS
]


def test_every_required_field_is_either_configured_or_generated() -> None:
    for regime in REGIMES.values():
        unknown = set(regime.required) - set(BLANKERS) - GENERATED
        assert not unknown, f"{regime.key}: no missing-field test for {unknown}"
        assert set(regime.required) <= set(FIELDS)


@pytest.mark.parametrize(("regime_key", "key"), MISSING_CASES)
def test_blank_source_makes_its_field_missing(regime_key: str, key: str) -> None:
    regime = get_regime(regime_key)
    request = BLANKERS[key](make_request(regime_key))

    with pytest.raises(MissingFieldsError) as caught:
        compose(request)

    missing = {spec.key for spec in caught.value.missing}
    # A designated organisation without its designation is told to set the designation.
    reported = "designation" if key == "requester_type" else key
    assert reported in missing
    # Nothing else goes missing, except the statements that must name the depicted person.
    tolerated = PERSON_STATEMENTS.get(regime_key, set()) if key == "depicted_person" else set()
    assert missing - {reported} <= tolerated
    assert caught.value.regime is regime
    message = str(caught.value)
    assert regime.name_en in message
    assert f"{reported}: {FIELDS[reported].label_en}" in message
    assert FIELDS[reported].hint in message
    # fill_fields reports the same gap without raising.
    _values, gaps = fill_fields(request)
    assert reported in {spec.key for spec in gaps}


@pytest.mark.parametrize("regime_key", sorted(PERSON_STATEMENTS))
def test_without_a_person_the_statements_naming_them_are_not_written(regime_key: str) -> None:
    values, gaps = fill_fields(make_request(regime_key, person=None))

    assert "depicted_person" in {spec.key for spec in gaps}
    for key in PERSON_STATEMENTS[regime_key]:
        assert values[key] == ("", ""), f"{key} written without a person"


@pytest.mark.parametrize("regime_key", sorted(PERSON_STATEMENTS))
def test_depicted_person_given_by_field_override_completes_the_notice(regime_key: str) -> None:
    # The hint for a missing depicted_person says "--field depicted_person=..." works.
    request = make_request(regime_key, person=None, overrides={"depicted_person": " Hana Park "})
    notice = compose(request)

    assert notice.fields["depicted_person"] == PERSON
    for key in PERSON_STATEMENTS[regime_key]:
        assert PERSON in notice.fields[key]
    assert f"depicting {PERSON}" in notice.fields["identification"]


def test_missing_fields_are_all_reported_at_once() -> None:
    request = make_request(
        "take_it_down",
        sender=Sender(),
        person=None,
        targets=(make_target("file:///tmp/x.jpg"),),
    )
    missing = missing_keys(request)

    assert {"signature", "signer_name", "depicted_person", "location", "contact"} <= missing
    assert missing <= set(get_regime("take_it_down").required)


def test_no_targets_leaves_location_and_identification_missing() -> None:
    assert {"location", "identification"} <= missing_keys(make_request("kcsc", targets=()))


def test_unknown_requester_type_is_missing() -> None:
    request = with_sender(make_request("kr_tba"), requester_type="friend")
    assert missing_keys(request) == {"requester_type"}


def test_whitespace_only_copyrighted_work_is_missing() -> None:
    assert missing_keys(make_request("dmca", copyrighted_work="   ")) == {"copyrighted_work"}


# --------------------------------------------------------------------------- statutory wording


def test_dmca_wording() -> None:
    notice = compose(make_request("dmca"))
    _korean, english = sections(notice)

    assert "under penalty of perjury" in english
    assert (
        "good faith belief that use of the material in the manner complained of is not "
        "authorized by the copyright owner, its agent, or the law"
    ) in english
    assert "under penalty of perjury" in notice.fields["accuracy_statement"]
    assert "Official teaser photo" in notice.fields["copyrighted_work"]


def test_take_it_down_wording() -> None:
    notice = compose(make_request("take_it_down"))
    korean, english = sections(notice)

    assert "48 hours" in english and "48시간" in korean
    assert "known identical copies" in english
    assert "good faith belief" in notice.fields["good_faith_statement"]
    assert PERSON in notice.fields["good_faith_statement"]


def test_dsa_wording() -> None:
    notice = compose(make_request("dsa", targets=(make_target(reviewed=True),)))

    assert "accurate and complete" in notice.fields["bona_fide_statement"]
    assert "I, Kim Minji, Legal counsel, Starlight Entertainment," in notice.body
    assert "Directive (EU) 2024/1385" in notice.fields["explanation"]
    assert CASE in notice.fields["explanation"]


def test_dsa_explanation_follows_category_and_adds_reviewer_reasoning() -> None:
    notice = compose(
        make_request(
            "dsa", category="non_intimate", explanation="  Fake endorsement of a crypto scam. "
        )
    )
    korean, english = sections(notice)

    assert "sexually explicit" not in notice.fields["explanation"]
    assert "Directive (EU) 2024/1385" not in notice.fields["explanation"]
    assert "Reviewer's explanation: Fake endorsement of a crypto scam." in english
    assert "검토자 설명: Fake endorsement of a crypto scam." in korean


def test_kr_tba_wording() -> None:
    notice = compose(make_request("kr_tba"))
    korean, english = sections(notice)

    assert "전기통신사업법" in korean and "제22조의5" in korean
    assert "허위영상물" in notice.body
    assert "디지털성범죄피해자지원센터" in korean and "02-735-8994" in korean
    assert "Digital Sex Crime Victim Support Center" in english
    assert "제14조의2" in korean and "Art. 14-2" in english
    assert notice.fields["date"] == "2026-03-01"


def test_kcsc_wording() -> None:
    notice = compose(make_request("kcsc"))
    korean, english = sections(notice)

    assert "방송통신심의위원회" in korean
    assert "Korea Communications Standards Commission" in english
    assert "디지털성범죄피해자지원센터" in korean


def test_category_wording_depends_on_intimacy() -> None:
    intimate = compose(make_request("dsa")).body
    other = compose(make_request("dsa", category="non_intimate")).body

    assert "sexually explicit digital forgery" in intimate
    assert "sexually explicit" not in other


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    "regime_key", [key for key in REGIME_KEYS if "identification" in REGIMES[key].required]
)
def test_override_replaces_a_generated_field(regime_key: str) -> None:
    text = "The deepfake video titled 'Hana leaked' and its thumbnail"
    notice = compose(make_request(regime_key, overrides={"identification": f"  {text}\n"}))

    assert notice.fields["identification"] == text
    korean, english = sections(notice)
    assert text in korean and text in english
    assert SHA_1 not in notice.body  # the generated identification is gone


def test_override_with_blank_text_makes_the_field_missing() -> None:
    request = make_request("dmca", overrides={"signature": "   "})
    assert missing_keys(request) == {"signature"}


def test_unknown_override_key_names_the_regime_fields() -> None:
    with pytest.raises(ValueError, match="signatur") as caught:
        compose(make_request("dmca", overrides={"signatur": "/s/ Kim"}))

    assert not isinstance(caught.value, MissingFieldsError)
    message = str(caught.value)
    assert "'signatur'" in message
    assert ", ".join(get_regime("dmca").required) in message


# --------------------------------------------------------------------------- follow-ups


def test_follow_up_is_named_in_subject_and_both_sections() -> None:
    previous = "IG-2026-0007-N01"
    notice = compose(make_request("take_it_down", follow_up_of=previous))
    korean, english = sections(notice)

    assert f"(re-upload, follows {previous})" in notice.subject
    assert f"앞서 통지 {previous}" in korean
    assert f"re-upload of content reported in notice {previous}" in english


def test_no_follow_up_wording_on_a_first_notice() -> None:
    notice = compose(make_request("take_it_down"))

    assert "re-upload" not in notice.subject
    assert "re-upload" not in notice.body and "재업로드" not in notice.body


# --------------------------------------------------------------------------- regimes


def test_intimate_only_regimes_refuse_non_intimate_content() -> None:
    for regime in REGIMES.values():
        reason = unsuitable_reason(regime, category="non_intimate", owns_copyright=True)
        if regime.intimate_only:
            assert reason is not None and "intimate" in reason
            assert regime.name_en in reason
        elif regime.accounts_only:  # reports accounts, never depictions
            assert reason is not None and "accounts only" in reason
            assert unsuitable_reason(regime, category="impersonation", owns_copyright=True) is None
        else:
            assert reason is None, regime.key
            assert unsuitable_reason(regime, category="impersonation", owns_copyright=True)
    assert {r.key for r in REGIMES.values() if r.intimate_only} == {
        "take_it_down",
        "kr_tba",
        "kcsc",
    }


def test_dmca_needs_copyright() -> None:
    dmca = get_regime("dmca")
    for category in ("intimate", "non_intimate"):
        reason = unsuitable_reason(dmca, category=category, owns_copyright=False)
        assert reason is not None and "--owns-copyright" in reason
        assert unsuitable_reason(dmca, category=category, owns_copyright=True) is None


def test_dsa_fits_any_content() -> None:
    dsa = get_regime("dsa")
    for category in ("intimate", "non_intimate"):
        for owns in (True, False):
            assert unsuitable_reason(dsa, category=category, owns_copyright=owns) is None


def test_intimate_regimes_accept_intimate_content_without_copyright() -> None:
    for key in ("take_it_down", "kr_tba", "kcsc"):
        assert unsuitable_reason(REGIMES[key], category="intimate", owns_copyright=False) is None


def test_suggest_puts_korean_law_first_on_korean_platforms() -> None:
    suggested = suggest_regimes(REGIME_KEYS, category="intimate", owns_copyright=False, korean=True)
    assert suggested == ["kr_tba", "take_it_down", "dsa"]


def test_suggest_puts_take_it_down_first_elsewhere() -> None:
    suggested = suggest_regimes(REGIME_KEYS, category="intimate", owns_copyright=True, korean=False)
    assert suggested == ["take_it_down", "kr_tba", "dsa", "dmca"]


@pytest.mark.parametrize("korean", [True, False])
def test_suggest_non_intimate_gives_only_general_regimes(korean: bool) -> None:
    without = suggest_regimes(
        REGIME_KEYS, category="non_intimate", owns_copyright=False, korean=korean
    )
    with_copyright = suggest_regimes(
        REGIME_KEYS, category="non_intimate", owns_copyright=True, korean=korean
    )
    assert without == ["dsa"]
    assert with_copyright == ["dsa", "dmca"]


@pytest.mark.parametrize("korean", [True, False])
@pytest.mark.parametrize("category", ["intimate", "non_intimate"])
def test_suggest_only_offers_regimes_the_platform_takes(korean: bool, category: str) -> None:
    for offered in (("dmca",), ("dsa", "dmca"), ("take_it_down",), ("kr_tba", "kcsc"), ()):
        suggested = suggest_regimes(offered, category=category, owns_copyright=True, korean=korean)
        assert set(suggested) <= set(offered)
    assert suggest_regimes(("dmca",), category=category, owns_copyright=True, korean=korean) == [
        "dmca"
    ]
    assert suggest_regimes(("dmca",), category=category, owns_copyright=False, korean=korean) == []


def test_unknown_regime_lists_the_known_ones() -> None:
    with pytest.raises(RegimeError) as caught:
        get_regime("nope")

    assert isinstance(caught.value, ValueError)
    assert "'nope'" in str(caught.value)
    for key in REGIME_KEYS:
        assert key in str(caught.value)
    with pytest.raises(RegimeError):
        compose(make_request("nope"))


def test_regime_table_is_consistent() -> None:
    assert tuple(REGIMES) == REGIME_KEYS
    for key, regime in REGIMES.items():
        assert regime.key == key
        assert [spec.key for spec in regime.fields()] == list(regime.required)
        assert len(set(regime.required)) == len(regime.required)
        assert HANGUL.search(regime.name_ko) and HANGUL.search(regime.use_when_ko)
        assert regime.escalation_en and len(regime.escalation_en) == len(regime.escalation_ko)
    assert get_regime("take_it_down").statutory_deadline_hours == 48


# --------------------------------------------------------------------------- package


def test_package_is_json_with_urls_items_and_bilingual_fields() -> None:
    stamped = DATE - timedelta(hours=2)
    targets = (
        make_target(manifest_sha256="c3" * 32, timestamped_at=stamped, pdq="f" * 64),
        make_target(URL_2, SHA_2, item_id=12, media_type=None),
    )
    request = make_request("dmca", targets=targets, follow_up_of="IG-2026-0007-N01")
    notice = compose(request)
    package = notice.package(request)

    assert json.loads(json.dumps(package, ensure_ascii=False)) == package
    assert package["format"] == "idolguard-notice/1"
    assert package["number"] == NUMBER and package["case"] == CASE
    assert package["regime"] == "dmca"
    assert package["regime_name"] == {"en": REGIMES["dmca"].name_en, "ko": REGIMES["dmca"].name_ko}
    assert package["law"] == "17 U.S.C. §512(c)(3)(A)"
    assert package["date"] == "2026-03-01T09:30:00.000000Z"
    assert package["follow_up_of"] == "IG-2026-0007-N01"
    assert package["urls"] == [URL, URL_2]
    first, second = package["items"]
    assert (first["item"], first["url"], first["sha256"]) == (11, URL, SHA_1)
    assert first["evidence_manifest_sha256"] == "c3" * 32
    assert first["pdq"] == "f" * 64
    assert first["timestamped_at"] == "2026-03-01T07:30:00.000000Z"
    assert first["first_seen"] == "2026-02-27T22:05:00.000000Z"
    assert (second["item"], second["sha256"], second["timestamped_at"]) == (12, SHA_2, None)
    assert [f["key"] for f in package["fields"]] == list(REGIMES["dmca"].required)
    for entry in package["fields"]:
        spec = FIELDS[entry["key"]]
        assert entry["label_en"] == spec.label_en and not HANGUL.search(entry["label_en"])
        assert entry["label_ko"] == spec.label_ko and HANGUL.search(entry["label_ko"])
        assert entry["value"] == notice.fields[entry["key"]]
    assert package["subject"] == notice.subject and package["body"] == notice.body


def test_package_date_is_utc_from_any_offset() -> None:
    seoul = timezone(timedelta(hours=9))
    request = make_request("kcsc", date=datetime(2026, 3, 1, 18, 30, tzinfo=seoul))
    assert compose(request).package(request)["date"] == "2026-03-01T09:30:00.000000Z"


# --------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def kr_notice() -> ComposedNotice:
    return compose(make_request("kr_tba"))


@pytest.fixture(scope="module")
def kr_pdf(kr_notice: ComposedNotice) -> bytes:
    return render_notice_pdf(NUMBER, kr_notice.subject, kr_notice.body, DATE)


def test_pdf_is_deterministic(kr_notice: ComposedNotice, kr_pdf: bytes) -> None:
    assert kr_pdf.startswith(b"%PDF-")
    assert render_notice_pdf(NUMBER, kr_notice.subject, kr_notice.body, DATE) == kr_pdf
    # A naive date is taken as UTC.
    naive = DATE.replace(tzinfo=None)
    assert render_notice_pdf(NUMBER, kr_notice.subject, kr_notice.body, naive) == kr_pdf
    reader = PdfReader(io.BytesIO(kr_pdf))
    assert reader.metadata is not None
    assert reader.metadata.creation_date == DATE
    assert reader.metadata.title == kr_notice.subject


def test_pdf_carries_the_notice_text(kr_notice: ComposedNotice, kr_pdf: bytes) -> None:
    pages = pdf_text(kr_pdf)
    text = "\n".join(pages)

    assert NUMBER in text and CASE in text
    assert URL in text
    assert "허위영상물" in text and "전기통신사업법" in text
    assert "Reference:" in text and PERSON in text
    for number, page in enumerate(pages, 1):
        assert f"{NUMBER} · {number}" in page  # the footer


def test_pdf_survives_hostile_text_and_long_bodies(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    lines = [f"line {n} 😀 ctl\x00\x07 \u202eevil\u202c 허위 \ufeff" for n in range(5000)]
    lines[10] = "x" * 4000  # one unbreakable token
    subject = "[N] subject \x00 with 😀 and \u202eoverride"
    started = time.monotonic()
    data = render_notice_pdf("N-1", subject, "\n".join(lines), DATE)
    elapsed = time.monotonic() - started

    assert elapsed < 20, f"rendering took {elapsed:.1f}s"
    assert data.startswith(b"%PDF-")
    pages = pdf_text(data)
    assert len(pages) > 50
    text = "\n".join(pages)
    assert "line 0 " in text and "line 4999 " in text
    assert "evil" in text and "허위" in text
    for dropped in ("\x00", "\x07", "\u202e", "😀", "\ufeff"):
        assert dropped not in text
    # What the font cannot draw is left out before fpdf2 sees it, not drawn as empty boxes.
    assert not [r for r in caplog.records if r.name.startswith("fpdf")], caplog.text


def test_long_notice_runs_over_several_pages() -> None:
    targets = tuple(
        make_target(f"https://video.example.net/watch?v=copy{n:03d}", f"{n:064x}", item_id=n)
        for n in range(60)
    )
    notice = compose(make_request("take_it_down", targets=targets))
    data = render_notice_pdf(NUMBER, notice.subject, notice.body, DATE)
    pages = pdf_text(data)

    assert len(pages) >= 3
    assert "TAKE IT DOWN 법 제3조에 따라" in pages[0]
    assert "Reference:" in pages[-1]
    text = "\n".join(pages)
    assert "watch?v=copy000" in text and "watch?v=copy059" in text


# ---------------------------------------------- claims come from the record (issue 17, 5)
STAMP = datetime(2026, 2, 28, 1, 2, tzinfo=UTC)


def _bare(regime_key: str, **sender: str) -> NoticeRequest:
    """A notice whose record holds hashes only: no TSA token, no stored original, no review."""
    return with_sender(make_request(regime_key, targets=(make_target(),)), **sender)


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_without_a_timestamp_or_original_the_notice_claims_neither(regime_key: str) -> None:
    korean, english = sections(compose(_bare(regime_key)))

    for text in (korean, english):
        assert "RFC 3161" not in text
        assert "타임스탬프" not in text and "timestamp" not in text.lower()
        assert "원본 파일" not in text and "original file" not in text
        assert "검토자가" not in text and "reviewers confirmed" not in text
    assert "SHA-256" in korean and "SHA-256" in english  # the hash is always in the record
    assert "the files' SHA-256 hashes and the chain-of-custody log" in english


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_a_timestamp_a_stored_original_and_a_review_are_stated_in_each_language(
    regime_key: str,
) -> None:
    target = make_target(timestamped_at=STAMP, original_stored=True, reviewed=True)
    korean, english = sections(compose(make_request(regime_key, targets=(target,))))

    if "identification" in REGIMES[regime_key].required:
        assert "RFC 3161 2026-02-28 01:02 UTC" in korean
        assert "RFC 3161 2026-02-28 01:02 UTC" in english
    assert "RFC 3161 timestamps" in english and "RFC 3161 타임스탬프" in korean
    assert "the original files" in english and "원본 파일" in korean


def test_the_explanation_states_exactly_what_the_record_shows() -> None:
    full = make_target(timestamped_at=STAMP, original_stored=True, reviewed=True)
    fields = fill_fields(make_request("dsa", targets=(full,)))[0]
    ko, en = fields["explanation"]
    assert "Starlight Entertainment's reviewers confirmed it in case IG-2026-0007." in en
    assert "Starlight Entertainment 검토자가 사건 IG-2026-0007에서" in ko
    assert "The original file is kept in the notifier's evidence store." in en
    assert "Each file's evidence record carries an RFC 3161 timestamp." in en
    assert "원본 파일은 신고인의 증거 보관소에" in ko and "RFC 3161 타임스탬프가 있습니다" in ko

    half = (full, make_target(URL_2, SHA_2, item_id=12))
    ko, en = fill_fields(make_request("dsa", targets=half))[0]["explanation"]
    assert "A reviewer confirmed 1 of the 2 items in case IG-2026-0007." in en
    assert "The evidence records of 1 of the 2 items carry an RFC 3161 timestamp." in en
    assert "2건 중 1건의 증거 기록에 RFC 3161 타임스탬프가 있습니다." in ko
    assert "2건 중 1건의 원본 파일" in ko

    ko, en = fill_fields(make_request("dsa", targets=(make_target(),)))[0]["explanation"]
    assert "timestamp" not in en and "타임스탬프" not in ko
    assert "confirmed" not in en and "검토자가" not in ko


@pytest.mark.parametrize("regime_key", REGIME_KEYS)
def test_korean_text_has_no_english_placeholders(regime_key: str) -> None:
    """Without an organisation, the Korean wording once read "the notifier 검토자가"."""
    target = make_target(reviewed=True)
    request = with_sender(make_request(regime_key, targets=(target,)), organisation="")
    korean, _english = sections(compose(request))

    for placeholder in ("the notifier", "the person depicted", "reviewer", "Reviewer"):
        assert placeholder not in korean
    assert "the notifier 검토자가" not in compose(request).body


def test_dsa_explanation_without_a_person_uses_each_languages_word() -> None:
    ko, en = fill_fields(make_request("dsa", person=None))[0]["explanation"]
    assert "피해자을(를)" in ko and "the person depicted" not in ko
    assert "depicting the person depicted" in en
