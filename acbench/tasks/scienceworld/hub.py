"""AgentBoard's ScienceWorld label file from the Hugging Face hub: its data archive, fetched once, one file read out.

    path = hub_labels()   # <acbench cache>/agentboard/<archive id>/scienceworld/test.jsonl

AgentBoard publishes its data only as `data.tar.gz` in the hub dataset `hkust-nlp/agentboard` (its README:
download that file and unpack it, giving `data/<task>/test.jsonl`). The archive comes through the Hugging Face
cache (`hf_hub_download`, so `HF_HOME`, `HF_ENDPOINT` and tokens apply); only `data/scienceworld/test.jsonl` is
read out of it, into acbench's cache, once per archive. Nothing else in the archive is written anywhere, so a
member name such as `../x` cannot place a file outside that folder.

Offline (`HF_HUB_OFFLINE`, or the hub's host does not accept a connection within a few seconds) with no copy
of the archive in the cache, `hub_labels` fails at once, saying how to run without the hub.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from acbench.errors import ACBenchError

log = logging.getLogger(__name__)

REPO_ID = "hkust-nlp/agentboard"  # a dataset repo
ARCHIVE = "data.tar.gz"
MEMBER = "data/scienceworld/test.jsonl"
SOURCE = f"hf://datasets/{REPO_ID}/{ARCHIVE}#{MEMBER}"  # how the results key names the hub's file
MAX_BYTES = 64 << 20  # the real file is 90 lines; a member larger than this is not a label file
HINT = ("pass AgentBoard's label file yourself, scienceworld.labels=<path to its data/scienceworld/test.jsonl> "
        "(in a config: task_options: {scienceworld: {labels: ...}}), or scienceworld.subset=acbench for acbench's "
        "own tasks, which need no file")


class AgentBoardDataError(ACBenchError):
    """AgentBoard's ScienceWorld label file cannot be had from the hub (offline, or a broken archive)."""


def hub_offline() -> bool:
    """Whether the hub cannot be asked: `HF_HUB_OFFLINE` is set, or its host refuses a connection for 3 s.
    (`hf_hub_download` itself would retry for many seconds before giving up.)"""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=3.0):
            return False
    except OSError:
        return True


def fetch_archive() -> Path:
    """The archive's path in the Hugging Face cache: the cached copy if there is one, else downloaded."""
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(huggingface_hub.hf_hub_download(REPO_ID, ARCHIVE, repo_type="dataset", local_files_only=True))
    except LocalEntryNotFoundError:
        pass
    where = f"AgentBoard's ScienceWorld problems are in {ARCHIVE} of the hub dataset {REPO_ID}"
    if hub_offline():
        raise AgentBoardDataError(f"scienceworld subset=agentboard (the paper profile's default): {where}, which is "
                                  f"not in the Hugging Face cache, and the hub cannot be reached (offline); {HINT}")
    log.info("downloading %s of the hub dataset %s (AgentBoard's data, once)", ARCHIVE, REPO_ID)
    try:
        return Path(huggingface_hub.hf_hub_download(REPO_ID, ARCHIVE, repo_type="dataset"))
    except Exception as err:  # noqa: BLE001 - network, auth, a moved file: the same advice for the user
        raise AgentBoardDataError(f"scienceworld subset=agentboard: {where}, and fetching it failed "
                                  f"({type(err).__name__}: {err}); {HINT}") from err


def _member_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


def read_member(archive: Path, member: str) -> bytes:
    """The bytes of the regular file `member` of the tar.gz `archive`; no file is written.

    Raises:
        AgentBoardDataError: the archive is unreadable, lacks `member`, or holds it as a link, a folder or a file
            over MAX_BYTES.
    """
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in tar:  # streamed: stops at the member instead of reading the whole archive
                if _member_name(info.name) != member:
                    continue
                if not info.isfile():
                    raise AgentBoardDataError(f"{archive}: {member} is not a regular file (a link or a folder); {HINT}")
                if info.size > MAX_BYTES:
                    raise AgentBoardDataError(f"{archive}: {member} is {info.size} bytes, not a label file; {HINT}")
                return tar.extractfile(info).read()
    except (tarfile.TarError, EOFError, OSError) as err:
        raise AgentBoardDataError(f"{archive} is not a readable tar.gz archive ({type(err).__name__}: {err}); "
                                  f"delete it from the Hugging Face cache to fetch it again, or {HINT}") from err
    raise AgentBoardDataError(f"{archive} has no {member}; {HINT}")


def write_atomically(dest: Path, data: bytes) -> None:
    """Write `dest` through a temporary file beside it: a reader never sees half a file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def hub_labels() -> Path:
    """AgentBoard's ScienceWorld label file, read out of the hub archive into acbench's cache (once per archive:
    the folder is named by the archive's resolved cache path, size and modification time)."""
    from acbench.models import cache_dir

    archive = fetch_archive()
    stat = archive.stat()
    identity = hashlib.sha256(f"{archive.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()
    dest = cache_dir() / "agentboard" / identity[:16] / "scienceworld" / "test.jsonl"
    if not dest.is_file():
        write_atomically(dest, read_member(archive, MEMBER))
        log.info("AgentBoard's ScienceWorld labels: %s (from %s)", dest, archive)
    return dest
