"""The one exception family the command line turns into a one-line error message.

Expected failures (bad configuration, unreadable data, an unknown run) raise a subclass of
ProjectError; the CLI prints it to stderr and exits 1, with no traceback.
"""


class ProjectError(Exception):
    """An expected failure, explained by its message."""


class ConfigError(ProjectError):
    """The run configuration is missing or invalid."""


class DataError(ProjectError):
    """The data cannot be read, or does not fit the configuration."""


class RunError(ProjectError):
    """A tracked run is missing, or lacks what the command needs."""
