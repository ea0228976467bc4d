"""Helpers shared by the chapters of the image-classification course book."""

__version__ = "0.1.0"
