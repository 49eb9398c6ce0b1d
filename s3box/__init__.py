"""s3box: an S3-compatible object storage server for development and CI."""

__version__ = "0.1.0"
