"""``python -m revmentor`` is the same as the ``revmentor`` command."""

from __future__ import annotations

import sys

from revmentor.cli import main

sys.exit(main())
