"""The configuration model: frozen dataclasses, their defaults and field documentation.

Plain typed values and nothing else: validation is in schema.py, reading files and the
environment in load.py. Each field's doc, bounds and shown default sit next to it (field
metadata), where the schema and the --init template read them.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

LogLevel = Literal["trace", "debug", "info", "warn", "error"]
CorsMethod = Literal["GET", "PUT", "POST", "DELETE", "HEAD"]
LogFormat = Literal["text", "json"]
HttpServer = Literal["uvicorn", "granian"]

# The same choices as tuples, for argparse and anything else that lists them.
LOG_LEVELS: tuple[str, ...] = typing.get_args(LogLevel)
HTTP_SERVERS: tuple[str, ...] = typing.get_args(HttpServer)


def _doc(
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    secret: bool = False,
    shown: str | None = None,
) -> dict[str, Any]:
    """A field's documentation and bounds, kept next to its default (field metadata)."""
    return {"doc": doc, "minimum": minimum, "maximum": maximum, "secret": secret, "shown": shown}


@dataclass(frozen=True)
class StorageConfig:
    sqlite_max_connections: int = field(
        default=50,
        metadata=_doc(
            "Maximum SQLite connections kept open per bucket index pool. Increase if you "
            "see pool-exhaustion errors under high concurrency.",
            minimum=1,
        ),
    )
    meta_cache_capacity: int = field(
        default=200000,
        metadata=_doc(
            "Maximum object metadata entries in the in-process LRU cache. Each entry is "
            "roughly 400-700 bytes; 200 000 entries = 80-140 MB. HEAD and GET requests are "
            "served from cache on warm hits without touching SQLite.",
            minimum=1,
        ),
    )
    sqlite_repair_cache_capacity: int = field(
        default=200000,
        metadata=_doc(
            "Maximum entries in the SQLite-repair suppression cache. Prevents the server "
            "from repeatedly attempting to repair the same broken index row within a short "
            "window. Each entry is roughly 100 bytes; 200 000 = 20 MB.",
            minimum=1,
        ),
    )
    fsync: bool = field(
        default=False,
        metadata=_doc(
            "When true, object data, meta.json and the directories holding them are "
            "fsynced before a write is acknowledged (survives power loss, slower). When "
            "false, atomic renames still guarantee no partial object is ever visible.",
        ),
    )


@dataclass(frozen=True)
class LoggingConfig:
    level: LogLevel = field(
        default="info",
        metadata=_doc("Minimum log level. Accepted values: trace, debug, info, warn, error."),
    )
    format: LogFormat = field(
        default="text",
        metadata=_doc(
            "Log line format: text (human readable) or json (one JSON object per line).",
        ),
    )
    enable_bandwidth_report: bool = field(
        default=True,
        metadata=_doc(
            "When true, logs aggregate read/write bandwidth totals and rates every 10 "
            "seconds. Useful for monitoring throughput without a metrics backend.",
        ),
    )
    file: Path | None = field(
        default=None,
        metadata=_doc(
            'Path to a rolling log file (e.g. "/var/log/s3box/s3box.log"). When null, all '
            "output goes to stdout only. When set, logs go to both stdout and the file.",
        ),
    )
    rotation_size_mb: int = field(
        default=100,
        metadata=_doc(
            "Rotate the log file when it reaches this size in MiB. Only applies when file is set.",
            minimum=1,
        ),
    )
    keep_files: int = field(
        default=5,
        metadata=_doc(
            "Number of archived (rotated) log files to keep alongside the active file. "
            "Older archives are deleted automatically. 0 keeps none (the file is "
            "truncated when full).",
            minimum=0,
        ),
    )
    compress: bool = field(
        default=False,
        metadata=_doc(
            "When true, archived log files are compressed with gzip (.gz extension appended).",
        ),
    )


@dataclass(frozen=True)
class MaintenanceConfig:
    interval_secs: int = field(
        default=300,
        metadata=_doc(
            "How often (in seconds) background maintenance wakes up for each bucket.",
            minimum=1,
        ),
    )
    visibility_repair_batch_size: int = field(
        default=100,
        metadata=_doc(
            "Targeted visibility repair batch size. One maintenance pass drains all "
            "eligible rows in batches of this size.",
            minimum=1,
        ),
    )
    visibility_repair_grace_period_secs: int = field(
        default=86400,
        metadata=_doc(
            "Minimum age (seconds) of a targeted visibility-repair row during normal "
            "runtime. Startup repair bypasses this delay because pre-restart requests are "
            "no longer running.",
            minimum=0,
        ),
    )
    staging_expiry_secs: int = field(
        default=86400,
        metadata=_doc(
            "Minimum idle age (seconds) an abandoned staging directory must have before "
            "maintenance deletes it. Covers interrupted single-PUT and multipart uploads. "
            "Default is 24 hours.",
            minimum=0,
        ),
    )
    trash_expiry_secs: int = field(
        default=600,
        metadata=_doc(
            "Minimum idle age (seconds) a trash directory must have before recursive "
            "deletion. Default is 10 minutes.",
            minimum=0,
        ),
    )
    trash_max_entries: int = field(
        default=100000,
        metadata=_doc(
            "Most directories one bucket's trash may hold whatever their age: past it "
            "the oldest go first (never one a GET still reads). Bounds trash under "
            "sustained overwrites.",
            minimum=1,
        ),
    )
    trash_max_bytes: int = field(
        default=1073741824,
        metadata=_doc(
            "Most bytes one bucket's trash may hold (space its removal would free) "
            "whatever their age: past it the oldest go first. Default 1 GiB. On a full "
            "disk all trash is removed at once, whatever this says.",
            minimum=0,
        ),
    )


@dataclass(frozen=True)
class AccessKey:
    """One access key / secret key pair; the secret never appears in repr()."""

    access_key: str
    secret_key: str = field(repr=False)


@dataclass(frozen=True)
class AuthConfig:
    enabled: bool = field(
        default=False,
        metadata=_doc(
            "When false, the server accepts all requests without credentials (open "
            "access). Set to true to require AWS SigV4 signatures on every request.",
        ),
    )
    public_hostname: str | None = field(
        default=None,
        metadata=_doc(
            'The hostname (and optional port) that S3 clients use, e.g. "mys3.company.com" '
            'or "localhost:8002". When set, signature verification uses this value for the '
            "signed host header instead of the incoming Host header, so a reverse proxy may "
            "rewrite Host. When null, the incoming Host header is used.",
        ),
    )
    credentials: tuple[AccessKey, ...] = field(
        default=(),
        metadata=_doc(
            "List of {access_key, secret_key} pairs. Only used when enabled is true. "
            "Clients must present one of these pairs to authenticate.",
            secret=True,
        ),
    )


@dataclass(frozen=True)
class LimitsConfig:
    header_timeout_secs: float = field(
        default=20.0,
        metadata=_doc(
            "A request head (request line and headers) must arrive whole within this many "
            "seconds of the connection opening or of its first byte; else the connection "
            "is closed.",
            minimum=0.1,
            maximum=3600,
        ),
    )
    body_idle_timeout_secs: float = field(
        default=20.0,
        metadata=_doc(
            "A request body that sends nothing for this many seconds is answered 400 "
            "RequestTimeout, as S3 does after about 20 s, and nothing of it is kept.",
            minimum=0.1,
            maximum=3600,
        ),
    )
    body_min_rate: int = field(
        default=500,
        metadata=_doc(
            "Bytes per second a request body must average after its first "
            "body_idle_timeout_secs (each byte extends its deadline by 1/body_min_rate "
            "s); a slower trickle is answered 400 RequestTimeout. 0 turns the rule off.",
            minimum=0,
        ),
    )


@dataclass(frozen=True)
class CorsConfig:
    """The server-wide CORS default: one rule for every bucket that has no CORS
    configuration of its own (PutBucketCors), so a web app needs no setup call."""

    allowed_origins: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            'Origins allowed to call s3box from a browser, e.g. ["http://localhost:5173"]; '
            '"*" allows any origin, and one "*" in an origin matches any run of characters '
            '("http://localhost:*"). Empty (the default) turns the default off, as S3 has '
            "no CORS until a bucket is configured. The --cors ORIGIN flag (repeatable) and "
            "S3BOX_CORS_ORIGINS (comma-separated) set this list.",
        ),
    )
    allowed_methods: tuple[CorsMethod, ...] = field(
        default=("GET", "PUT", "POST", "DELETE", "HEAD"),
        metadata=_doc("Methods those origins may use (any of GET, PUT, POST, DELETE, HEAD)."),
    )
    allowed_headers: tuple[str, ...] = field(
        default=("*",),
        metadata=_doc(
            'Request headers a preflight may ask for; one "*" per entry is a wildcard, '
            'matched without regard to case. "*" allows every header the SDKs send.',
        ),
    )
    expose_headers: tuple[str, ...] = field(
        default=(
            "ETag",
            "Content-Range",
            "x-amz-version-id",
            "x-amz-delete-marker",
            "x-amz-request-id",
            "x-amz-id-2",
            "x-amz-checksum-crc32",
            "x-amz-checksum-crc32c",
            "x-amz-checksum-crc64nvme",
            "x-amz-checksum-sha1",
            "x-amz-checksum-sha256",
            "x-amz-checksum-type",
        ),
        metadata=_doc(
            "Response headers a page's script may read (Access-Control-Expose-Headers): "
            "by default ETag (multipart uploads need it), Content-Range, the version, "
            "request and checksum headers. Content-Length, Content-Type and Last-Modified "
            "are readable without being listed.",
        ),
    )
    max_age_seconds: int | None = field(
        default=3000,
        metadata=_doc(
            "How long a browser may cache a preflight answer (Access-Control-Max-Age); "
            "null sends no Max-Age (browsers then cache for 5 seconds).",
            minimum=0,
        ),
    )


@dataclass(frozen=True)
class Config:
    bind_address: str = field(
        default="0.0.0.0",
        metadata=_doc(
            'IP address to listen on. "0.0.0.0" binds all interfaces; use "127.0.0.1" to '
            "restrict to localhost.",
        ),
    )
    bind_port: int = field(
        default=8002,
        metadata=_doc(
            "TCP port the HTTP server listens on. 0 picks any free port.",
            minimum=0,
            maximum=65535,
        ),
    )
    base_dir: Path = field(
        default=Path("./s3box-data"),
        metadata=_doc(
            "Root directory where all bucket data is stored on disk. Created automatically "
            "if it does not exist. A relative path is relative to the working directory.",
            shown="./s3box-data",
        ),
    )
    http_server: HttpServer = field(
        default="uvicorn", metadata=_doc("Which ASGI server runs s3box: uvicorn or granian.")
    )
    pin_event_loop: bool = field(
        default=True,
        metadata=_doc(
            "Keep the event loop thread and the threads that do small file and SQLite "
            "steps on one CPU (chosen by process id among the allowed CPUs). Python runs "
            "one thread at a time; handing that turn to a thread on another CPU costs a "
            "cross-CPU wake-up, which on virtual machines halves small-request throughput. "
            "Threads that hash, write and read large bodies still use every CPU. Set false "
            "to let the kernel place every thread.",
        ),
    )
    region: str = field(
        default="us-east-1",
        metadata=_doc(
            "Region reported by GetBucketLocation and HeadBucket. With auth on, SigV4 "
            "requests must be signed for it: a credential scope for another region is "
            "refused (400 AuthorizationHeaderMalformed), as by S3.",
        ),
    )
    domains: tuple[str, ...] = field(
        default=("localhost",),
        metadata=_doc(
            "Domains under which a request to {bucket}.{domain}[:port] addresses that "
            "bucket (virtual-hosted style, the default of the JS, Java and Go SDKs). The "
            "host names of auth.public_hostname and of bind_address (when a name, not an "
            "IP) count as domains too. A Host that is a domain itself, an IP address or "
            "any other name is path style (/bucket/key), which always works.",
        ),
    )
    storage: StorageConfig = field(default_factory=StorageConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    maintenance: MaintenanceConfig = field(default_factory=MaintenanceConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    cors: CorsConfig = field(default_factory=CorsConfig)
    # Deprecation notices gathered while loading; the caller decides where to show them.
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)


SECTIONS: dict[str, type] = {
    "storage": StorageConfig,
    "logging": LoggingConfig,
    "maintenance": MaintenanceConfig,
    "auth": AuthConfig,
    "limits": LimitsConfig,
    "cors": CorsConfig,
}
