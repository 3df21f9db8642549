"""The analysis engine: a study data folder in, the paper's Results section out.

Pure Python (NumPy, SciPy, pyarrow): it imports nothing from Django, so the web app and
the ``revmentor analyse`` command are two thin shells over the same functions::

    from revmentor.analysis import analyse, read_study
    results = analyse(read_study("my-study/"), method="tukey")
"""

from __future__ import annotations

from revmentor.analysis.engine import analyse
from revmentor.analysis.problems import Problem, StudyDataError
from revmentor.analysis.reader import Study, read_study

__all__ = ["Problem", "Study", "StudyDataError", "analyse", "read_study"]
