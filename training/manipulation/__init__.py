"""Reproducible training of the shipped manipulation models: see ``scripts/train-manipulation``."""
