"""The bench-only Django site of ``bench/load.py``: production settings over plain HTTP,
and a URLconf that adds the floor view to the production URLs. Never deployed."""
