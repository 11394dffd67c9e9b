# ruff: noqa: RUF001  (look-alike letters are the subject of this module)
"""Synthetic profiles for the impersonation evaluation: no real people, generated avatars.

Two splits that share nothing but the kinds of account: ``tune`` (the weights in
``signals/impersonation/analysis.py`` were chosen on it) and ``report`` (the
figures in docs/benchmarks.md). Each split has its own fictional artists and
its own handle patterns, scam scripts, fan and unrelated phrasings, and the
report split includes tricks and phrasings the analyser's vocabulary does not
list, so its figures are not a replay of the tuning.

Avatars are drawn (random blobs on gradients, seeded), never photos of people:
each artist has "official photos"; impersonators and many fans re-use one of
them (re-encoded, resized, slightly cropped), unrelated accounts draw their own.
The face check is therefore not exercised here; PDQ copying is.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from idolguard.signals.impersonation import OfficialHandle, Profile
from idolguard.signals.text import ArtistNames

KINDS = ("official", "fan", "impersonator", "unrelated")


@dataclass(frozen=True)
class SynthArtist:
    artist_id: int
    name: str  # romanised stage name
    hangul: str
    full: str  # romanised full name
    handles: dict[str, str]  # platform -> official handle


@dataclass
class Split:
    name: str
    artists: list[SynthArtist]
    photos: dict[int, list[bytes]]
    profiles: list[tuple[str, Profile]] = field(default_factory=list)

    def names(self) -> list[ArtistNames]:
        return [ArtistNames(a.artist_id, a.name, (a.hangul, a.full)) for a in self.artists]

    def officials(self) -> list[OfficialHandle]:
        return [
            OfficialHandle(a.artist_id, a.name, platform, handle)
            for a in self.artists
            for platform, handle in a.handles.items()
        ]


# Fictional artists. Given names are common Korean names; no real idol is meant.
_ARTISTS = {
    "tune": [
        ("Haneul", "하늘", "Park Haneul", "haneul_official"),
        ("Seoyun", "서윤", "Kim Seoyun", "seoyun.kim"),
        ("Mirae", "미래", "Lee Mirae", "mirae__day"),
        ("Dajeong", "다정", "Choi Dajeong", "dajeongchoi"),
        ("Ryuna", "류나", "Han Ryuna", "ryuna_moon"),
        ("Taeo", "태오", "Jung Taeo", "taeo.offcl"),
    ],
    "report": [
        ("Yeseul", "예슬", "Oh Yeseul", "yeseul_oh"),
        ("Gaon", "가온", "Shin Gaon", "gaon.light"),
        ("Bomin", "보민", "Yoon Bomin", "bominyoon_"),
        ("Sion", "시온", "Kang Sion", "sion_kang"),
        ("Hayul", "하율", "Seo Hayul", "hayul.seo"),
        ("Jiwan", "지완", "Baek Jiwan", "jiwanbaek_official"),
        ("Narae", "나래", "Moon Narae", "narae_wing"),
    ],
}
PLATFORMS = ("x", "instagram", "tiktok")

_IMPERSONATOR_HANDLES = {
    "tune": (
        "{h}_official", "real_{h}", "{h}_kr", "{h}{d}", "{h}.{d}", "{n}official", "{n}_real{d}",
        "{hg}", "{h}__", "{typo}",
    ),
    "report": (
        "official_{n}", "{h}_real", "the{n}", "{n}_korea", "{n}x{d}", "{h}_jp", "{leet}",
        "{fw}", "{n}_priv", "{d}{h}", "{n}_vip", "{n}_ig{d}", "{typo}_", "{h}.official",
    ),
}  # fmt: skip
_IMPERSONATOR_DISPLAY = {
    "tune": ("{n}", "{full}", "{n} (공식)", "{hangul}", "{n} ✔", "{hangul_jamo}"),
    "report": (
        "{full} official",
        "{hg_name}",
        "{hangul} {n}",
        "{n}💜",
        "REAL {n}",
        "{hangul_vowel}",
    ),
}
_SCAM_BIOS = {
    "tune": (
        "Official account. Private fan meeting tickets available, DM me to book.",
        "This is my private account. Gift card payment only, message me.",
        "팬미팅 티켓 판매합니다. 입금 후 카톡으로 연락주세요.",
        "I invest in crypto with my fans. Contact me on telegram for profit.",
        "비공개 영상통화 이벤트! 후원 계좌로 입금하면 연락드려요.",
        "Backstage pass for my loyal fans, limited. Pay first via PayPal.",
    ),
    "report": (
        "hi my love, only my real fans can video call me. send an apple card code and text me",
        "Exclusive meet & greet this month!! whatsapp me for the membership card",
        "리딩방 운영중. 원금 보장 투자 수익, 오픈채팅 문의",
        "팬싸 당첨자 발표! 선입금 후 텔레 연락 바랍니다",
        "Bitcoin double your money with me, DM for details 🙏",
        "don't tell management, I'm selling my own concert tickets here. cash app only",
        "새 계정이에요. 후원해주시는 분께 개인 만남 기회 드려요",
        "manager account: fan card application $300, wire transfer, kakao: {n}mgr",
    ),
}
_COPYCAT_BIOS = {
    "tune": ("Official account of {n}.", "{n} 공식 계정", "the real {n}. this is my only account"),
    "report": ("it's me, {n} 💜 verified", "{hangul} 본인 계정입니다", "{n} official page"),
}
_FAN_HANDLES = {
    "tune": ("{n}_daily", "{n}updates", "{h}_pics", "{n}archive", "{n}_fan{d}"),
    "report": ("{n}moments", "{n}_gallery", "{n}stan{d}", "{n}world", "{n}_hourly", "for{n}"),
}
_FAN_BIOS = {
    "tune": (
        "fan account, not affiliated with {n}",
        "{hangul} 팬계정입니다 💕",
        "daily pics of {n}! fan account",
        "not {n}. fan page for updates",
    ),
    "report": (
        "fanpage dedicated to {n} ✨",
        "{hangul} 팬페이지 / 비공식",
        "unofficial {n} gallery, credits to owners",
        "{n} stan account 💜 ot7",
        "just a fan of {n} sharing her best moments",
        "{hangul} 덕질 계정 / 사진 출처 표기",
    ),
}
_FAN_POSTS = {
    "tune": (
        "can't wait for the fan meeting!!",
        "got my tickets for the tour!",
        "new photos today",
    ),
    "report": (
        "fanmeeting day 1 was amazing",
        "who else is going to the concert? tickets sold out",
        "팬미팅 후기 🥹",
    ),
}
_UNRELATED = {
    "tune": (
        ("cafe_seoul", "Seoul Cafe Official", "Coffee and cake in Mapo. DM me for orders."),
        ("travelwithmin", "Min | travel", "Backpacking Asia, one city at a time"),
        ("crypto_kingz", "Crypto Kingz", "Invest in bitcoin today, 300% profit, DM me"),
        ("{namesake}88", "{namesake_display}", "student, dog mom, coffee"),
        ("hanbok_rental", "한복대여 공식", "한복 대여 예약 문의는 카톡으로"),
        ("daily_cat_pics", "cat pics daily", "a cat a day"),
    ),
    "report": (
        ("bakery.busan", "Busan Bakery", "매일 굽는 빵. 주문 문의 DM"),
        ("ji.runs", "Ji runs", "marathon training log"),
        ("nft_whale", "NFT Whale", "airdrop every week, limited spots, whatsapp me"),
        ("{namesake}_{d}", "{namesake_display}", "nurse in Incheon 🌷"),
        ("kpop_news_hub", "K-pop News Hub", "all the k-pop news, no affiliation"),
        ("seoul_official_tour", "Seoul Tour Official", "official tours of Seoul, book via link"),
        ("minji.draws", "Minji draws", "illustrator, commissions open, paypal"),
    ),
}
_SURNAMES = {"tune": ("Park", "Choi", "Lee"), "report": ("Jang", "Lim", "Song")}
_HOMOGLYPH = {"a": "а", "e": "е", "o": "ο", "i": "і", "y": "у", "p": "р", "c": "с"}
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"}
# Vowel look-alikes in Hangul: ㅐ for ㅔ and the reverse, ㅖ for ㅔ.
_VOWEL_SWAP = {0x1166: 0x1162, 0x1162: 0x1166, 0x1175: 0x1174, 0x1161: 0x1163}


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return (
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if rng.random() < 0.5
        else word[:i] + word[i] + word[i:]
    )


def _sub(rng: random.Random, word: str, table: dict[str, str]) -> str:
    chars = list(word)
    spots = [i for i, c in enumerate(chars) if c in table]
    for i in rng.sample(spots, k=max(1, min(len(spots), rng.randint(1, 2)))) if spots else []:
        chars[i] = table[chars[i]]
    return "".join(chars)


def _jamo(hangul: str) -> str:
    """Loose compatibility jamo spelling ("ㅎㅏㄴㅡㄹ")."""
    import unicodedata

    conjoined = unicodedata.normalize("NFD", hangul)
    return "".join(chr(_compat(ord(c))) for c in conjoined)


def _compat(code: int) -> int:
    import unicodedata

    name = unicodedata.name(chr(code))
    for prefix in ("HANGUL CHOSEONG ", "HANGUL JUNGSEONG ", "HANGUL JONGSEONG "):
        if name.startswith(prefix):
            try:
                return ord(unicodedata.lookup("HANGUL LETTER " + name[len(prefix) :]))
            except KeyError:
                return code
    return code


def _vowel_swap(hangul: str) -> str:
    import unicodedata

    decomposed = [ord(c) for c in unicodedata.normalize("NFD", hangul)]
    for i, code in enumerate(decomposed):
        if code in _VOWEL_SWAP:
            decomposed[i] = _VOWEL_SWAP[code]
            break
    return unicodedata.normalize("NFC", "".join(map(chr, decomposed)))


def _fields(rng: random.Random, artist: SynthArtist, split: str) -> dict[str, str]:
    n = artist.name.lower()
    h = rng.choice(list(artist.handles.values()))
    return {
        "n": n,
        "h": h,
        "d": str(rng.randint(0, 99)),
        "hg": _sub(rng, n, _HOMOGLYPH),
        "hg_name": _sub(rng, artist.name, _HOMOGLYPH),
        "leet": _sub(rng, n, _LEET),
        "fw": "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in n),
        "typo": _typo(rng, n),
        "full": artist.full,
        "hangul": artist.hangul,
        "hangul_jamo": _jamo(artist.hangul),
        "hangul_vowel": _vowel_swap(artist.hangul),
        "namesake": f"{n}{rng.choice(_SURNAMES[split]).lower()}",
        "namesake_display": f"{artist.name} {rng.choice(_SURNAMES[split])}",
    }


# --- avatars -----------------------------------------------------------------------


def drawn_image(seed: int, side: int = 256) -> Image.Image:
    """A textured picture of random blobs on a gradient: PDQ-hashable, nobody's face."""
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, side, dtype=np.float32)
    pixels = np.stack(
        [np.add.outer(base * rng.uniform(0.2, 1), base * rng.uniform(0.2, 1)) / 2] * 3, axis=-1
    )
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.integers(0, side, 2)
        r = int(rng.integers(side // 16, side // 4))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(1.5))


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _copied(rng: random.Random, photo: bytes) -> bytes:
    """Re-use of an official photo as an avatar: cropped a little, resized, re-encoded."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    w, h = image.size
    m = rng.randint(0, w // 20)
    image = image.crop((m, m, w - m, h - m)).resize((rng.choice((150, 200, 400)),) * 2)
    return _jpeg(image, rng.randint(60, 90))


# --- the split ---------------------------------------------------------------------


def build(split: str, counts: dict[str, int] | None = None, seed: int | None = None) -> Split:
    """Generate one split; ``counts`` per kind (officials are every official handle)."""
    counts = counts or {"fan": 200, "impersonator": 200, "unrelated": 300}
    rng = random.Random(seed if seed is not None else {"tune": 11, "report": 29}[split])
    offset = 0 if split == "tune" else 100
    artists = []
    for index, (name, hangul, full, handle) in enumerate(_ARTISTS[split]):
        handles = {
            p: handle
            if p == "instagram"
            else f"{handle}_{p}"
            if p == "tiktok"
            else handle.replace(".", "_")
            for p in PLATFORMS
        }
        artists.append(SynthArtist(offset + index + 1, name, hangul, full, handles))
    photos = {
        a.artist_id: [_jpeg(drawn_image(a.artist_id * 10 + k)) for k in range(3)] for a in artists
    }
    result = Split(split, artists, photos)
    for artist in artists:
        for platform, handle in artist.handles.items():
            bio = rng.choice(
                ("Official account of {n}", "{hangul} 공식 계정", "{full} | official")
            ).format(**_fields(rng, artist, split))
            result.profiles.append(
                (
                    "official",
                    Profile(
                        platform,
                        handle,
                        artist.name,
                        bio,
                        avatar=rng.choice(photos[artist.artist_id]),
                        links=(f"https://{artist.name.lower()}-official.example",),
                    ),
                )
            )
    for index in range(counts["impersonator"]):
        artist = rng.choice(artists)
        f = _fields(rng, artist, split)
        handle = rng.choice(_IMPERSONATOR_HANDLES[split]).format(**f)
        display = rng.choice(_IMPERSONATOR_DISPLAY[split]).format(**f)
        copycat = rng.random() < 0.25
        bio = rng.choice(_COPYCAT_BIOS[split] if copycat else _SCAM_BIOS[split]).format(**f)
        links: tuple[str, ...] = ()
        if rng.random() < 0.3:
            links = (
                rng.choice(
                    (
                        f"https://t.me/{f['n']}_vip",
                        "https://open.kakao.com/o/s8x" + f["d"],
                        "https://bit.ly/3" + f["d"],
                    )
                ),
            )
        avatar = (
            _copied(rng, rng.choice(photos[artist.artist_id]))
            if rng.random() < 0.7
            else _jpeg(drawn_image(10_000 + index + offset * 100))
        )
        result.profiles.append(
            (
                "impersonator",
                Profile(rng.choice(PLATFORMS), handle, display, bio, avatar=avatar, links=links),
            )
        )
    for index in range(counts["fan"]):
        artist = rng.choice(artists)
        f = _fields(rng, artist, split)
        handle = rng.choice(_FAN_HANDLES[split]).format(**f)
        says_so = rng.random() < 0.85
        bio = (
            rng.choice(_FAN_BIOS[split]).format(**f)
            if says_so
            else rng.choice(("💕", "{n} forever", "{hangul} 사랑해")).format(**f)
        )
        display = rng.choice(
            (
                f"{artist.name} Updates",
                f"{artist.name} 💕",
                f"{artist.hangul} 갤러리",
                f"for {artist.name}",
            )
        )
        posts = tuple(rng.sample(_FAN_POSTS[split], k=rng.randint(0, 2)))
        avatar = (
            _copied(rng, rng.choice(photos[artist.artist_id]))
            if rng.random() < 0.6
            else _jpeg(drawn_image(20_000 + index + offset * 100))
        )
        result.profiles.append(
            (
                "fan",
                Profile(rng.choice(PLATFORMS), handle, display, bio, avatar=avatar, posts=posts),
            )
        )
    for index in range(counts["unrelated"]):
        artist = rng.choice(artists)
        f = _fields(rng, artist, split)
        handle, display, bio = (t.format(**f) for t in rng.choice(_UNRELATED[split]))
        handle = f"{handle}{index}" if rng.random() < 0.5 else handle
        avatar = _jpeg(drawn_image(30_000 + index + offset * 100))
        result.profiles.append(
            ("unrelated", Profile(rng.choice(PLATFORMS), handle, display, bio, avatar=avatar))
        )
    return result
