"""What a run tells its user: the report (:mod:`.build`) and notifications (:mod:`.notify`)."""

from .build import build_report, growing_pending, has_news, render_json, render_text  # noqa: F401

__all__ = ["build_report", "growing_pending", "has_news", "render_json", "render_text"]
