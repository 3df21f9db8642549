"""Data protection: subject access exports, erasure and retention (see docs/data-protection.md)."""
