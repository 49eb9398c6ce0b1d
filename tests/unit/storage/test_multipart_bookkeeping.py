"""Part bookkeeping and the multipart ETag, as pure functions over generated
part lists (no files): which parts a Complete picks, and what it rejects."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3box.records import PartRecord
from s3box.storage.errors import EntityTooSmall, InvalidPart, InvalidPartOrder
from s3box.storage.meta import StagedPart
from s3box.storage.multipart import MIN_PART_SIZE, choose_parts, multipart_etag

bodies = st.lists(st.binary(max_size=64), min_size=1, max_size=40)


def _staged(number: int, body: bytes, size: int | None = None) -> StagedPart:
    part = PartRecord(number, len(body) if size is None else size, hashlib.md5(body).hexdigest())
    return StagedPart(part, f"data-{number}")


@given(bodies)
def test_multipart_etag_is_md5_of_binary_part_md5s_dash_count(parts: list[bytes]) -> None:
    records = [PartRecord(i, len(b), hashlib.md5(b).hexdigest()) for i, b in enumerate(parts, 1)]
    expected = hashlib.md5(b"".join(hashlib.md5(b).digest() for b in parts)).hexdigest()
    assert multipart_etag(records) == f"{expected}-{len(parts)}"


@given(
    st.lists(st.integers(1, 10_000), min_size=1, max_size=30, unique=True),
    st.data(),
)
def test_choose_parts_keeps_the_requested_subset_in_order(numbers: list[int], data) -> None:
    numbers.sort()
    staged = [_staged(n, str(n).encode(), MIN_PART_SIZE) for n in numbers]
    chosen_numbers = sorted(data.draw(st.sets(st.sampled_from(numbers), min_size=1)))
    by_number = {s.part.number: s for s in staged}
    requested = [(n, f'"{by_number[n].part.etag}"') for n in chosen_numbers]
    chosen = choose_parts(staged, requested, MIN_PART_SIZE)
    assert [c.part.number for c in chosen] == chosen_numbers


@given(st.lists(st.integers(1, 10_000), min_size=2, max_size=20, unique=True))
def test_parts_out_of_order_are_invalid_part_order(numbers: list[int]) -> None:
    staged = [_staged(n, b"x", MIN_PART_SIZE) for n in numbers]
    ordered = sorted(numbers)
    swapped = [ordered[1], ordered[0], *ordered[2:]]
    with pytest.raises(InvalidPartOrder):
        choose_parts(staged, [(n, staged[0].part.etag) for n in swapped], MIN_PART_SIZE)


@given(st.integers(0, MIN_PART_SIZE - 1), st.integers(0, 10 * MIN_PART_SIZE))
def test_only_the_last_part_may_be_small(small: int, last: int) -> None:
    first = _staged(1, b"a", small)
    second = _staged(2, b"b", last)
    with pytest.raises(EntityTooSmall):
        choose_parts([first, second], [(1, first.part.etag), (2, second.part.etag)], MIN_PART_SIZE)
    # The same small part alone (it is the last) is fine.
    assert choose_parts([first], [(1, first.part.etag)], MIN_PART_SIZE) == [first]


def test_wrong_or_missing_etag_is_invalid_part() -> None:
    part = _staged(1, b"a")
    with pytest.raises(InvalidPart):
        choose_parts([part], [(1, hashlib.md5(b"b").hexdigest())], MIN_PART_SIZE)
    with pytest.raises(InvalidPart):
        choose_parts([part], [(2, part.part.etag)], MIN_PART_SIZE)
    with pytest.raises(InvalidPart):
        choose_parts([part], [], MIN_PART_SIZE)


def test_etags_match_quoted_or_not_and_in_any_case() -> None:
    part = _staged(1, b"a")
    for etag in (part.part.etag, f'"{part.part.etag}"', part.part.etag.upper()):
        assert choose_parts([part], [(1, etag)], MIN_PART_SIZE) == [part]
