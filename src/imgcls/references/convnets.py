"""Chapter 8, convolutional networks on Sign Language MNIST."""

from __future__ import annotations

from imgcls.references.base import Reference

REFERENCES: dict[str, Reference] = {
}
