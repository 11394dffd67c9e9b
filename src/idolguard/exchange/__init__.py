"""Exchanging hash banks with other tools: file formats below the domain layer.

The bank service (``idolguard.domain.banks``) and the CLI read and write bank
files through ``idolguard.exchange.formats``; the codecs know nothing of the
database, so they sit below the domain and can be tested on their own.
"""
