"""Download a feed's files: FTP (ftplib), SFTP (asyncssh), HTTP(S) (requests) or a stored upload.

Every download is capped at `max_bytes`: the size the server announces is checked first, and the bytes are
counted while they arrive, so a file over the cap is refused before it has been downloaded. Remote hosts pass
the SSRF guard (`common.netguard`) first (docs/operations.md#sources).
"""

import asyncio
import fnmatch
import ftplib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import asyncssh
import requests

from common.netguard import HostRefused, host_check

TIMEOUT = 30  # seconds for connecting and for each read
MAX_FILES = 20  # files matching the pattern taken in one run, by name


class TransportError(Exception):
    """The download failed; the message says why in words an operator can act on."""


@dataclass
class Source:
    source_type: str
    url: str
    username: str
    password: str
    pattern: str
    upload_path: str
    max_bytes: int
    allow_private: bool
    private_key: str = ""  # SFTP key login; the password, if any, is then the key's passphrase


@dataclass
class Fetched:
    name: str
    path: Path
    size: int


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


class _Counter:
    """Writes blocks to a file and raises once more than `limit` bytes have come."""

    def __init__(self, path: Path, limit: int, name: str) -> None:
        self.fh = path.open("wb")
        self.limit, self.name, self.size = limit, name, 0

    def __call__(self, block: bytes) -> None:
        self.size += len(block)
        if self.size > self.limit:
            raise TransportError(f"{self.name} is larger than the {_mb(self.limit)} limit (FEED_MAX_BYTES); refused.")
        self.fh.write(block)

    def close(self) -> None:
        self.fh.close()


def _too_big(name: str, size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise TransportError(
            f"{name} is {_mb(size)}, larger than the {_mb(limit)} limit (FEED_MAX_BYTES); refused before download."
        )


def _matching(names: Sequence[str], pattern: str) -> list[str]:
    chosen = sorted(n for n in (PurePosixPath(x).name for x in names) if fnmatch.fnmatch(n, pattern or "*"))
    return chosen[:MAX_FILES]


def fetch(source: Source, dest: Path) -> list[Fetched]:
    """Download the source's files into `dest`; [] when nothing matches the pattern."""
    if source.source_type == "upload":
        return _fetch_upload(source, dest)
    try:
        host_check(source.url, allow_private=source.allow_private)
    except HostRefused as exc:
        raise TransportError(
            f"Feed URL refused: {exc} (set FEED_ALLOW_PRIVATE_HOSTS=true to allow hosts of your own network)."
        ) from None
    fetchers: dict[str, Callable[[Source, Path], list[Fetched]]] = {
        "ftp": _fetch_ftp,
        "sftp": _fetch_sftp,
        "http": _fetch_http,
    }
    return fetchers[source.source_type](source, dest)


def _fetch_upload(source: Source, dest: Path) -> list[Fetched]:
    if not source.upload_path or not Path(source.upload_path).is_file():
        raise TransportError("This upload feed has no file yet; upload one on the feed's page.")
    size = Path(source.upload_path).stat().st_size
    name = Path(source.upload_path).name
    _too_big(name, size, source.max_bytes)
    shutil.copyfile(source.upload_path, dest / name)
    return [Fetched(name, dest / name, size)]


def _fetch_ftp(source: Source, dest: Path) -> list[Fetched]:
    parts = urlsplit(source.url)
    ftp = ftplib.FTP(timeout=TIMEOUT)
    try:
        try:
            ftp.connect(parts.hostname or "", parts.port or 21)
        except OSError as exc:
            raise TransportError(f"Cannot connect to FTP server {parts.hostname}:{parts.port or 21} ({exc}).") from None
        try:
            ftp.login(source.username or "anonymous", source.password)
        except ftplib.error_perm as exc:
            raise TransportError(f"FTP login refused for user '{source.username or 'anonymous'}': {exc}") from None
        folder = unquote(parts.path) or "/"
        try:
            ftp.cwd(folder)
            names = ftp.nlst()
        except ftplib.error_perm as exc:
            raise TransportError(f"FTP folder '{folder}' cannot be listed: {exc}") from None
        ftp.voidcmd("TYPE I")
        fetched = []
        for name in _matching(names, source.pattern):
            try:
                size: int | None = ftp.size(name)
            except ftplib.error_perm:
                size = None
            _too_big(name, size, source.max_bytes)
            counter = _Counter(dest / name, source.max_bytes, name)
            try:
                ftp.retrbinary(f"RETR {name}", counter)
            finally:
                counter.close()
            fetched.append(Fetched(name, dest / name, counter.size))
        return fetched
    except (ftplib.Error, OSError, EOFError) as exc:
        raise TransportError(f"FTP download failed: {exc}") from None
    finally:
        try:
            ftp.close()
        except OSError:
            pass


def _fetch_sftp(source: Source, dest: Path) -> list[Fetched]:
    try:
        return asyncio.run(asyncio.wait_for(_sftp(source, dest), timeout=TIMEOUT * 20))
    except asyncssh.PermissionDenied:
        how = " with the stored private key" if source.private_key else ""
        raise TransportError(f"SFTP login refused for user '{source.username}'{how}.") from None
    except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
        raise TransportError(f"The feed's private key cannot be used ({exc}); paste it again.") from None
    except (asyncssh.Error, OSError, TimeoutError) as exc:
        raise TransportError(f"SFTP download failed: {exc}") from None


def sftp_key_check(private_key: str, passphrase: str = "") -> str:
    """'' when `private_key` is a readable OpenSSH/PEM private key (with `passphrase` if it has one), else why not."""
    try:
        asyncssh.import_private_key(private_key, passphrase or None)
    except asyncssh.KeyEncryptionError:
        return "The private key is protected by a passphrase: give it as the password, or it is not the right one."
    except asyncssh.KeyImportError as exc:
        if "passphrase" in str(exc).lower():
            return "The private key is protected by a passphrase: give it as the password, or it is not the right one."
        return f"The private key cannot be read ({exc}); paste the whole OpenSSH or PEM private key."
    return ""


async def _sftp(source: Source, dest: Path) -> list[Fetched]:
    from django.conf import settings

    parts = urlsplit(source.url)
    keys = [asyncssh.import_private_key(source.private_key, source.password or None)] if source.private_key else None
    known_hosts = settings.FEED_SFTP_KNOWN_HOSTS or None  # None: the server's key is not checked
    async with (
        asyncssh.connect(
            parts.hostname or "",
            port=parts.port or 22,
            username=source.username,
            password=None if keys else source.password or None,
            known_hosts=known_hosts,
            client_keys=keys,
            agent_path=None,
            connect_timeout=TIMEOUT,
        ) as conn,
        conn.start_sftp_client() as sftp,
    ):
        folder = unquote(parts.path) or "."
        names = await sftp.listdir(folder)
        fetched = []
        for name in _matching(names, source.pattern):
            remote = f"{folder.rstrip('/')}/{name}"
            _too_big(name, (await sftp.stat(remote)).size, source.max_bytes)
            counter = _Counter(dest / name, source.max_bytes, name)
            try:
                async with sftp.open(remote, "rb") as fh:
                    while block := await fh.read(256 * 1024):
                        counter(block if isinstance(block, bytes) else block.encode())
            finally:
                counter.close()
            fetched.append(Fetched(name, dest / name, counter.size))
        return fetched


def _fetch_http(source: Source, dest: Path) -> list[Fetched]:
    name = PurePosixPath(unquote(urlsplit(source.url).path)).name or "feed"
    auth = (source.username, source.password) if source.username else None
    try:
        with requests.get(source.url, auth=auth, timeout=TIMEOUT, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                raise TransportError(f"The feed URL answered HTTP {response.status_code}.")
            length = response.headers.get("Content-Length")
            _too_big(name, int(length) if length and length.isdigit() else None, source.max_bytes)
            counter = _Counter(dest / name, source.max_bytes, name)
            try:
                for block in response.iter_content(256 * 1024):
                    counter(block)
            finally:
                counter.close()
    except requests.RequestException as exc:
        raise TransportError(f"HTTP download failed ({exc.__class__.__name__}: {exc}).") from None
    return [Fetched(name, dest / name, counter.size)]
