"""Placeholder: filled in by the review work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
