"""Placeholder: filled in by the cases work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
