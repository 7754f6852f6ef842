"""Verified download of one file from a list of mirrors, with urllib only.

The file is streamed to a temp file in the target folder and moved into place only once its MD5
matches the published checksum, so a half-written or wrong file never sits at the final name.

urllib and http.client are imported by the functions that download (the data package is imported by the
window before its first paint, which downloads nothing).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from latentlab.core.errors import DataError

if TYPE_CHECKING:
    import http.client

TIMEOUT_S = 30.0  # per network operation (connect, each read), not for the whole file
_CHUNK = 1 << 16


class ChecksumMismatch(Exception):
    """A mirror served a file whose MD5 is not the published one."""


def download_verified(
    mirrors: Sequence[str],
    file_name: str,
    md5: str,
    target_dir: Path,
    *,
    what: str,
    fix: str,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Fetch `file_name` from the first mirror (a URL ending in "/") that serves it with the right MD5.

    Returns the final path. `what` names the dataset in messages; `fix` says what the user can do
    instead when no mirror works.
    """
    import http.client

    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=target_dir, prefix=f".{file_name}.", suffix=".part")
        os.close(handle)
    except OSError as error:
        raise DataError(f"{target_dir}: cannot write there ({error.strerror or error}): {fix}") from error
    temp = Path(temp_name)
    mismatch, reason = None, "no mirrors to try"
    try:
        for mirror in mirrors:
            url = mirror + file_name
            try:
                _fetch(url, md5, temp, label=f"{what} {file_name}", progress=progress)
            except ChecksumMismatch as error:
                mismatch = reason = str(error)
            except (OSError, http.client.HTTPException) as error:  # URLError, HTTPError, timeouts are OSErrors
                reason = f"{url}: {_describe(error)}"
            else:
                return temp.replace(target_dir / file_name)
            if progress:
                progress(f"download failed: {reason}")
    finally:
        temp.unlink(missing_ok=True)  # a partial or rejected download never stays behind
    if mismatch:
        raise DataError(f"{what}: {mismatch}: the download is damaged or not the published file; {fix}")
    raise DataError(f"{what}: could not download {file_name} (no network? {reason}): {fix}")


def _fetch(url: str, md5: str, temp: Path, *, label: str, progress: Callable[[str], None] | None) -> None:
    import urllib.request

    with temp.open("wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        digest = _stream(response, out, label, progress)
    if digest != md5:
        raise ChecksumMismatch(f"{url} has MD5 {digest}, expected {md5}")


def _stream(
    response: http.client.HTTPResponse, out: BinaryIO, label: str, progress: Callable[[str], None] | None
) -> str:
    """Copy the response into `out`, reporting every 10%; return the MD5 of what was copied."""
    total = int(response.headers.get("Content-Length") or 0)
    digest = hashlib.md5(usedforsecurity=False)
    copied, reported = 0, -1
    while chunk := response.read(_CHUNK):
        out.write(chunk)
        digest.update(chunk)
        copied += len(chunk)
        step = copied * 10 // total if total else copied >> 23  # without a length: every 8 MiB
        if progress and step != reported:
            reported = step
            done = f"{min(step, 10) * 10}%" if total else f"{copied / 1e6:.0f} MB"
            progress(f"downloading {label} {done}...")
    return digest.hexdigest()


def _describe(error: Exception) -> str:
    """A short reason: "HTTP 404", "[Errno 111] Connection refused", "timed out"."""
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__
