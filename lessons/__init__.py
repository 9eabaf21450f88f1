"""The course's lessons: one runnable, readable script per lesson (jupytext percent format)."""
