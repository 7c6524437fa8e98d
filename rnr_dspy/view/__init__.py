"""The run viewer: one self-contained HTML page of a generate run's rows and an eval run's items."""

from rnr_dspy.view.page import VIEW_FILE, ViewError, find_sources, write_view

__all__ = ["VIEW_FILE", "ViewError", "find_sources", "write_view"]
