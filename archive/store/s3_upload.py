"""Streaming multipart upload with a bounded number of parts in memory.

minio's ``put_object`` with an unknown length either sends parts one at a time (slow) or,
in parallel mode, queues every part it has read without bound (a disk faster than the network
pulls a whole multi-GB file into memory). This uploader keeps at most ``parallel`` parts in
flight plus the one being read, so memory is about ``(parallel + 1) * part_size`` whatever the
file size. It uses the SDK's multipart calls (``_create_multipart_upload`` etc., stable across
minio 7.x; pinned ``minio>=7.2,<8``). A process killed mid-way leaves an unfinished multipart
upload, which S3 never shows as an object.
"""

from __future__ import annotations

import contextlib
import io
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from minio import Minio
from minio.datatypes import Part
from minio.error import MinioException
from urllib3.exceptions import HTTPError

from archive.store.base import Readable


def read_full(reader: Readable, size: int) -> bytes:
    """Exactly ``size`` bytes, or fewer only at the end of the stream."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = reader.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def upload_stream(
    client: Minio,
    bucket: str,
    key: str,
    reader: Readable,
    *,
    media_type: str,
    part_size: int,
    parallel: int,
) -> str | None:
    """Upload everything ``reader`` yields to ``bucket/key``; returns the new version id."""
    data = read_full(reader, part_size)
    if len(data) < part_size:
        result = client.put_object(
            bucket, key, io.BytesIO(data), len(data), content_type=media_type
        )
        return result.version_id
    upload_id = client._create_multipart_upload(bucket, key, {"Content-Type": media_type})
    parts: list[Part] = []
    try:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            in_flight: deque[tuple[int, Future[str]]] = deque()
            number = 0
            while data:
                number += 1
                future = pool.submit(
                    client._upload_part, bucket, key, data, None, upload_id, number
                )
                in_flight.append((number, future))
                del data  # the pool holds the only reference now
                if len(in_flight) >= parallel:
                    done_number, done = in_flight.popleft()
                    parts.append(Part(done_number, done.result()))
                data = read_full(reader, part_size)
            for done_number, done in in_flight:
                parts.append(Part(done_number, done.result()))
        completed = client._complete_multipart_upload(bucket, key, upload_id, parts)
    except BaseException:
        with contextlib.suppress(MinioException, OSError, HTTPError):
            client._abort_multipart_upload(bucket, key, upload_id)
        raise
    return completed.version_id
