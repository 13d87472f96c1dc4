"""dayone: a Copier template and CLI that give ML teams a green repository on day one."""

__version__ = "0.1.0"
