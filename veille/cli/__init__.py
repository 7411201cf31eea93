"""The ``veille`` command."""

from .main import main  # noqa: F401

__all__ = ["main"]
