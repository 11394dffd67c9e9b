# ruff: noqa: RUF001  (look-alike letters are what these tests are about)
"""The impersonation risk: two kinds of evidence flag, one does not; officials never."""

from __future__ import annotations

import io

from benchmarks.impersonation_synth import drawn_image
from PIL import Image

from idolguard.signals.impersonation import OfficialHandle, Profile, ProfileAnalyser
from idolguard.signals.impersonation.avatar import PdqChecker, PdqReference, decode
from idolguard.signals.pdq import pdq_hash
from idolguard.signals.text import ArtistNames

NAMES = [ArtistNames(1, "Haneul", ("하늘", "Park Haneul"))]
OFFICIAL = [OfficialHandle(1, "Haneul", "instagram", "haneul_official")]


def jpeg(image: Image.Image, size: int = 256, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.resize((size, size)).save(out, "JPEG", quality=quality)
    return out.getvalue()


PHOTO = jpeg(drawn_image(7))
REFERENCE = PdqReference(pdq_hash(decode(PHOTO)).hex, "official_photo", 1, "Haneul", "photo 1")


def analyser(**kwargs: object) -> ProfileAnalyser:
    return ProfileAnalyser(NAMES, OFFICIAL, avatar_checker=PdqChecker([REFERENCE]), **kwargs)  # type: ignore[arg-type]


def codes(profile: Profile, a: ProfileAnalyser | None = None) -> tuple[bool, set[str]]:
    result = (a or analyser()).analyse(profile)
    return result.flagged, {r.code for r in result.reasons}


def test_official_account_is_never_flagged_whatever_it_says() -> None:
    profile = Profile(
        "instagram",
        "@Haneul_Official",
        "Haneul",
        "Official. Fan meeting tickets, gift card payment, DM me on telegram",
        avatar=PHOTO,
    )
    result = analyser().analyse(profile)
    assert result.official and not result.flagged and result.risk == 0.0
    assert [r.code for r in result.reasons] == ["official"]


def test_official_handle_on_another_platform_is_not_official() -> None:
    profile = Profile("x", "haneul_official", "Haneul", "Official. DM me for tickets, pay first")
    result = analyser().analyse(profile)
    assert not result.official and result.flagged


def test_look_alike_name_with_scam_bio_is_flagged_with_reasons() -> None:
    profile = Profile(
        "x", "haneul_official_kr", "Haneul", "팬미팅 티켓 판매합니다. 입금 후 카톡으로 연락주세요."
    )
    flagged, found = codes(profile)
    assert flagged
    assert {"name_imitation", "scam_vocabulary", "claims_official"} <= found


def test_copied_avatar_and_copied_name_are_flagged_without_any_scam() -> None:
    copy = jpeg(Image.open(io.BytesIO(PHOTO)).crop((2, 2, 254, 254)), size=180, quality=70)
    flagged, found = codes(Profile("tiktok", "haneul", "Haneul", "hello", avatar=copy))
    assert flagged and {"name_imitation", "avatar_copy"} <= found


def test_one_kind_of_evidence_alone_is_not_enough() -> None:
    assert not codes(Profile("x", "haneul", "Haneul", "hello world"))[0]  # name only
    assert not codes(Profile("x", "sunflower", "Sunflower", "coffee", avatar=PHOTO))[0]  # avatar
    spam = Profile("x", "crypto_kingz", "Crypto", "invest in bitcoin, 300% profit, DM me")
    assert not codes(spam)[0]  # intent only


def test_namesake_with_a_shop_is_not_flagged() -> None:
    profile = Profile("x", "haneulpark88", "Haneul Park", "cafe owner. DM me for orders")
    assert not codes(profile)[0]


def test_fan_account_that_says_so_scores_low() -> None:
    fan = Profile("x", "haneul_daily", "Haneul 💕", "fan account, not affiliated", avatar=PHOTO)
    same_without_saying = Profile("x", "haneul", "Haneul 💕", "💕", avatar=PHOTO)
    fan_result, plain_result = analyser().analyse(fan), analyser().analyse(same_without_saying)
    assert not fan_result.flagged and plain_result.flagged
    assert fan_result.risk < plain_result.risk / 2
    assert "fan_account" in {r.code for r in fan_result.reasons}


def test_fan_disguise_does_not_hide_a_money_scam() -> None:
    profile = Profile(
        "x", "haneul_real", "Haneul", "fan account. invest in crypto, gift card payment, DM me"
    )
    assert codes(profile)[0]


def test_unofficial_is_not_a_claim_to_be_official() -> None:
    profile = Profile("x", "haneulgallery", "Haneul gallery", "unofficial gallery")
    assert "claims_official" not in codes(profile)[1]


def test_blocked_link_and_messenger_count_as_intent() -> None:
    a = analyser(blocked_domains=["scam-pay.example"])
    profile = Profile("x", "haneul", "Haneul", "hi", links=("https://www.scam-pay.example/pay",))
    flagged, found = codes(profile, a)
    assert flagged and "link_blocked" in found
    messenger = Profile("x", "haneul", "Haneul", "hi", links=("https://t.me/haneul_vip",))
    assert "link_messenger" in codes(messenger)[1]


def test_newly_registered_domain_needs_a_domain_age_source() -> None:
    class Ages:
        def days_since_registration(self, host: str) -> int | None:
            return 5 if host == "fresh.example" else 4000

    profile = Profile("x", "haneul", "Haneul", "see https://fresh.example/vip")
    assert "link_new_domain" not in codes(profile)[1]
    assert "link_new_domain" in codes(profile, analyser(domain_age=Ages()))[1]


def test_reasons_are_in_korean_and_english() -> None:
    result = analyser().analyse(Profile("x", "hαneul", "Haneul", "DM me, gift card only"))
    assert result.reasons and all(r.en and r.ko for r in result.reasons)
    data = result.as_json()
    assert data["signal"] == "impersonation" and data["profile"] == "x:@hαneul"


def test_undecodable_avatar_is_ignored_not_an_error() -> None:
    profile = Profile("x", "haneul", "Haneul", "hi", avatar=b"not an image")
    assert analyser().analyse(profile).parts["avatar"] == 0.0
