"""Training and data for the temporal video model (``idolguard.forensics.temporal``)."""
