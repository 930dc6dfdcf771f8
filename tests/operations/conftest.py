import pytest

from operations.systemlog import system_log_flush, system_log_handlers, system_log_stop


@pytest.fixture
def system_log(settings):
    """The database log handler switched on for one (transactional) test; flushed and stopped afterwards, so
    its thread's connection is closed before the test database is flushed or dropped."""
    assert system_log_handlers(), "LOGGING has no database handler"
    settings.SYSTEM_LOG_ENABLED = True
    yield system_log_flush
    system_log_flush()
    settings.SYSTEM_LOG_ENABLED = False
    system_log_stop()


# --- supplier feed servers on loopback (docs/operations.md#supplier-feeds) ---

import asyncio  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

import asyncssh  # noqa: E402
from pyftpdlib.authorizers import DummyAuthorizer  # noqa: E402
from pyftpdlib.handlers import FTPHandler  # noqa: E402
from pyftpdlib.servers import FTPServer  # noqa: E402

FEED_USER, FEED_PASSWORD = "etilize", "s3cret-feed"
# The key the SFTP server accepts for FEED_USER (docs/operations.md#sftp-keys), plain and passphrase-protected.
FEED_CLIENT_KEY = asyncssh.generate_private_key("ssh-ed25519")
FEED_KEY_TEXT = FEED_CLIENT_KEY.export_private_key().decode()
FEED_KEY_PASSPHRASE = "key-passphrase"
FEED_KEY_PROTECTED = FEED_CLIENT_KEY.export_private_key(passphrase=FEED_KEY_PASSPHRASE).decode()


@pytest.fixture
def feed_dir(tmp_path):
    folder = tmp_path / "ftp-root" / "incoming"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def ftp_server(feed_dir):
    """A real FTP server on 127.0.0.1 serving feed_dir's parent; yields its ftp:// URL of /incoming/."""
    authorizer = DummyAuthorizer()
    authorizer.add_user(FEED_USER, FEED_PASSWORD, str(feed_dir.parent), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "auth_failed_timeout": 0})
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2, "blocking": True}, daemon=True)
    thread.start()
    yield f"ftp://127.0.0.1:{port}/incoming/"
    server.close_all()
    thread.join(5)


@pytest.fixture
def sftp_server(feed_dir, tmp_path):
    """A real SFTP server (asyncssh) on 127.0.0.1 whose root is feed_dir's parent; yields sftp://…/incoming."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    root = str(feed_dir.parent)
    loop = asyncio.new_event_loop()

    class Server(asyncssh.SSHServer):
        def begin_auth(self, username):
            return True

        def password_auth_supported(self):
            return True

        def validate_password(self, username, password):
            return username == FEED_USER and password == FEED_PASSWORD

        def public_key_auth_supported(self):
            return True

        def validate_public_key(self, username, key):
            return username == FEED_USER and key.public_data == FEED_CLIENT_KEY.public_data

    async def start():
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[key],
            server_factory=Server,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root.encode()),
        )

    listener = loop.run_until_complete(start())
    port = listener.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"sftp://127.0.0.1:{port}/incoming"
    loop.call_soon_threadsafe(listener.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture
def http_server():
    """A loopback HTTP server; tests put (status, headers, body-iterable) under paths in `.routes`."""
    routes: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            status, headers, body = routes.get(self.path, (404, {}, [b"not found"]))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                for block in body:
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.routes = routes
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
