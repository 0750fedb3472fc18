"""papertriage: rank saved paper listings against keyword profiles."""

__version__ = "0.1.0"
