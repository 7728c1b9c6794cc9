"""Job ids from requests: checked before they reach a scheduler command line.

Exactly three plain forms are accepted, the way squeue prints them:

- ``123``: a job (or a whole array / het job);
- ``123_4``: one task of an array;
- ``123+1``: one component of a heterogeneous job.

Every number is ASCII digits without leading zeros (``0`` alone is a valid task or component),
at most 10 digits and within Slurm's 32-bit range; a job number is never 0. Nothing else passes:
no whitespace, signs, options (``-u``, ``--help``), ranges (``123_[1-5]``: act on ``123``), lists,
non-ASCII digits. So an accepted id is canonical and equal to the id squeue shows for that job.
"""

from __future__ import annotations

import re

from .errors import BadRequest

MAX_ID_DIGITS = 10
MAX_ID_VALUE = 2**32 - 1

_NUMBER = rf"(?:0|[1-9][0-9]{{0,{MAX_ID_DIGITS - 1}}})"
JOB_ID_PATTERN = re.compile(rf"(?P<job>{_NUMBER})(?:(?P<sep>[_+])(?P<part>{_NUMBER}))?", re.ASCII)

ALLOWED_FORMS = (
    "a job id is a number (123), an array task (123_4) or a heterogeneous job component (123+1), "
    f"with numbers of at most {MAX_ID_DIGITS} digits and no leading zeros"
)


def validate_job_id(text: str) -> str:
    """`text` itself when it is a job id in one of the accepted forms; BadRequest otherwise."""
    if not isinstance(text, str):
        raise BadRequest(f"job id must be a string; {ALLOWED_FORMS}")
    m = JOB_ID_PATTERN.fullmatch(text) if text.isascii() else None
    if m is None:
        shown = text if len(text) <= 40 else f"{text[:40]}..."
        raise BadRequest(f"invalid job id {shown!r}: {ALLOWED_FORMS}")
    numbers = [int(n) for n in (m.group("job"), m.group("part")) if n is not None]
    if numbers[0] == 0:
        raise BadRequest(f"invalid job id {text!r}: job numbers start at 1")
    if max(numbers) > MAX_ID_VALUE:
        raise BadRequest(f"invalid job id {text!r}: numbers go up to {MAX_ID_VALUE}")
    return text


def job_base_id(job_id: str) -> str:
    """The job an id belongs to: ``123_4`` -> ``123``, ``123+1`` -> ``123``, ``123`` -> ``123``."""
    return validate_job_id(job_id).replace("+", "_").split("_", 1)[0]
