"""`python -m s3box` behaves exactly like the `s3box` command."""

from s3box.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
