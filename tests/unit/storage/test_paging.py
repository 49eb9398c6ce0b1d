"""The pure paging helpers: delimiter roll-up and ListMultipartUploads pages."""

from __future__ import annotations

from s3box.records import ObjectFields, UploadInfo
from s3box.storage.paging import common_prefix, page_uploads


def _uploads(*keys: str) -> list[UploadInfo]:
    """Uploads in listing order; upload ids sort like their position."""
    ordered = sorted(enumerate(keys), key=lambda p: (p[1].encode(), p[0]))
    return [UploadInfo(f"{i:032x}", k, float(i), ObjectFields()) for i, k in ordered]


Page = tuple[list[str], list[str], bool, tuple[str | None, str | None]]


def _page(uploads: list[UploadInfo], **kw: object) -> Page:
    args: dict[str, object] = {
        "prefix": "",
        "delimiter": "",
        "key_marker": "",
        "upload_id_marker": "",
        "max_uploads": 1000,
    }
    args.update(kw)
    page = page_uploads(uploads, **args)  # type: ignore[arg-type]
    nxt = (page.next_key_marker, page.next_upload_id_marker)
    return [u.key for u in page.uploads], page.common_prefixes, page.is_truncated, nxt


def test_common_prefix_cuts_after_the_first_delimiter_past_the_prefix():
    assert common_prefix("a/b/c", "", "/") == "a/"
    assert common_prefix("a/b/c", "a/", "/") == "a/b/"
    assert common_prefix("a/b", "a/b", "/") is None
    assert common_prefix(b"x--y--z", b"x", b"--") == b"x--"
    assert common_prefix("a/b", "", "") is None


def test_uploads_roll_up_at_the_delimiter_and_count_once():
    uploads = _uploads("a/1", "a/2", "b", "c/1")
    assert _page(uploads, delimiter="/") == (["b"], ["a/", "c/"], False, (None, None))
    assert _page(uploads, delimiter="/", max_uploads=2) == (
        ["b"],
        ["a/"],
        True,
        ("b", uploads[2].upload_id),
    )
    assert _page(uploads, delimiter="/", max_uploads=1) == ([], ["a/"], True, ("a/", None))


def test_key_marker_skips_keys_and_prefixes_at_or_before_it():
    uploads = _uploads("a/1", "a/2", "b", "b", "c/1")
    # A common prefix at or before the marker never shows again.
    assert _page(uploads, delimiter="/", key_marker="a/") == (
        ["b", "b"],
        ["c/"],
        False,
        (None, None),
    )
    # Uploads of the marker's key after upload_id_marker still come.
    first_b = uploads[2].upload_id
    assert _page(uploads, key_marker="b", upload_id_marker=first_b) == (
        ["b", "c/1"],
        [],
        False,
        (None, None),
    )
    assert _page(uploads, key_marker="b") == (["c/1"], [], False, (None, None))


def test_paging_with_next_markers_reproduces_the_whole_listing():
    uploads = _uploads("a/1", "a/2", "b", "b", "c", "d/x", "d/y", "e")
    for delimiter in ("", "/"):
        whole = _page(uploads, delimiter=delimiter)
        keys: list[str] = []
        prefixes: list[str] = []
        key_marker = upload_id_marker = ""
        while True:
            got, common, truncated, (nk, nu) = _page(
                uploads,
                delimiter=delimiter,
                key_marker=key_marker,
                upload_id_marker=upload_id_marker,
                max_uploads=2,
            )
            keys += got
            prefixes += common
            if not truncated:
                break
            key_marker, upload_id_marker = str(nk), str(nu or "")
        assert (keys, prefixes) == (whole[0], whole[1])
