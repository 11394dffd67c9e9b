"""Temporal evidence for videos: how the face, the mouth and the background move.

Talking-head generators (SadTalker, LivePortrait, AniTalker, ...) animate one
photo: there is no pasted face for a per-frame blending detector to find, so
the evidence is in time. This package samples short dense windows
(``windows``), follows a face track's five landmarks through them
(``landmarks``), turns each window into reviewer-readable measurements
(``features``) and scores them with a small shipped model (``model``).
"""
