"""Errors a user can cause; the CLI turns each into one line on stderr and exit status 1."""

from __future__ import annotations


class PapertriageError(Exception):
    """Base class: the message says what went wrong, where, and what to do."""


class InputError(PapertriageError):
    """A listing could not be opened or read."""


class ConfigError(PapertriageError):
    """A config file or profile is invalid."""


class OutputError(PapertriageError):
    """An output file could not be written."""
