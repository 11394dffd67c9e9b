"""One triage score per item, in [0, 1], with the reasons a reviewer can check.

The question is "is one of our artists in this, and how bad is it?", so the
score combines *who* (identity confidence) with *how bad* (explicitness,
declared AI generation, a confirmed-content hash match). Evidence is combined
as a noisy-OR: each piece can raise the score on its own, none can lower it,
and the strongest combination is an enrolled artist in explicit or
AI-generated content. The weights are triage policy, not probabilities: they
order the review queue, and every reason shows its raw value so nobody has to
trust the number. A face the manipulation model flags (a face swap or blended
face) and a picture the AI-generation model flags are harms too, weighted
below a declaration because models err.

The words around a file (caption, title, hashtags, else its file name) count
too: deepfake or sexual vocabulary is one more harm, and an artist named in
them stands in, more weakly, for a face nobody recognised, so "제니 딥페이크"
under a masked or blurred video still reaches a reviewer. A fan who reports
a file and picks the artist from the agency's roster names them just as
plainly, so the fan's choice (``source["reported_artist"]``) stands in for
recognition at the same weight as a caption's exact name.

Besides the English ``reasons``, the result carries a ``breakdown``: every
contributing signal with its score, its policy weight and its reason as a
key and values, so a review page can show in the reviewer's language why an
item ranks where it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal, Stage
from idolguard.signals.presentation import FindingsView, ScanField, ScoreExplanation, rounded
from idolguard.signals.text import field_label, text_harm, vocabulary_reasons

# Declared AI generation (C2PA, IPTC, generator metadata, watermark) is
# strong, but it also covers harmless AI art: it counts as harm 0.8, not 1.
AI_GENERATED_HARM = 0.8
# A face flagged by the manipulation model: the score itself is calibrated, but
# the model has not seen every generator, so it counts at 0.85 of its value.
MANIPULATION_HARM_WEIGHT = 0.85
# The whole-picture AI-generation model alone (nothing declared): a hint, at 0.6.
AI_MODEL_HARM_WEIGHT = 0.6
# A confirmed-content match needs review whoever is in it.
BANK_MATCH = {"match": 0.95, "possible-match": 0.7}
# Harm with nobody from the roster recognised (an unknown or unenrolled
# person, or a face too small to name) still deserves a look, lower down.
UNNAMED_HARM_WEIGHT = 0.35
# An enrolled artist in an ordinary-looking photo: worth listing, not urgent.
ARTIST_ONLY_WEIGHT = 0.15
# Explicitness below this is reported as a value but not as a reason.
EXPLICIT_REASON_FLOOR = 0.2
# Caption vocabulary is what the uploader claims the file is: telling, but
# people also write about deepfakes to condemn them, so it counts at 0.8.
CAPTION_HARM_WEIGHT = 0.8
# An artist named in the caption but not recognised in the picture (no
# usable face, or a mislabelled file) is a weaker "who" than a face match:
# named + "deepfake" opens an item, named alone stays low in the list.
CAPTION_NAME_WEIGHT = 0.7
# The artist a fan picked from the roster when reporting: a plain naming, like
# an exact caption name, and counted the same (a fan can be wrong, a face is seen).
REPORTED_NAME_WEIGHT = CAPTION_NAME_WEIGHT


def noisy_or(values: list[float]) -> float:
    remaining = 1.0
    for value in values:
        remaining *= 1.0 - max(0.0, min(1.0, value))
    return 1.0 - remaining


class RiskSignal(Signal):
    name = "risk"
    version = "3"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    stage = Stage.CONTEXT
    requires = (
        "identity",
        "explicit",
        "provenance",
        "manipulation",
        "ai_generated",
        "bank_match",
        "text",
    )
    description = "triage score in [0, 1] with reasons (identity x harm, bank matches, caption)"

    display_order = 0
    explanation = ScoreExplanation(
        label_ko="위험도",
        label_en="Risk",
        meaning_ko="검토 순서를 정하는 0~1 점수. 신원 신뢰도와 피해 신호(노출도, AI 생성 "
        "표시, 확인된 콘텐츠와의 해시 일치)를 결합한다.",
        meaning_en="Triage priority in [0, 1] that orders the review queue; combines "
        "identity confidence with harm signals (explicitness, declared AI generation, "
        "hash match to confirmed content).",
        limits_ko="확률이 아니다. 가중치는 운영 정책이다. 판단은 사유에 적힌 원래 값으로 "
        "해야 한다.",
        limits_en="Not a probability: the weights are triage policy. Judge the item by the "
        "raw values listed under Reasons.",
    )

    def analyse(self, item: AnalysisItem) -> JSONDict:
        reasons: list[tuple[float, str]] = []
        terms: list[float] = []
        factors: list[JSONDict] = []
        parts: list[JSONDict] = []

        text = item.results.get("text") or {}
        who, who_reason, who_factor = _who(
            item.results.get("identity") or {}, text, item.source.get("reported_artist")
        )
        if who_factor is not None:
            factors.append(who_factor)

        harms, harm_reasons, harm_factors = _harms(item.results, text)
        factors += harm_factors
        harm = noisy_or(harms)

        if who_reason:
            term = who * harm
            terms.append(term)
            if harm_reasons:
                reasons.append((term, f"{who_reason} with " + " and ".join(harm_reasons)))
                parts.append({"kind": "artist_harm", "value": round(term, 4)})
            terms.append(ARTIST_ONLY_WEIGHT * who)
            reasons.append((ARTIST_ONLY_WEIGHT * who, who_reason))
            parts.append(
                {
                    "kind": "artist_only",
                    "weight": ARTIST_ONLY_WEIGHT,
                    "value": round(ARTIST_ONLY_WEIGHT * who, 4),
                }
            )
        elif harm_reasons:
            term = UNNAMED_HARM_WEIGHT * harm
            terms.append(term)
            reasons.append(
                (term, "no enrolled artist recognised, but " + " and ".join(harm_reasons))
            )
            parts.append(
                {"kind": "unnamed_harm", "weight": UNNAMED_HARM_WEIGHT, "value": round(term, 4)}
            )

        bank = item.results.get("bank_match") or {}
        verdict = bank.get("verdict")
        if verdict in BANK_MATCH:
            term = BANK_MATCH[verdict]
            terms.append(term)
            labels = sorted(
                {
                    str(m.get("bank"))
                    for m in bank.get("matches", [])
                    if m.get("bank_kind") == "block"
                }
            )
            reasons.append((term, f"hash {verdict} in block bank(s) {', '.join(labels)}"))
            factors.append(
                _factor(
                    "bank_match",
                    "bank",
                    1.0,
                    term,
                    f"bank.{verdict}",
                    banks=", ".join(labels),
                )
            )
            parts.append({"kind": "bank", "value": round(term, 4)})
        elif verdict == "allow-listed":
            reasons.append((0.0, "matches an allow-listed (known benign) source"))
            factors.append(_factor("bank_match", "bank", 0.0, 0.0, "bank.allow-listed"))

        ordered = [text for weight, text in sorted(reasons, key=lambda r: -r[0])]
        score = round(noisy_or(terms), 4)
        parts.sort(key=lambda p: -float(p["value"]))
        breakdown: JSONDict = {
            "who": round(who, 4),
            "harm": round(harm, 4),
            "factors": factors,
            "terms": parts,
        }
        return {"score": score, "reasons": ordered, "breakdown": breakdown}

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        return {
            "risk": {
                "score": rounded(result.get("score")),
                "reasons": list(result.get("reasons") or []),
                "breakdown": _breakdown(result.get("breakdown")),
            }
        }

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        risk = results.get(cls.name) or {}
        return [
            ScanField("risk", risk.get("score"), 110),
            ScanField("reasons", list(risk.get("reasons", [])), 111),
        ]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        return [str(r) for r in result.get("reasons") or []]

    def summary(self, result: Mapping[str, Any]) -> str:
        score = result.get("score")
        return "" if score is None else f"risk {score:.2f}"


def _breakdown(value: Any) -> dict[str, Any] | None:
    """The breakdown (version 3 on) as the review page shows it: factors and their terms.

    ``None`` for results stored before it existed; the page then lists the
    English reasons as they were recorded.
    """
    if not isinstance(value, Mapping):
        return None
    factors = [
        {
            "signal": f.get("signal"),
            "role": f.get("role"),
            "score": rounded(f.get("score")),
            "weight": rounded(f.get("weight")),
            "value": rounded(f.get("value")),
            "key": f.get("key"),
            "values": dict(f.get("values") or {}),
        }
        for f in value.get("factors") or []
        if isinstance(f, Mapping)
    ]
    terms = [
        {
            "kind": t.get("kind"),
            "weight": rounded(t.get("weight")),
            "value": rounded(t.get("value")),
        }
        for t in value.get("terms") or []
        if isinstance(t, Mapping)
    ]
    return {
        "who": rounded(value.get("who")),
        "harm": rounded(value.get("harm")),
        "factors": factors,
        "terms": terms,
    }


def _manipulation_reason(result: Mapping[str, Any], score: float) -> str:
    flagged = [f for f in result.get("faces", []) if f.get("flagged")]
    text = f"face manipulation {score:.2f} ({len(flagged)} face(s) flagged"
    ranges = result.get("ranges") or []
    if ranges:
        shown = ", ".join(f"{r['start']:.0f}-{r['end']:.0f} s" for r in ranges[:3])
        text += f"; at {shown}" + (" …" if len(ranges) > 3 else "")
    return text + ")"


def _factor(
    signal: str, role: str, score: float, weight: float, key: str, **values: Any
) -> JSONDict:
    """One contributing signal: its score, the policy weight applied, and its reason.

    ``key`` names the reason (``review.why.<key>`` on the web pages) and
    ``values`` fill it, so each page can say it in its own language.
    """
    return {
        "signal": signal,
        "role": role,
        "score": round(score, 4),
        "weight": round(weight, 4),
        "value": round(score * weight, 4),
        "key": key,
        "values": values,
    }


def _harms(
    results: Mapping[str, Any], text: Mapping[str, Any]
) -> tuple[list[float], list[str], list[JSONDict]]:
    """How bad the file looks: each harm's weighted value, English reason and factor."""
    harms: list[float] = []
    reasons: list[str] = []
    factors: list[JSONDict] = []
    explicit = (results.get("explicit") or {}).get("score")
    if isinstance(explicit, int | float):
        harms.append(float(explicit))
        factors.append(_factor("explicit", "harm", float(explicit), 1.0, "explicit"))
        if explicit >= EXPLICIT_REASON_FLOOR:
            reasons.append(f"explicitness {explicit:.2f}")
    provenance = results.get("provenance") or {}
    if provenance.get("ai_generated"):
        harms.append(AI_GENERATED_HARM)
        sources = [
            f.get("source", f.get("kind", ""))
            for f in provenance.get("findings", [])
            if f.get("ai")
        ]
        reasons.append("declared AI-generated (" + "; ".join(sources[:3]) + ")")
        factors.append(
            _factor(
                "provenance",
                "harm",
                1.0,
                AI_GENERATED_HARM,
                "declared_ai",
                sources="; ".join(str(s) for s in sources[:3]),
            )
        )
    manipulation = results.get("manipulation") or {}
    if manipulation.get("flagged") and isinstance(manipulation.get("score"), int | float):
        score = float(manipulation["score"])
        harms.append(MANIPULATION_HARM_WEIGHT * score)
        reasons.append(_manipulation_reason(manipulation, score))
        flagged = [f for f in manipulation.get("faces", []) if f.get("flagged")]
        factors.append(
            _factor(
                "manipulation",
                "harm",
                score,
                MANIPULATION_HARM_WEIGHT,
                "manipulation",
                faces=len(flagged),
            )
        )
    generated = results.get("ai_generated") or {}
    if (
        generated.get("generated")
        and not generated.get("declared")
        and isinstance(generated.get("score"), int | float)
    ):
        score = float(generated["score"])
        harms.append(AI_MODEL_HARM_WEIGHT * score)
        reasons.append(f"looks AI-generated (model score {score:.2f})")
        factors.append(_factor("ai_generated", "harm", score, AI_MODEL_HARM_WEIGHT, "ai_generated"))
    caption_harm = text_harm(text)
    if caption_harm > 0:
        harms.append(CAPTION_HARM_WEIGHT * caption_harm)
        reasons.extend(vocabulary_reasons(text))
        words = ", ".join(str(t.get("term")) for t in text.get("terms", [])[:5])
        factors.append(
            _factor("text", "harm", caption_harm, CAPTION_HARM_WEIGHT, "caption_terms", terms=words)
        )
    for name, harm, weight, reason in _declared_harms(results):
        harms.append(weight * harm)
        reasons.append(reason)
        factors.append(_factor(name, "harm", harm, weight, "declared_harm", reason=reason))
    return harms, reasons, factors


# The harms above are risk's own policy; any other signal may declare one (``Signal.risk_harm``).
_WEIGHED_HERE = frozenset(
    {"explicit", "provenance", "manipulation", "ai_generated", "text", "identity", "bank_match"}
)


def _declared_harms(results: Mapping[str, Any]) -> list[tuple[str, float, float, str]]:
    """(signal, score, weight, reason) for every other stored result that declares a harm."""
    from idolguard.signals.registry import presentation_for  # the registry lists signal types

    declared = []
    for name in sorted(set(results) - _WEIGHED_HERE - {"risk"}):
        result = results[name]
        if not isinstance(result, Mapping):
            continue
        harm = presentation_for(name).risk_harm(result)
        if harm is None:
            continue
        score = min(1.0, max(0.0, float(harm.score)))
        weight = min(1.0, max(0.0, float(harm.weight)))
        if score * weight > 0:
            declared.append((name, score, weight, harm.reason))
    return declared


def _who(
    identity: Mapping[str, Any], text: Mapping[str, Any], reported: Any = None
) -> tuple[float, str, JSONDict | None]:
    """How sure we are that an enrolled artist is in the file, the reason, and its factor.

    A recognised face wins; otherwise the artist a fan picked when reporting
    counts at ``REPORTED_NAME_WEIGHT`` and an artist named in the caption at
    ``CAPTION_NAME_WEIGHT`` of the name match's score, whichever is higher;
    (0, "", None) when nobody.
    """
    faces = [f["identity"] for f in identity.get("faces", []) if f.get("identity")]
    if faces:
        face = max(faces, key=lambda i: float(i["score"]))
        who = float(face["score"])
        factor = _factor("identity", "who", who, 1.0, "face", name=str(face["name"]))
        return who, f"{face['name']} recognised (score {who:.2f})", factor
    candidates: list[tuple[float, str, JSONDict]] = []
    if isinstance(reported, Mapping) and reported.get("name"):
        who = REPORTED_NAME_WEIGHT
        name = str(reported["name"])
        factor = _factor("report", "who", 1.0, REPORTED_NAME_WEIGHT, "reported", name=name)
        candidates.append(
            (who, f"{name} named by the fan who reported it (score {who:.2f})", factor)
        )
    named = text.get("artists") or []
    if named:
        artist = max(named, key=lambda a: float(a["score"]))
        who = CAPTION_NAME_WEIGHT * float(artist["score"])
        where = field_label([artist])
        factor = _factor(
            "text",
            "who",
            float(artist["score"]),
            CAPTION_NAME_WEIGHT,
            "caption_name",
            name=str(artist["name"]),
            matched=str(artist["matched"]),
        )
        reason = (
            f"{artist['name']} named in {where} ({artist['matched']!r}, {artist['how']}; "
            f"score {who:.2f})"
        )
        candidates.append((who, reason, factor))
    if not candidates:
        return 0.0, "", None
    return max(candidates, key=lambda c: c[0])
