"""Store errors. Every message names the store, the key and what was expected versus found.

StoreError
├── StoreConfigError      bad URL, unknown scheme, missing extra
├── StoreUnavailable      the backend cannot be reached or refuses the credentials
│   ├── CredentialsRejected   missing, unknown or wrong credentials, or access denied
│   └── BucketMissing         the S3 bucket does not exist
├── ObjectNotFound        a key (pack, index, manifest, ref) or a part does not exist
├── DigestMismatch        bytes read do not hash to the digest they are stored under
├── CorruptBlob           a part, pack or index is malformed (or decompresses to the wrong size)
├── IncompleteScenario    a manifest reaches parts the store does not hold
├── StoreBusy             gc holds the store while a publisher starts, or the other way round
└── LegacyLayout          the store keeps loose blobs; `replaybed store repack` migrates it
"""

from replaybed.schemas.errors import ReplaybedError


class StoreError(ReplaybedError):
    pass


class StoreConfigError(StoreError):
    exit_code = 2


class StoreUnavailable(StoreError):
    pass


class CredentialsRejected(StoreUnavailable):
    pass


class BucketMissing(StoreUnavailable):
    pass


class ObjectNotFound(StoreError):
    def __init__(self, store: str, key: str, what: str = "object"):
        super().__init__(f"{store}: {what} {key} does not exist")
        self.store, self.key = store, key


class DigestMismatch(StoreError):
    def __init__(self, where: str, expected: str, actual: str):
        super().__init__(
            f"{where}: content does not match its digest (expected {expected}, actual sha256:{actual})"
        )
        self.where, self.expected, self.actual = where, expected, actual


class CorruptBlob(StoreError):
    pass


class IncompleteScenario(StoreError):
    pass


class StoreBusy(StoreError):
    pass


class LegacyLayout(StoreError):
    pass
