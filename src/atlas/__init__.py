"""Atlas: migration data that shares the picture and never exposes a person."""

__version__ = "0.1.0"
