"""Registration of the regimes that ship with IdolGuard: adding one is one line here.

Listed in ``idolguard.plugins.BUILTIN``, this module offers the built-in
regimes through the ``idolguard_regimes`` hook exactly as a third-party plug-in
would; their order here is the order lists and pages show them in.
"""

from __future__ import annotations

from idolguard.hookspecs import hookimpl
from idolguard.notices.regimes.base import Regime
from idolguard.notices.regimes.dmca import DMCA
from idolguard.notices.regimes.dsa import DSA
from idolguard.notices.regimes.impersonation import IMPERSONATION
from idolguard.notices.regimes.kcsc import KCSC
from idolguard.notices.regimes.kr_tba import KR_TBA
from idolguard.notices.regimes.take_it_down import TAKE_IT_DOWN


@hookimpl
def idolguard_regimes() -> list[Regime]:
    return [TAKE_IT_DOWN, DMCA, DSA, KR_TBA, KCSC, IMPERSONATION]
