"""The package version, read by the build (hatch) and at run time without importlib.metadata
(which costs ~30 ms of every server start)."""

__version__ = "0.1.0"
