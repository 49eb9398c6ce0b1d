"""Reproducible benchmarks of s3box against its peers (moto), run side by side.

Nothing here is imported by s3box itself; it only drives servers over loopback HTTP.
"""
