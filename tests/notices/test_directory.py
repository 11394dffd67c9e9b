"""The platform directory: the built-in file, lookups, and every way a broken file is refused."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from idolguard.notices.directory import (
    BUILTIN_SOURCE,
    MAX_DIRECTORY_BYTES,
    DirectoryError,
    PlatformDirectory,
)
from idolguard.notices.regimes import REGIME_KEYS
from idolguard.platforms import platform_for

PLATFORM_KEYS = (
    "youtube",
    "x",
    "instagram",
    "facebook",
    "tiktok",
    "reddit",
    "telegram",
    "naver",
    "daum",
    "dcinside",
    "theqoo",
    "pann",
    "fmkorea",
    "weibo",
    "bilibili",
)
AUTHORITY_KEYS = ("d4u", "ftc", "kcsc")
KOREAN_KEYS = ("naver", "daum", "dcinside", "theqoo", "pann", "fmkorea")
GLOBAL_KEYS = ("youtube", "x", "instagram", "facebook", "tiktok", "reddit", "telegram")

SAMPLE_URLS = {
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ": "youtube",
    "https://youtu.be/dQw4w9WgXcQ": "youtube",
    "https://x.com/someone/status/1790000000000000000": "x",
    "https://twitter.com/someone/status/1790000000000000000": "x",
    "https://www.instagram.com/p/C8abcdEFgh1/": "instagram",
    "https://blog.naver.com/someone/223456789012": "naver",
    "https://gall.dcinside.com/board/view/?id=idol&no=123456": "dcinside",
    "https://m.dcinside.com/board/idol/123456": "dcinside",
    "https://www.tiktok.com/@someone/video/7380000000000000000": "tiktok",
    "https://pann.nate.com/talk/370000000": "pann",
    "https://t.me/somechannel/42": "telegram",
}

EMAIL_RE = re.compile(r"[^@\s]+@[a-z0-9.-]+\.[a-z]{2,}")

# A small valid file; each error case below breaks exactly one thing in it.
BASE = """\
[platforms.site]
name = "Site"
kind = "platform"
country = "KR"
domains = ["example.com"]
regimes = ["dmca", "kr_tba"]
languages = ["ko"]
response_hours = 48
escalation = ["hotline"]
checked = ""
notes = "A test entry."

[[platforms.site.contacts]]
channel = "email"
address = "abuse@example.com"
regimes = ["dmca"]
languages = ["en"]
note = "Seen nowhere."

[platforms.other]
name = "Other"
domains = ["example.net"]
regimes = ["dsa"]

[platforms.hotline]
name = "Hotline"
kind = "authority"
regimes = ["kcsc"]
"""


@pytest.fixture(scope="module")
def builtin() -> PlatformDirectory:
    return PlatformDirectory.load()


def _builtin_text() -> str:
    return resources.files("idolguard.notices").joinpath("platforms.toml").read_text("utf-8")


def _load(text: str) -> PlatformDirectory:
    return PlatformDirectory.from_toml_text(text, "test.toml")


# -- the built-in file -----------------------------------------------------------


def test_builtin_file_loads_and_has_every_platform(builtin: PlatformDirectory) -> None:
    assert builtin.source == BUILTIN_SOURCE
    assert [p.key for p in builtin.platforms("platform")] == sorted(PLATFORM_KEYS)
    assert [p.key for p in builtin.platforms("authority")] == list(AUTHORITY_KEYS)
    assert len(builtin) == len(PLATFORM_KEYS) + len(AUTHORITY_KEYS)
    assert [p.key for p in builtin] == sorted(PLATFORM_KEYS + AUTHORITY_KEYS)


def test_builtin_file_is_packaged_as_package_data() -> None:
    pyproject = tomllib.loads(Path(__file__).parents[2].joinpath("pyproject.toml").read_text())
    assert "notices/platforms.toml" in pyproject["tool"]["setuptools"]["package-data"]["idolguard"]


def test_builtin_entries_are_complete(builtin: PlatformDirectory) -> None:
    for platform in builtin:
        assert platform.name and platform.name_ko, platform.key
        assert platform.contacts, f"{platform.key} has no contact at all"
        assert platform.notes, platform.key
        # Nobody has verified these contacts yet; "checked" is either that or a YYYY-MM.
        assert platform.checked == "" or re.fullmatch(r"\d{4}-\d{2}", platform.checked)
        if platform.kind == "platform":
            assert platform.regimes and platform.domains, platform.key
            assert "kcsc" not in platform.regimes  # only the KCSC entry takes KCSC reports


@pytest.mark.parametrize(("url", "key"), sorted(SAMPLE_URLS.items()))
def test_sample_urls_resolve_to_their_platform(
    builtin: PlatformDirectory, url: str, key: str
) -> None:
    assert platform_for(url) == key  # the directory is keyed by platform_for's names
    found = builtin.for_url(url)
    assert found is not None
    assert found.key == key


def test_for_url_falls_back_to_domains(builtin: PlatformDirectory) -> None:
    # platform_for names these by registrable domain ("stop.or.kr", "kocsc.or.kr").
    assert builtin.for_url("https://d4u.stop.or.kr/counsel") is builtin.get("d4u")
    assert builtin.for_url("https://www.kocsc.or.kr/main") is builtin.get("kcsc")
    assert builtin.for_url("https://unrelated.example.org/a") is None
    assert builtin.for_url("not a url at all") is None
    assert builtin.for_url("") is None


def test_for_url_longest_domain_wins() -> None:
    directory = _load(
        """\
[platforms.shop]
name = "Shop"
domains = ["example.com"]
[platforms.blog-host]
name = "Blog host"
domains = ["blog.example.com"]
[platforms."example.co.kr"]
name = "Korean site"
"""
    )
    assert directory.for_url("https://www.example.com/item") is directory.get("shop")
    assert directory.for_url("https://a.blog.example.com/post") is directory.get("blog-host")
    assert directory.for_url("blog.example.com/post") is directory.get("blog-host")
    assert directory.for_url("https://notexample.com/") is None
    # A key named like platform_for's registrable domain is found without any domains.
    assert directory.for_url("https://news.example.co.kr/1") is directory.get("example.co.kr")


def test_contact_for_prefers_email_over_webform() -> None:
    directory = _load(
        """\
[platforms.site]
name = "Site"
regimes = ["dmca", "dsa", "take_it_down"]
[[platforms.site.contacts]]
channel = "webform"
address = "https://example.com/dmca-form"
regimes = ["dmca", "dsa"]
[[platforms.site.contacts]]
channel = "webform"
address = "https://example.com/other-form"
regimes = ["dsa"]
[[platforms.site.contacts]]
channel = "email"
address = "dmca@example.com"
regimes = ["dmca"]
[[platforms.site.contacts]]
channel = "webform"
address = "https://example.com/help"
regimes = []
"""
    )
    site = directory.require("site")
    dmca = site.contact_for("dmca")
    assert dmca is not None
    assert dmca.address == "dmca@example.com"
    dsa = site.contact_for("dsa")
    assert dsa is not None
    assert dsa.address == "https://example.com/dmca-form"  # first form when no e-mail takes it
    assert site.contact_for("take_it_down") is None
    assert site.contact_for("kr_tba") is None
    with pytest.raises(ValueError, match="unknown regime"):
        site.contact_for("gdpr")


def test_builtin_contact_for_examples(builtin: PlatformDirectory) -> None:
    telegram = builtin.require("telegram")
    assert telegram.contact_for("dmca").address == "dmca@telegram.org"
    youtube = builtin.require("youtube")
    assert youtube.contact_for("dmca").channel == "email"
    daum = builtin.require("daum")
    assert daum.contact_for("kr_tba").address == "right@kakaocorp.com"
    assert builtin.require("kcsc").contact_for("kcsc") is not None


def test_every_builtin_contact_is_well_formed(builtin: PlatformDirectory) -> None:
    for platform in builtin:
        for contact in platform.contacts:
            where = f"{platform.key}: {contact.address}"
            assert contact.channel in ("email", "webform"), where
            assert contact.address == contact.address.strip(), where
            if contact.channel == "email":
                assert contact.address.count("@") == 1, where
                assert EMAIL_RE.fullmatch(contact.address), where
            else:
                parts = urlsplit(contact.address)
                assert parts.scheme == "https", where  # the built-in file has no plain http
                assert parts.hostname and "." in parts.hostname, where
                assert not any(c.isspace() for c in contact.address), where
            assert set(contact.regimes) <= set(platform.regimes), where
            assert set(contact.regimes) <= set(REGIME_KEYS), where
            assert contact.note, f"{where} does not say where it was found"


def test_korean_platforms_take_kr_tba_and_escalate_to_kcsc_and_d4u(
    builtin: PlatformDirectory,
) -> None:
    for key in KOREAN_KEYS:
        platform = builtin.require(key)
        assert platform.country == "KR"
        assert "kr_tba" in platform.regimes
        assert platform.contact_for("kr_tba") is not None, key
        escalations = builtin.escalations(platform)
        assert {"kcsc", "d4u"} <= {p.key for p in escalations}, key
        assert all(p.kind == "authority" for p in escalations)


def test_global_platforms_take_korean_and_eu_notices(builtin: PlatformDirectory) -> None:
    for key in GLOBAL_KEYS:
        platform = builtin.require(key)
        assert {"kr_tba", "dsa", "dmca", "take_it_down"} <= set(platform.regimes), key
        assert "kcsc" in platform.escalation, key


def test_authorities(builtin: PlatformDirectory) -> None:
    assert builtin.require("kcsc").regimes == ("kcsc",)
    assert builtin.require("ftc").regimes == ("take_it_down",)
    d4u = builtin.require("d4u")
    assert "02-735-8994" in d4u.notes
    assert d4u.contacts[0].address == "https://d4u.stop.or.kr"


def test_no_response_hours_is_the_statutory_48_hours_by_accident(
    builtin: PlatformDirectory,
) -> None:
    # response_hours is what has been seen; each one must say where it was seen.
    for platform in builtin:
        if platform.response_hours is not None:
            assert "response_hours" in platform.notes, platform.key


def test_require_unknown_key_suggests_close_keys(builtin: PlatformDirectory) -> None:
    with pytest.raises(DirectoryError, match="youtube"):
        builtin.require("youtub")
    with pytest.raises(DirectoryError, match="no platform 'zzz'"):
        builtin.require("zzz")
    assert builtin.get("zzz") is None
    assert "youtube" in builtin
    assert "zzz" not in builtin


def test_platforms_rejects_an_unknown_kind(builtin: PlatformDirectory) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        builtin.platforms("regulator")


def test_to_json_is_plain_json(builtin: PlatformDirectory) -> None:
    data = json.loads(json.dumps(builtin.to_json(), ensure_ascii=False))
    assert data["source"] == BUILTIN_SOURCE
    youtube = next(p for p in data["platforms"] if p["key"] == "youtube")
    assert youtube["regimes"] == list(builtin.require("youtube").regimes)
    assert youtube["contacts"][0]["channel"] == "email"
    assert youtube["response_hours"] is None


# -- an edited copy --------------------------------------------------------------


def test_edited_copy_overrides_the_builtin(tmp_path: Path, builtin: PlatformDirectory) -> None:
    text = _builtin_text()
    old = 'address = "right@kakaocorp.com"'
    assert old in text
    text = text.replace(old, 'address = "takedown@agency.example"')
    head, youtube = text.split("[platforms.youtube]\n", 1)
    text = (
        head + "[platforms.youtube]\n" + youtube.replace('checked = ""', 'checked = "2025-06"', 1)
    )
    text += '\n[platforms.newsite]\nname = "New site"\ndomains = ["newsite.example"]\n'
    path = tmp_path / "my-platforms.toml"
    path.write_text(text, encoding="utf-8")

    mine = PlatformDirectory.load(path)

    assert mine.source == str(path)
    assert mine.require("daum").contact_for("kr_tba").address == "takedown@agency.example"
    assert mine.require("youtube").checked == "2025-06"
    assert mine.for_url("https://www.newsite.example/page") is mine.get("newsite")
    # The built-in directory is untouched.
    assert builtin.require("daum").contact_for("kr_tba").address == "right@kakaocorp.com"
    assert "newsite" not in PlatformDirectory.load()


def test_a_copy_replaces_rather_than_merges(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text('[platforms.only]\nname = "Only"\n', encoding="utf-8")
    directory = PlatformDirectory.load(path)
    assert [p.key for p in directory] == ["only"]
    assert directory.get("youtube") is None


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert PlatformDirectory.load(path).require("site").name == "Site"


# -- refused files ---------------------------------------------------------------


def test_the_base_document_is_valid() -> None:
    directory = _load(BASE)
    site = directory.require("site")
    assert site.response_hours == 48
    assert [p.key for p in directory.escalations(site)] == ["hotline"]
    assert site.name_ko is None
    assert directory.require("other").kind == "platform"  # the default


# (case id, text in BASE, replacement, key path the message must name, extra words)
ERROR_CASES: list[tuple[str, str, str, str, str]] = [
    ("unknown-top-key", "[platforms.site]", "version = 2\n[platforms.site]", "version", ""),
    ("unknown-platform-key", 'checked = ""', 'colour = "red"', "platforms.site.colour", "known"),
    (
        "unknown-contact-key",
        'note = "Seen nowhere."',
        'phone = "1377"',
        "platforms.site.contacts[0].phone",
        "",
    ),
    ("name-wrong-type", 'name = "Site"', "name = 5", "platforms.site.name", "string"),
    ("name-empty", 'name = "Site"', 'name = "  "', "platforms.site.name", "empty"),
    ("name-missing", 'name = "Site"\n', "", "platforms.site.name", "missing"),
    (
        "domains-not-array",
        'domains = ["example.com"]',
        'domains = "example.com"',
        "platforms.site.domains",
        "array",
    ),
    (
        "domain-with-scheme",
        'domains = ["example.com"]',
        'domains = ["https://example.com"]',
        "platforms.site.domains[0]",
        "",
    ),
    (
        "domain-upper-case",
        'domains = ["example.com"]',
        'domains = ["Example.com"]',
        "platforms.site.domains[0]",
        "",
    ),
    (
        "domain-repeated",
        'domains = ["example.com"]',
        'domains = ["example.com", "example.com"]',
        "platforms.site.domains[1]",
        "repeats",
    ),
    (
        "domain-duplicate-across",
        'domains = ["example.net"]',
        'domains = ["example.com"]',
        "platforms.other.domains[0]",
        "platforms.site",
    ),
    (
        "regime-unknown",
        'regimes = ["dmca", "kr_tba"]',
        'regimes = ["dmca", "gdpr"]',
        "platforms.site.regimes[1]",
        "take_it_down, dmca",
    ),
    (
        "regime-wrong-type",
        'regimes = ["dmca", "kr_tba"]',
        'regimes = ["dmca", 3]',
        "platforms.site.regimes[1]",
        "string",
    ),
    (
        "contact-regime-unknown",
        'regimes = ["dmca"]\nlanguages = ["en"]',
        'regimes = ["copyright"]\nlanguages = ["en"]',
        "platforms.site.contacts[0].regimes[0]",
        "known",
    ),
    (
        "contact-regime-not-on-platform",
        'regimes = ["dmca"]\nlanguages = ["en"]',
        'regimes = ["dsa"]\nlanguages = ["en"]',
        "platforms.site.contacts[0].regimes[0]",
        "platforms.site.regimes",
    ),
    (
        "channel-unknown",
        'channel = "email"',
        'channel = "fax"',
        "platforms.site.contacts[0].channel",
        'must be "email" or "webform"',
    ),
    ("channel-missing", 'channel = "email"\n', "", "platforms.site.contacts[0].channel", "missing"),
    (
        "address-missing",
        'address = "abuse@example.com"\n',
        "",
        "platforms.site.contacts[0].address",
        "missing",
    ),
    (
        "email-two-ats",
        '"abuse@example.com"',
        '"abuse@legal@example.com"',
        "platforms.site.contacts[0].address",
        "e-mail",
    ),
    (
        "email-whitespace",
        '"abuse@example.com"',
        '"abuse @example.com"',
        "platforms.site.contacts[0].address",
        "e-mail",
    ),
    (
        "email-two-addresses",
        '"abuse@example.com"',
        '"a@example.com, b@example.com"',
        "platforms.site.contacts[0].address",
        "e-mail",
    ),
    (
        "email-mailto",
        '"abuse@example.com"',
        '"mailto:abuse@example.com"',
        "platforms.site.contacts[0].address",
        "e-mail",
    ),
    (
        "email-is-a-url",
        '"abuse@example.com"',
        '"https://example.com/report"',
        "platforms.site.contacts[0].address",
        "webform",
    ),
    (
        "email-no-domain",
        '"abuse@example.com"',
        '"abuse@localhost"',
        "platforms.site.contacts[0].address",
        "e-mail",
    ),
    (
        "webform-no-scheme",
        'channel = "email"\naddress = "abuse@example.com"',
        'channel = "webform"\naddress = "example.com/report"',
        "platforms.site.contacts[0].address",
        "https://",
    ),
    (
        "webform-ftp",
        'channel = "email"\naddress = "abuse@example.com"',
        'channel = "webform"\naddress = "ftp://example.com/report"',
        "platforms.site.contacts[0].address",
        "https://",
    ),
    (
        "webform-is-email",
        'channel = "email"',
        'channel = "webform"',
        "platforms.site.contacts[0].address",
        "https://",
    ),
    (
        "webform-space",
        'channel = "email"\naddress = "abuse@example.com"',
        'channel = "webform"\naddress = "https://example.com/a form"',
        "platforms.site.contacts[0].address",
        "spaces",
    ),
    (
        "webform-credentials",
        'channel = "email"\naddress = "abuse@example.com"',
        'channel = "webform"\naddress = "https://user:pw@example.com/form"',
        "platforms.site.contacts[0].address",
        "password",
    ),
    (
        "kind-unknown",
        'kind = "platform"',
        'kind = "regulator"',
        "platforms.site.kind",
        '"platform" or "authority"',
    ),
    (
        "escalation-unknown",
        'escalation = ["hotline"]',
        'escalation = ["police"]',
        "platforms.site.escalation[0]",
        "authorities: hotline",
    ),
    (
        "escalation-not-authority",
        'escalation = ["hotline"]',
        'escalation = ["other"]',
        "platforms.site.escalation[0]",
        "not an authority",
    ),
    (
        "escalation-self",
        'escalation = ["hotline"]',
        'escalation = ["site"]',
        "platforms.site.escalation[0]",
        "itself",
    ),
    ("key-upper-case", "[platforms.site]", "[platforms.Site]", "platforms.Site", "not a valid key"),
    (
        "key-with-space",
        "[platforms.site]\n",
        '[platforms."my site"]\n',
        'platforms."my site"',
        "not a valid key",
    ),
    (
        "key-too-long",
        "[platforms.site]\n",
        f"[platforms.{'a' * 65}]\n",
        f"platforms.{'a' * 65}",
        "not a valid key",
    ),
    (
        "key-leading-dot",
        "[platforms.site]\n",
        '[platforms.".site"]\n',
        'platforms.".site"',
        "not a valid key",
    ),
    (
        "response-hours-zero",
        "response_hours = 48",
        "response_hours = 0",
        "platforms.site.response_hours",
        "positive",
    ),
    (
        "response-hours-negative",
        "response_hours = 48",
        "response_hours = -5",
        "platforms.site.response_hours",
        "positive",
    ),
    (
        "response-hours-float",
        "response_hours = 48",
        "response_hours = 1.5",
        "platforms.site.response_hours",
        "float",
    ),
    (
        "response-hours-bool",
        "response_hours = 48",
        "response_hours = true",
        "platforms.site.response_hours",
        "boolean",
    ),
    (
        "response-hours-string",
        "response_hours = 48",
        'response_hours = "48"',
        "platforms.site.response_hours",
        "string",
    ),
    (
        "response-hours-huge",
        "response_hours = 48",
        "response_hours = 100000",
        "platforms.site.response_hours",
        "positive",
    ),
    (
        "checked-bad-month",
        'checked = ""',
        'checked = "2025-13"',
        "platforms.site.checked",
        "2025-06",
    ),
    ("checked-prose", 'checked = ""', 'checked = "last week"', "platforms.site.checked", "2025-06"),
    (
        "checked-date-value",
        'checked = ""',
        "checked = 2025-06-01",
        "platforms.site.checked",
        "date",
    ),
    (
        "country-lower-case",
        'country = "KR"',
        'country = "kr"',
        "platforms.site.country",
        "country code",
    ),
    (
        "language-bad",
        'languages = ["ko"]',
        'languages = ["Korean"]',
        "platforms.site.languages[0]",
        "language code",
    ),
    (
        "contacts-not-array",
        "[[platforms.site.contacts]]",
        "[platforms.site.contacts]",
        "platforms.site.contacts",
        "array of tables",
    ),
    (
        "platform-not-table",
        "[platforms.site]",
        '[platforms]\nbroken = "x"\n[platforms.site]',
        "platforms.broken",
        "table",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key_path", "words"),
    [pytest.param(old, new, path, words, id=case) for case, old, new, path, words in ERROR_CASES],
)
def test_a_broken_file_names_the_offending_key(
    old: str, new: str, key_path: str, words: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    with pytest.raises(DirectoryError) as caught:
        _load(text)
    error = caught.value
    message = str(error)
    assert message.startswith(f"test.toml: {key_path} "), message
    assert error.key_path == key_path
    assert error.source == "test.toml"
    assert words in message


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "name_ko",
        "kind",
        "country",
        "domains",
        "regimes",
        "languages",
        "response_hours",
        "escalation",
        "checked",
        "notes",
        "contacts",
    ],
)
def test_every_platform_field_refuses_a_table(field: str) -> None:
    # Whatever the field, a value of the wrong type is a DirectoryError, never a TypeError.
    text = re.sub(rf"^{field} = .*\n", "", BASE, count=1, flags=re.MULTILINE)
    if field == "contacts":
        text = re.sub(
            r"\[\[platforms\.site\.contacts\]\].*?(?=\[platforms\.other\])", "", text, flags=re.S
        )
    text = text.replace("[platforms.site]\n", f"[platforms.site]\n{field} = {{ a = 1 }}\n", 1)
    with pytest.raises(DirectoryError) as caught:
        _load(text)
    assert caught.value.key_path == f"platforms.site.{field}"
    assert "a table" in str(caught.value)


def test_invalid_toml_names_line_and_column() -> None:
    with pytest.raises(DirectoryError, match=r"test\.toml: is not valid TOML: .*line 3, column"):
        _load('[platforms.site]\nname = "Site"\nregimes = [dmca]\n')


def test_missing_or_empty_platforms_table() -> None:
    with pytest.raises(DirectoryError, match=r"test\.toml: platforms is missing"):
        _load("# nothing here\n")
    with pytest.raises(DirectoryError, match=r"test\.toml: platforms has no entries"):
        _load("[platforms]\n")
    with pytest.raises(DirectoryError, match=r"test\.toml: platforms must be a table"):
        _load('platforms = "youtube"\n')


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(DirectoryError, match="cannot read") as caught:
        PlatformDirectory.load(path)
    assert str(path) in str(caught.value)
    assert caught.value.key_path is None


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="cannot read"):
        PlatformDirectory.load(tmp_path)


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(BASE + "#" * MAX_DIRECTORY_BYTES + "\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="larger than 1 MiB"):
        PlatformDirectory.load(path)
    with pytest.raises(DirectoryError, match="larger than 1 MiB"):
        _load(BASE + "#" * MAX_DIRECTORY_BYTES)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[platforms.site]\nname = "Café"\n'.encode("latin-1"))
    with pytest.raises(DirectoryError, match="not UTF-8"):
        PlatformDirectory.load(path)
