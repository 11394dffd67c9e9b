"""Placeholder: filled in by the notices work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
