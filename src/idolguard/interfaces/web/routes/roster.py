"""Placeholder: filled in by the roster work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
