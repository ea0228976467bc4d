"""Chapter 9, what makes training work."""

from __future__ import annotations

from imgcls.references.base import Reference

REFERENCES: dict[str, Reference] = {
}
