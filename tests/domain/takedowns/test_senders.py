"""Per-agency sender settings: stored per agency, over the [notices] fallback, audited."""

from __future__ import annotations

from dataclasses import replace

import pytest

from idolguard.app import IdolGuard
from idolguard.config import NoticeSettings, Settings
from idolguard.domain.takedowns.senders import SenderSettingsError


def test_agency_values_override_the_fallback_and_changes_are_audited(settings: Settings) -> None:
    fallback = NoticeSettings(sender_name="Install Default", email="default@example.test")
    with IdolGuard(replace(settings, notices=fallback)) as app:
        view = app.senders.view()
        assert view.effective.name == "Install Default" and view.source("name") == "installation"
        assert view.source("signature") == "unset"

        view = app.senders.update(
            {"name": "Kim Minji", "signature": "/s/ Kim Minji"}, actor="admin@test"
        )
        assert view.effective.name == "Kim Minji" and view.source("name") == "agency"
        assert app.notices.sender().signature == "/s/ Kim Minji"
        assert view.effective.email == "default@example.test"

        cleared = app.senders.update({"name": ""}, actor="admin@test")
        assert cleared.effective.name == "Install Default"

        entries = [e for e in app.custody.entries() if e.subject == "settings:sender"]
        assert [sorted(e.details["fields"]) for e in entries] == [["name", "signature"], ["name"]]
        assert entries[0].actor == "admin@test" and app.custody.verify().ok
        app.senders.update({"signature": "/s/ Kim Minji"}, actor="admin@test")  # unchanged
        assert len([e for e in app.custody.entries() if e.subject == "settings:sender"]) == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nickname": "x"}, "unknown sender field"),
        ({"requester_type": "fan"}, "requester_type must be one of"),
        ({"name": "a\x00b"}, "control characters"),
        ({"name": "x" * 1001}, "longer than"),
    ],
)
def test_bad_values_are_refused(settings: Settings, values: dict[str, str], message: str) -> None:
    with IdolGuard(settings) as app, pytest.raises(SenderSettingsError, match=message):
        app.senders.update(values, actor="admin@test")
