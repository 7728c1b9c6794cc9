"""validate_job_id: the gate between a request and a scheduler command line."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpc_lab_ext.errors import BadRequest
from hpc_lab_ext.jobids import ALLOWED_FORMS, MAX_ID_VALUE, job_base_id, validate_job_id

STRICT = re.compile(r"[1-9][0-9]{0,9}(?:[_+](?:0|[1-9][0-9]{0,9}))?")


@pytest.mark.parametrize(
    "job_id",
    [
        "1",
        "7",
        "123",
        "123_4",
        "123_0",
        "123+0",
        "123+1",
        "1234567890",  # ten digits
        "4294967295",
        "4294967295_4294967295",
        "1+4294967295",
        "67043328_100",
    ],
)
def test_valid(job_id: str) -> None:
    assert validate_job_id(job_id) == job_id


@pytest.mark.parametrize(
    "job_id",
    [
        "",
        " ",
        "0",
        "0_1",
        "0+0",
        "00",
        "0123",
        "123_04",
        "123+00",
        "12345678901",  # 11 digits
        "123_12345678901",
        "4294967296",  # above 32 bits
        "123_4294967296",
        " 123",
        "123 ",
        "12 3",
        "123\n",
        "\n123",
        "123\t",
        "123\x00",
        "+123",
        "-123",
        "123_-1",
        "123+-1",
        "123_+1",
        "123+_1",
        "123_",
        "123+",
        "_4",
        "+1",
        "123_4_5",
        "123+1+2",
        "123_4+1",
        "123__4",
        "123_[1-5]",
        "123_[1-5%2]",
        "123_1-5",
        "123,124",
        "123 124",
        "123;rm -rf /",
        "123;",
        "123&&id",
        "$(id)",
        "`id`",
        "123|cat",
        "--help",
        "-u",
        "-u root",
        "--me",
        "-1",
        "--",
        "-",
        "123.0",
        "1e3",
        "0x1f",
        "abc",
        "jobname=foo",
        "\u0661\u0662\u0663",  # Arabic-Indic digits
        "\uff11\uff12\uff13",  # fullwidth digits
        "12\uff13",
        "\u00b2",  # superscript two
        "123\u200b",
        "\uff11\uff12\uff13_\uff14",
        "123_\uff14",
        "123\u00a0",
    ],
)
def test_invalid(job_id: str) -> None:
    with pytest.raises(BadRequest):
        validate_job_id(job_id)


def test_message_says_what_is_allowed() -> None:
    with pytest.raises(BadRequest) as info:
        validate_job_id("--help")
    assert info.value.status == 400
    assert "123_4" in info.value.message and "123+1" in info.value.message
    assert info.value.message.endswith(ALLOWED_FORMS)
    assert "'--help'" in info.value.message


def test_message_of_a_long_id_is_shortened() -> None:
    with pytest.raises(BadRequest) as info:
        validate_job_id("x" * 10_000)
    assert len(info.value.message) < 400


def test_range_and_zero_messages() -> None:
    with pytest.raises(BadRequest, match="start at 1"):
        validate_job_id("0")
    with pytest.raises(BadRequest, match=str(MAX_ID_VALUE)):
        validate_job_id("9999999999")


@pytest.mark.parametrize("value", [123, 12.0, None, b"123", ["123"], {"id": "123"}])
def test_non_strings(value: Any) -> None:
    with pytest.raises(BadRequest, match="string"):
        validate_job_id(value)


@pytest.mark.parametrize(
    ("job_id", "base"), [("123", "123"), ("123_4", "123"), ("123+1", "123"), ("5_0", "5")]
)
def test_job_base_id(job_id: str, base: str) -> None:
    assert job_base_id(job_id) == base


def test_job_base_id_validates() -> None:
    with pytest.raises(BadRequest):
        job_base_id("123_[1-5]")


# ---- properties ---------------------------------------------------------------------------------


def _accepted(text: str) -> bool:
    try:
        validate_job_id(text)
    except BadRequest:
        return False
    return True


@given(st.text(max_size=30))
def test_anything_accepted_is_strict_ascii(text: str) -> None:
    if _accepted(text):
        assert STRICT.fullmatch(text)
        assert text.isascii()
        assert all(int(n) <= MAX_ID_VALUE for n in re.split(r"[_+]", text))


@given(
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
    st.characters().filter(lambda c: not ("0" <= c <= "9") and c not in "_+"),
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
)
def test_a_non_digit_outside_the_separators_is_rejected(before: str, odd: str, after: str) -> None:
    assert not _accepted(before + odd + after)


@given(
    st.integers(min_value=1, max_value=MAX_ID_VALUE),
    st.one_of(st.none(), st.tuples(st.sampled_from("_+"), st.integers(0, MAX_ID_VALUE))),
)
def test_every_canonical_id_is_accepted(job: int, part: tuple[str, int] | None) -> None:
    text = str(job) if part is None else f"{job}{part[0]}{part[1]}"
    assert validate_job_id(text) == text
    assert job_base_id(text) == str(job)


@given(st.integers(min_value=1, max_value=MAX_ID_VALUE), st.integers(min_value=1, max_value=3))
def test_leading_zeros_are_rejected(job: int, zeros: int) -> None:
    assert not _accepted("0" * zeros + str(job))
    assert not _accepted(f"{job}_{'0' * zeros}{job}")
