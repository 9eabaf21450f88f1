"""The course's executed notebooks and offline HTML book (tooling, not a chapter)."""
