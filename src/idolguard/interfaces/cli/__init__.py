"""The ``idolguard`` command."""
