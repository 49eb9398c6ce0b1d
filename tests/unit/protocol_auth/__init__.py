"""Tests for SigV4 verification, aws-chunked decoding and checksums."""
