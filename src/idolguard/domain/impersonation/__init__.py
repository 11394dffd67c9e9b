"""Impersonation and scam accounts: official handles, profile checks, queueing flagged ones.

Not to be confused with ``domain.accounts`` (IdolGuard's own users and sign-in).
"""

from idolguard.domain.impersonation.officials import OfficialHandleService, OfficialsError
from idolguard.domain.impersonation.service import ImpersonationError, ImpersonationService

__all__ = [
    "ImpersonationError",
    "ImpersonationService",
    "OfficialHandleService",
    "OfficialsError",
]
