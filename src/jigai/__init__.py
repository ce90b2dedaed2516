"""jigai (既改): energy-efficiency retrofit programmes for existing buildings."""

__version__ = "0.1.0"
