"""Object stores: a content-addressed folder and S3 (minio SDK) with object lock."""

from archive.store.base import HashingReader, ObjectLock, ObjectStore, StoredObject

__all__ = ["HashingReader", "ObjectLock", "ObjectStore", "StoredObject"]
