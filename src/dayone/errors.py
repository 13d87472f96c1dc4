"""The one exception family for expected failures.

Anything raised as a DayoneError is printed as a single line on stderr and exits 1;
everything else is a bug and keeps its traceback.
"""


class DayoneError(Exception):
    """Expected failure: printed as one line, exit 1."""
