"""The data layer: the registry of resources, fetching with verification, and loaders."""

from imgcls.data.errors import DataError
from imgcls.data.fetch import Fetched, fetch, verify

__all__ = ["DataError", "Fetched", "fetch", "verify"]
