"""revmentor: run and evaluate reverse mentoring programmes in the NHS."""

__version__ = "0.1.0"
