"""veille: media monitoring. Watches news sources and tells what is new or has changed."""

__version__ = "0.1.0"
