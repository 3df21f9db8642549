"""``python -m revmentor.analysis`` is the same as ``revmentor analyse``."""

from __future__ import annotations

import sys

from revmentor.analysis.cli import main

sys.exit(main())
