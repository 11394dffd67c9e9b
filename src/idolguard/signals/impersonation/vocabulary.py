"""Words that show what an account is for, in Korean and English.

Scam vocabulary is grouped by what the scam asks for, because one ordinary
word ("tickets" in a fan's post) means little while several kinds together
(a fan meeting + a deposit + "DM me on Telegram") are the script of a scam.
Each category weighs in once however often it appears. Fan markers are what
fan accounts write to say they are not the artist; claims are what
impersonators write to say they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Category -> (weight, English label, Korean label).
CATEGORIES: dict[str, tuple[float, str, str]] = {
    "meeting": (0.3, "private meeting or video call offers", "팬미팅·영상통화 제안"),
    "tickets": (0.3, "ticket or pass sales", "티켓·패스 판매"),
    "payment": (0.45, "payment requests (gift cards, transfers)", "입금·송금·상품권 요구"),
    "investment": (0.45, "crypto or investment offers", "코인·투자 권유"),
    "contact": (0.3, "moving fans to private chats or messengers", "개인 메시지·메신저로 유도"),
    "urgency": (0.15, "urgency or secrecy", "한정·비밀 강조"),
}  # fmt: skip

SCAM_TERMS: dict[str, tuple[str, ...]] = {
    "meeting": (
        "fan meeting", "fanmeeting", "meet and greet", "meet & greet", "private meeting",
        "video call", "facetime", "face time", "meet me", "private date", "vip meeting",
        "팬미팅", "팬싸", "영상통화", "영통", "사인회", "만남", "개인 만남", "비공개 만남",
    ),
    "tickets": (
        "ticket", "tickets", "vip pass", "backstage pass", "backstage", "membership card",
        "fan card", "티켓", "양도", "표 판매", "백스테이지", "멤버십 카드", "팬카드",
    ),
    "payment": (
        "gift card", "giftcard", "itunes card", "apple card", "steam card", "google play card",
        "paypal", "cash app", "cashapp", "western union", "bank transfer", "wire transfer",
        "deposit", "pay first", "payment", "send money", "donate", "donation",
        "입금", "송금", "계좌", "후원", "선입금", "상품권", "문상", "기프트카드", "결제",
    ),
    "investment": (
        "crypto", "bitcoin", "btc", "usdt", "ethereum", "invest", "investment", "profit",
        "trading", "forex", "airdrop", "double your", "returns",
        "투자", "코인", "비트코인", "수익", "리딩방", "재테크", "원금 보장",
    ),
    "contact": (
        "dm me", "dm for", "message me", "text me", "contact me", "inbox me", "pm me",
        "whatsapp", "telegram", "kakao", "kakaotalk", "line id", "signal app", "wechat",
        "카톡", "카카오톡", "오픈채팅", "오픈톡", "텔레그램", "텔레", "연락", "디엠", "문의",
        "라인 아이디",
    ),
    "urgency": (
        "limited", "only today", "hurry", "secret", "exclusive", "first come", "dont tell",
        "don't tell", "한정", "비밀", "선착순", "오늘만", "마감 임박",
    ),
}  # fmt: skip

FAN_MARKERS = (
    "fan account", "fanaccount", "fan acc", "fanacc", "fanpage", "fan page", "fansite",
    "fan site", "fan club", "fanclub", "not affiliated", "not the real", "not impersonating",
    "not her", "not him", "parody", "unofficial", "fan made", "fanmade", "stan account",
    "fan of", "팬계정", "팬 계정", "팬페이지", "팬사이트", "팬클럽", "비공식", "덕계", "홈마",
    "사칭 아님", "본인 아님", "본인 아닙니다", "팬입니다",
)  # fmt: skip
# Handle words that fan accounts use; weaker than saying so (impersonators seldom use them).
FAN_HANDLE_WORDS = (
    "daily", "updates", "update", "archive", "pics", "fansite", "fanpage", "stan", "lover",
    "moments", "source", "gallery", "files", "data", "union", "fan", "fans", "hourly",
    "world", "nation", "addict", "bias", "mylove", "best", "갤러리", "사랑", "덕질", "모음",
    "저장소", "아카이브", "데일리",
)  # fmt: skip
# Fan words this long are also found glued to a name ("jennieupdates").
MIN_GLUED_FAN_WORD = 4
OFFICIAL_CLAIMS = (
    "official", "verified", "real account", "the real", "my only account", "only account",
    "this is me", "it's me", "its me", "공식", "본인 계정", "본계", "진짜", "인증",
)  # fmt: skip
# "un"official, "not" official and "비"공식 are what fans write: never a claim.
_NEGATED_CLAIM = re.compile(r"(unofficial|not\s+(?:an?\s+)?official|비공식|공식\s*아님)")


def fold_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: the form vocabulary is looked up in."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _has(folded: str, term: str) -> bool:
    if term.isascii():
        return re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", folded) is not None
    return term in folded


@dataclass(frozen=True)
class ScamHit:
    category: str
    term: str


def scam_hits(folded: str) -> list[ScamHit]:
    """The first term found per category, in category order."""
    hits = []
    for category, terms in SCAM_TERMS.items():
        for term in terms:
            if _has(folded, term):
                hits.append(ScamHit(category, term))
                break
    return hits


# A scam asks for something: money, an investment, or a move to private messages.
# Offers alone ("fan meeting", "tickets") are what every fan writes about.
ASKS = frozenset({"payment", "investment", "contact"})
OFFER_ONLY_FACTOR = 0.3


def scam_score(categories: set[str]) -> float:
    """Noisy-or of the categories' weights (each kind counts once), low without an ask."""
    remaining = 1.0
    for category in categories:
        remaining *= 1.0 - CATEGORIES[category][0]
    score = 1.0 - remaining
    return score if categories & ASKS else score * OFFER_ONLY_FACTOR


def fan_marker(folded: str) -> str | None:
    return next((t for t in FAN_MARKERS if _has(folded, t)), None)


def fan_handle_word(handle_words: list[str]) -> str | None:
    """A fan word among the words of a handle or display name, or glued inside one."""
    lowered = [unicodedata.normalize("NFKC", w).casefold() for w in handle_words]
    for word in FAN_HANDLE_WORDS:
        if word in lowered:
            return word
        if len(word) >= MIN_GLUED_FAN_WORD and any(word in w for w in lowered):
            return word
    return None


def official_claim(folded: str) -> str | None:
    cleaned = _NEGATED_CLAIM.sub(" ", folded)
    return next((t for t in OFFICIAL_CLAIMS if _has(cleaned, t)), None)
