"""Signals other rooms listen to, so schemes need not know about them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that moves a scheme: kwargs ``scheme``, ``phase``, ``actor``.
phase_changed = Signal()

# Sent inside the transaction in which someone taking part stops: the lead withdraws
# them (``how`` "withdrawn") or they withdraw their consent (``how`` "consent"). Kwargs
# ``participant``, ``how``, ``actor`` (None when nobody signed in did it).
participant_stopped = Signal()

# Sent inside the transaction in which someone who had stopped taking part takes part
# again: they give their consent again after withdrawing it, and the lead had not
# withdrawn them. Kwargs ``participant``.
participant_resumed = Signal()
