"""The project's tests.

numba compiles the generic SHAP explainer's loops (explain.py, models with neither
coefficients nor trees) the first time they run. The tests explain a handful of rows, where
LLVM's optimisation passes cost more than they save: about 1.5 CPU-s of every test run. So the
tests compile without them; the values are the same. Set before anything imports numba, which
reads it once (pytest imports this package before its conftest).
"""

import os

os.environ.setdefault("NUMBA_OPT", "0")
