"""Signals other rooms listen to, so schemes need not know about them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that moves a scheme: kwargs ``scheme``, ``phase``, ``actor``.
phase_changed = Signal()
