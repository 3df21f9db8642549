"""``python -m revmentor.allocator``: the same as ``revmentor allocate``."""

from __future__ import annotations

import sys

from revmentor.allocator.cli import main

if __name__ == "__main__":
    sys.exit(main())
