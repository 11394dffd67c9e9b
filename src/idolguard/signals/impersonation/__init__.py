"""Impersonation: does an account pretend to be an enrolled artist, and to what end?

A profile (handle, display name, bio, avatar, links, recent posts) is read for
likeness (its names imitate an artist's; its avatar or banner shows one) and
for intent (scam vocabulary, a claim to be official, messenger contacts,
blocked or newly registered links). Likeness alone is what fan accounts and
namesakes have, intent alone is ordinary spam, so only the two together, or
two kinds of likeness, make an ``impersonation`` risk worth a reviewer's time.
The roster's official handles are an allow-list: an official account is never
flagged. Accounts that say they are fan accounts score low.

* ``profile``: the ``Profile`` connectors yield and the analysis reads;
* ``names``: the skeleton names are compared in (homoglyphs, jamo, decorations);
* ``vocabulary``: scam, fan and "official" words in Korean and English;
* ``links``: link targets (block list, newly registered, messenger contacts);
* ``avatar``: the avatar/banner against official photos and banks (PDQ) and faces;
* ``analysis``: the combined risk and its reasons;
* ``presentation``: how a result is shown (reasons, JSON).
"""

from idolguard.signals.impersonation.analysis import (
    FLAG_THRESHOLD,
    ImpersonationResult,
    OfficialHandle,
    ProfileAnalyser,
)
from idolguard.signals.impersonation.profile import Profile, ProfileError

__all__ = [
    "FLAG_THRESHOLD",
    "ImpersonationResult",
    "OfficialHandle",
    "Profile",
    "ProfileAnalyser",
    "ProfileError",
]
