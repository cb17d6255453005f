"""S3 backend (AWS, Ceph RGW, MinIO, ...): the only module that imports boto3/botocore.

`s3://bucket/prefix` URLs. Credentials and region come the standard AWS way (environment,
profile, instance role); the endpoint and addressing style from `StoreConfig`. Objects at or
above `StoreConfig.multipart_bytes` (packs) go up as parallel multipart uploads and come down as
parallel ranged GETs; `get_range` is one ranged GET. Write-once puts are conditional
(`If-None-Match: *`); a server that answers 501 for that gets check-then-put from then on, which
is safe here because write-once keys are content addresses: two racing writers of one key write
the same bytes.

botocore exceptions are translated into `artifacts.errors` in `_translated`, at this edge only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import boto3
import botocore.exceptions as bex
from botocore.config import Config

from replaybed.artifacts.backends.base import Backend, Leftover, ObjectInfo
from replaybed.artifacts.config import StoreConfig
from replaybed.artifacts.errors import (
    BucketMissing,
    CredentialsRejected,
    ObjectNotFound,
    StoreConfigError,
    StoreError,
    StoreUnavailable,
)

_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "InvalidToken",
    "ExpiredToken",
    "AuthorizationHeaderMalformed",
    "403",
}
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
# threads for the ranges and upload parts of large objects, per parallel transfer (--jobs): a
# 32 MiB pack is 4 parts of 8 MiB, and a loopback RGW keeps gaining up to ~30 requests in flight
PARTS_PER_OBJECT = 4
_UNAVAILABLE = (
    bex.EndpointConnectionError,
    bex.ConnectTimeoutError,
    bex.ReadTimeoutError,
    bex.ConnectionClosedError,
)


def parse_url(url: str) -> tuple[str, str]:
    """(bucket, key prefix ending in '/' or empty) of an `s3://bucket/prefix` URL."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise StoreConfigError(f"store URL {url!r}: expected s3://bucket[/prefix]")
    prefix = parsed.path.strip("/")
    return parsed.netloc, f"{prefix}/" if prefix else ""


class S3Backend(Backend):
    def __init__(self, config: StoreConfig):
        self.bucket, self.prefix = parse_url(config.url)
        self.url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.config = config
        self.endpoint = config.endpoint_url or "the AWS default endpoint"
        # True until the server answers 501 to a conditional put; then check-then-put
        self.conditional_puts = True
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        try:
            session = boto3.session.Session(profile_name=config.profile, region_name=config.region)
        except bex.ProfileNotFound as exc:
            raise StoreConfigError(f"{self.url}: {exc}") from None
        botocore_config = Config(
            connect_timeout=config.connect_timeout_s,
            read_timeout=config.read_timeout_s,
            retries={"max_attempts": config.retries, "mode": "standard"},
            s3={"addressing_style": config.addressing},
            signature_version="s3v4",  # presigned URLs too; AWS regions opened since 2014 accept only v4
            # `jobs` objects in flight, each as up to PARTS_PER_OBJECT ranges or upload parts
            max_pool_connections=max(10, (PARTS_PER_OBJECT + 1) * config.max_concurrency),
            # checksums beyond Content-MD5 are not understood by every S3 implementation (older RGW)
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client = session.client("s3", endpoint_url=config.endpoint_url, config=botocore_config)
        self.requests = 0  # HTTP requests sent, retries included (benchmarks report them per MB)
        self.client.meta.events.register("before-send.s3", self._count)

    # plumbing ------------------------------------------------------------------------------------

    def _count(self, **_) -> None:
        # must return None: a value would be taken as the response and short-circuit the send
        with self._lock:
            self.requests += 1

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _pool_map(self, fn, items) -> list:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    PARTS_PER_OBJECT * self.config.max_concurrency, thread_name_prefix="s3-part"
                )
        return list(self._pool.map(fn, items))

    @contextlib.contextmanager
    def _translated(self, key: str, action: str):
        where = f"{self.url}/{key}" if key else self.url
        try:
            yield
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(
                f"{where}: cannot {action}: S3 endpoint {self.endpoint} unreachable ({exc})"
            ) from None
        except bex.NoCredentialsError:
            raise CredentialsRejected(
                f"{where}: cannot {action}: no AWS credentials found (set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
            ) from None
        except bex.ClientError as exc:
            raise self._client_error(exc, where, key, action) from None
        except bex.BotoCoreError as exc:
            raise StoreError(f"{where}: cannot {action}: {exc}") from None

    def _client_error(self, exc: bex.ClientError, where: str, key: str, action: str) -> StoreError:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        detail = f"{code} (HTTP {status}){': ' + err['Message'] if err.get('Message') else ''}"
        if code == "NoSuchBucket":
            return BucketMissing(
                f"{self.url}: bucket {self.bucket!r} does not exist at {self.endpoint}; create it first, "
                f"e.g. `aws s3 mb s3://{self.bucket}` (with --endpoint-url for a non-AWS server)"
            )
        if code in _CREDENTIAL_CODES:
            return CredentialsRejected(
                f"{where}: cannot {action}: the S3 server at {self.endpoint} rejected the credentials "
                f"or denied access ({detail}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
            )
        if code in _MISSING_CODES:
            return ObjectNotFound(self.url, key)
        if isinstance(status, int) and status >= 500:
            return StoreUnavailable(f"{where}: cannot {action}: server error {detail}")
        return StoreError(f"{where}: cannot {action}: {detail}")

    # reads ---------------------------------------------------------------------------------------

    def get(self, key: str) -> bytes:
        chunk = self.config.multipart_bytes
        with self._translated(key, "read"):
            try:
                resp = self.client.get_object(
                    Bucket=self.bucket, Key=self._key(key), Range=f"bytes=0-{chunk - 1}"
                )
            except bex.ClientError as exc:
                if _code_of(exc) != "InvalidRange":
                    raise
                # an empty object has no byte 0
                resp = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            first = resp["Body"].read()
            total = _total_size(resp.get("ContentRange"), len(first))
        if total <= len(first):
            return first
        # the rest in parallel ranged GETs; write-once blobs cannot change between them
        ranges = [
            (start, min(start + chunk, total) - 1) for start in range(len(first), total, chunk)
        ]
        rest = self._pool_map(lambda r: self._get_inclusive(key, *r), ranges)
        data = b"".join([first, *rest])
        if len(data) != total:
            raise StoreError(f"{self.url}/{key}: read {len(data)} bytes, object has {total}")
        return data

    def get_range(self, key: str, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        return self._get_inclusive(key, start, start + length - 1)

    def _get_inclusive(self, key: str, start: int, end: int) -> bytes:
        with self._translated(key, "read"):
            resp = self.client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{end}"
            )
            return resp["Body"].read()

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            with self._translated(key, "stat"):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ObjectNotFound:
            return None
        return ObjectInfo(key, head["ContentLength"], head["LastModified"].timestamp())

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        with self._translated(prefix, "list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for obj in page.get("Contents", ()):
                    # S3 lists in UTF-8 binary key order, which is the order the contract asks for
                    yield ObjectInfo(
                        obj["Key"][len(self.prefix) :], obj["Size"], obj["LastModified"].timestamp()
                    )

    # writes --------------------------------------------------------------------------------------

    def put(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        if if_absent and not self.conditional_puts:
            info = self.stat(key)
            if info is not None and info.size == len(data):
                return False
            if_absent = info is None
        if len(data) >= self.config.multipart_bytes:
            if if_absent and self.conditional_puts:
                # conditional completion of multipart uploads is rarely supported: check first
                info = self.stat(key)
                if info is not None and info.size == len(data):
                    return False
            self._put_multipart(key, data)
            return True
        return self._put_single(key, data, if_absent and self.conditional_puts)

    def _put_single(self, key: str, data: bytes, conditional: bool) -> bool:
        extra = {"IfNoneMatch": "*"} if conditional else {}
        with self._translated(key, "write"):
            try:
                self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)
                return True
            except bex.ClientError as exc:
                code = _code_of(exc)
                if not conditional or code not in ("PreconditionFailed", "NotImplemented"):
                    raise
        if code == "NotImplemented":
            self.conditional_puts = False
            return self.put(key, data, if_absent=True)
        info = self.stat(key)
        if info is not None and info.size == len(data):
            return False
        # gone again, or a different size under a content address (damage): write it plainly
        return self._put_single(key, data, False)

    def _put_multipart(self, key: str, data: bytes) -> None:
        full = self._key(key)
        chunk = self.config.multipart_bytes
        with self._translated(key, "start a multipart upload"):
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=full)[
                "UploadId"
            ]
        try:

            def upload(numbered: tuple[int, int]) -> dict:
                number, start = numbered
                with self._translated(key, f"upload part {number}"):
                    resp = self.client.upload_part(
                        Bucket=self.bucket,
                        Key=full,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=data[start : start + chunk],
                    )
                return {"PartNumber": number, "ETag": resp["ETag"]}

            parts = self._pool_map(upload, list(enumerate(range(0, len(data), chunk), start=1)))
            with self._translated(key, "complete a multipart upload"):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise

    def delete(self, key: str) -> None:
        with self._translated(key, "delete"):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def leftovers(self) -> Iterator[Leftover]:
        """Multipart uploads an interrupted writer never completed nor aborted."""
        paginator = self.client.get_paginator("list_multipart_uploads")
        with self._translated("", "list multipart uploads"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for upload in page.get("Uploads", ()):
                    yield Leftover(
                        upload["Key"][len(self.prefix) :],
                        0,
                        upload["Initiated"].timestamp(),
                        upload["UploadId"],
                    )

    def remove_leftover(self, leftover: Leftover) -> None:
        with self._translated(leftover.key, "abort a multipart upload"):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._key(leftover.key), UploadId=leftover.handle
            )

    def locate(self, key: str, expires_s: int) -> str:
        with self._translated(key, "presign"):
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=expires_s,
            )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.client.close()


def _total_size(content_range: str | None, got: int) -> int:
    # "bytes 0-8388607/123456789"; absent when the server ignored the Range header
    if not content_range or "/" not in content_range:
        return got
    total = content_range.rsplit("/", 1)[1]
    return int(total) if total.isdigit() else got


def _code_of(exc: bex.ClientError) -> str:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(exc.response.get("Error", {}).get("Code") or "")
    # some servers answer HEAD-like errors without a body; fall back to the status
    return (
        {412: "PreconditionFailed", 501: "NotImplemented", 416: "InvalidRange"}.get(status, code)
        if not code or code.isdigit()
        else code
    )
