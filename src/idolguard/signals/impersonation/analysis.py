"""The ``impersonation`` risk of one profile, with the reasons a reviewer reads.

Evidence comes in two kinds. *Likeness*: the names imitate an artist's
(``names``), the avatar or banner shows the artist or copies a known photo
(``avatar``). *Intent*: scam vocabulary in the bio and posts, a claim to be
official, look-alike letters used to pass as the real name, links to
messengers, blocked or newly registered domains. Each part adds its share:

    risk = 0.45 · name + 0.45 · avatar + 0.5 · intent      (capped at 1)

so one part alone stays below ``FLAG_THRESHOLD`` (a namesake, a fan's avatar,
a spammer who copies nobody) and any two together cross it. Saying "fan
account" divides the risk (unless the account also asks for money), and an
account on the roster's allow-list of official handles is never flagged,
whatever it says.

The weights are round numbers chosen on the tuning split of the synthetic set
(``benchmarks/impersonation_eval.py``); the figures in docs/benchmarks.md come
from the other split.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from idolguard.signals.impersonation.avatar import AvatarChecker, AvatarError, AvatarMatch
from idolguard.signals.impersonation.links import DomainAge, LinkFinding, check_links, urls_in
from idolguard.signals.impersonation.names import SCORES, NameMatch, imitations, targets, words
from idolguard.signals.impersonation.profile import Profile, normalise_handle
from idolguard.signals.impersonation.vocabulary import (
    CATEGORIES,
    fan_handle_word,
    fan_marker,
    fold_text,
    official_claim,
    scam_hits,
    scam_score,
)
from idolguard.signals.text import ArtistNames

VERSION = "1"
FLAG_THRESHOLD = 0.5
WEIGHTS = {"name": 0.45, "avatar": 0.45, "intent": 0.5}
# A name that is one word of a longer display name ("Jennie Park") is a namesake more often.
WORD_ONLY_FACTOR = 0.6
CLAIM_INTENT = 0.6
DISGUISE_INTENT = 0.4
LINK_INTENT = {"blocked": 0.6, "new_domain": 0.3, "messenger": 0.0, "shortener": 0.1}
FAN_FACTOR = 0.35  # the account says it is a fan account
FAN_HANDLE_FACTOR = 0.5  # its handle reads like one ("jennie_daily")
MONEY_OVERRIDES_FAN = 0.6  # a scam score this high ignores fan claims


@dataclass(frozen=True)
class OfficialHandle:
    """An artist's own account on one platform: the allow-list entry."""

    artist_id: int
    artist: str
    platform: str
    handle: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform.casefold(), normalise_handle(self.handle))


@dataclass(frozen=True)
class Reason:
    code: str
    en: str
    ko: str
    weight: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "en": self.en, "ko": self.ko, "weight": round(self.weight, 4)}


@dataclass
class ImpersonationResult:
    profile: str  # platform:@handle
    risk: float
    flagged: bool
    official: bool
    artist_id: int | None
    artist: str | None
    parts: dict[str, float]
    reasons: list[Reason] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "signal": "impersonation",
            "version": VERSION,
            "profile": self.profile,
            "risk": round(self.risk, 4),
            "flagged": self.flagged,
            "official": self.official,
            "artist_id": self.artist_id,
            "artist": self.artist,
            "parts": {k: round(v, 4) for k, v in self.parts.items()},
            "reasons": [r.as_json() for r in self.reasons],
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


class ProfileAnalyser:
    """Analyses profiles against one roster snapshot (names, official handles, references)."""

    def __init__(
        self,
        names: Sequence[ArtistNames],
        officials: Sequence[OfficialHandle] = (),
        *,
        avatar_checker: AvatarChecker | None = None,
        blocked_domains: Iterable[str] = (),
        allowed_domains: Iterable[str] = (),
        domain_age: DomainAge | None = None,
        threshold: float = FLAG_THRESHOLD,
    ) -> None:
        entries = [(a.artist_id, a.name, n) for a in names for n in (a.name, *a.aliases)]
        entries += [(o.artist_id, o.artist, o.handle.lstrip("@")) for o in officials]
        self.targets = targets(entries)
        self.officials = {o.key: o for o in officials}
        self.avatar_checker = avatar_checker
        self.blocked = tuple(blocked_domains)
        self.allowed = tuple(allowed_domains)
        self.domain_age = domain_age
        self.threshold = threshold

    def analyse(self, profile: Profile) -> ImpersonationResult:
        started = time.perf_counter()
        result = self._analyse(profile)
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def _analyse(self, profile: Profile) -> ImpersonationResult:
        official = self.officials.get(
            (profile.platform.casefold(), normalise_handle(profile.handle))
        )
        if official is not None:
            reason = Reason(
                "official",
                f"official account of {official.artist} on the roster's allow-list",
                f"로스터 허용 목록에 있는 {official.artist}의 공식 계정",
            )
            return ImpersonationResult(
                profile.key, 0.0, False, True, official.artist_id, official.artist, {}, [reason]
            )
        reasons: list[Reason] = []
        name_match, name_score = self._names(profile)
        artist_id = name_match.artist_id if name_match else None
        artist = name_match.artist if name_match else None
        if name_match is not None:
            reasons.append(_name_reason(name_match, name_score * WEIGHTS["name"]))
        avatar_match = self._avatar(profile, artist_id)
        avatar_score = avatar_match.score if avatar_match else 0.0
        if avatar_match is not None:
            reasons.append(_avatar_reason(avatar_match, avatar_score * WEIGHTS["avatar"]))
            if artist_id is None and avatar_match.artist_id is not None:
                artist_id, artist = avatar_match.artist_id, avatar_match.artist
        intent, money, intent_reasons = self._intent(profile, name_match)
        reasons.extend(intent_reasons)
        parts = {"name": name_score, "avatar": avatar_score, "intent": intent}
        risk = min(1.0, sum(WEIGHTS[k] * v for k, v in parts.items()))
        fan_reason = self._fan(profile)
        if fan_reason is not None and money < MONEY_OVERRIDES_FAN:
            risk *= fan_reason.weight
            reasons.append(fan_reason)
        return ImpersonationResult(
            profile.key, risk, risk >= self.threshold, False, artist_id, artist, parts, reasons
        )

    def _names(self, profile: Profile) -> tuple[NameMatch | None, float]:
        best: tuple[NameMatch | None, float] = (None, 0.0)
        for field_name, written in (
            ("handle", profile.handle),
            ("display_name", profile.display_name),
        ):
            for match in imitations(field_name, written.lstrip("@"), self.targets):
                score = _field_score(match)
                if score > best[1]:
                    best = (match, score)
        return best

    def _avatar(self, profile: Profile, artist_id: int | None) -> AvatarMatch | None:
        if self.avatar_checker is None:
            return None
        matches: list[AvatarMatch] = []
        for label, data in (("avatar", profile.avatar), ("banner", profile.banner)):
            if data:
                try:
                    matches.extend(self.avatar_checker.check(label, data))
                except AvatarError:
                    continue
        relevant = [m for m in matches if artist_id is None or m.artist_id in (None, artist_id)]
        return max(relevant, key=lambda m: m.score, default=None)

    def _intent(
        self, profile: Profile, name_match: NameMatch | None
    ) -> tuple[float, float, list[Reason]]:
        texts = [profile.display_name, profile.bio, *profile.posts]
        folded = fold_text("\n".join(texts))
        hits = scam_hits(folded)
        categories = {h.category for h in hits}
        link_findings = check_links(
            list(dict.fromkeys([*profile.links, *urls_in(texts)])),
            blocked=self.blocked,
            domain_age=self.domain_age,
            allowed=self.allowed,
        )
        if any(f.kind == "messenger" for f in link_findings):
            categories.add("contact")
        scam = scam_score(categories)
        money = scam if categories & {"payment", "investment"} else 0.0
        reasons: list[Reason] = []
        if hits or categories:
            shown = ", ".join(
                f"{CATEGORIES[c][1]} (“{_term(hits, c)}”)" for c in sorted(categories)
            )
            shown_ko = ", ".join(
                f"{CATEGORIES[c][2]} (“{_term(hits, c)}”)" for c in sorted(categories)
            )
            reasons.append(
                Reason(
                    "scam_vocabulary", f"scam vocabulary: {shown}", f"사기 어휘: {shown_ko}", scam
                )
            )
        remaining = 1.0 - scam
        claim = official_claim(folded) or (
            "official" if name_match is not None and name_match.claims_official else None
        )
        if claim is not None and name_match is not None:
            remaining *= 1.0 - CLAIM_INTENT
            reasons.append(
                Reason(
                    "claims_official",
                    f"claims to be official or real (“{claim}”)",
                    f"공식·본인 계정이라고 주장 (“{claim}”)",
                    CLAIM_INTENT,
                )
            )
        if name_match is not None and name_match.how == "look-alike":
            remaining *= 1.0 - DISGUISE_INTENT
            reasons.append(
                Reason(
                    "look_alike_letters",
                    "writes the name with look-alike letters or symbols",
                    "비슷한 글자·기호로 이름을 흉내 냄",
                    DISGUISE_INTENT,
                )
            )
        for finding in link_findings:
            weight = LINK_INTENT[finding.kind]
            remaining *= 1.0 - weight
            reasons.append(_link_reason(finding, weight))
        return 1.0 - remaining, money, reasons

    def _fan(self, profile: Profile) -> Reason | None:
        marker = fan_marker(fold_text(f"{profile.display_name}\n{profile.bio}"))
        if marker is not None:
            return Reason(
                "fan_account",
                f"says it is a fan account (“{marker}”)",
                f"팬 계정이라고 밝힘 (“{marker}”)",
                FAN_FACTOR,
            )
        word = fan_handle_word(words(profile.handle) + words(profile.display_name))
        if word is not None:
            return Reason(
                "fan_handle",
                f"its name reads like a fan account (“{word}”)",
                f"이름이 팬 계정 형식임 (“{word}”)",
                FAN_HANDLE_FACTOR,
            )
        return None


def _field_score(match: NameMatch) -> float:
    """A match of one word in a longer field counts less than the whole field matching.

    A display name "Jennie Park" is a namesake more often than an impersonator;
    a handle "jennie_daily" holds the name as any longer handle does.
    """
    if match.whole:
        return match.score
    if match.field == "handle":
        return min(match.score, SCORES["contains"])
    return match.score * WORD_ONLY_FACTOR


def _term(hits: Sequence[Any], category: str) -> str:
    return next((h.term for h in hits if h.category == category), "link")


HOW_EN = {
    "exact": "copies",
    "look-alike": "imitates with look-alike letters",
    "near": "is one or two letters from",
    "contains": "contains",
}
HOW_KO = {
    "exact": "그대로 씀",
    "look-alike": "비슷한 글자로 흉내 냄",
    "near": "한두 글자만 다름",
    "contains": "포함함",
}
FIELD_KO = {"handle": "핸들", "display_name": "표시 이름"}


def _name_reason(match: NameMatch, weight: float) -> Reason:
    field_en = match.field.replace("_", " ")
    how = match.how if match.whole else "contains"
    return Reason(
        "name_imitation",
        f"{field_en} “{match.written}” {HOW_EN[how]} {match.artist}'s name “{match.target}”",
        f"{FIELD_KO[match.field]} “{match.written}”이(가) "
        f"{match.artist}의 이름 “{match.target}”을(를) {HOW_KO[how]}",
        weight,
    )


def _avatar_reason(match: AvatarMatch, weight: float) -> Reason:
    image_ko = "프로필 사진" if match.image == "avatar" else "배너"
    who = match.artist or "a banked image"
    who_ko = match.artist or "해시 뱅크 이미지"
    if match.kind == "bank":
        return Reason(
            "avatar_banked",
            f"the {match.image} is content already confirmed and banked ({match.detail})",
            f"{image_ko}이(가) 이미 확인되어 해시 뱅크에 등록된 콘텐츠임 ({match.detail})",
            weight,
        )
    if match.kind == "face":
        return Reason(
            "avatar_face",
            f"the {match.image} shows {who}'s face ({match.detail})",
            f"{image_ko}에 {who_ko}의 얼굴이 있음 ({match.detail})",
            weight,
        )
    return Reason(
        "avatar_copy",
        f"the {match.image} copies a known photo of {who} ({match.detail})",
        f"{image_ko}이(가) {who_ko}의 알려진 사진과 같음 ({match.detail})",
        weight,
    )


def _link_reason(finding: LinkFinding, weight: float) -> Reason:
    en = {
        "blocked": f"links to a blocked domain ({finding.host})",
        "new_domain": f"links to a newly registered domain ({finding.host}, {finding.detail})",
        "messenger": f"sends fans to a messenger ({finding.host})",
        "shortener": f"hides a link behind a shortener ({finding.host})",
    }[finding.kind]
    ko = {
        "blocked": f"차단 목록의 도메인으로 연결 ({finding.host})",
        "new_domain": f"새로 등록된 도메인으로 연결 ({finding.host})",
        "messenger": f"다른 메신저로 유도 ({finding.host})",
        "shortener": f"단축 URL로 링크를 숨김 ({finding.host})",
    }[finding.kind]
    return Reason(f"link_{finding.kind}", en, ko, weight)
