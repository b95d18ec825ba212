"""A local Neo4j (community 5.26, embedded in a JVM, Bolt on loopback) for development, the demo and
the tests: the real production database, not a stand-in, started from `tools/neo4j` in the checkout.

Maven resolves Neo4j and its jars from Maven Central once (`mvn dependency:build-classpath`, cached in
~/.m2) and javac compiles the one launcher class into `tools/neo4j/target/`; nothing else is built.
Needs Java 17+ and Maven on PATH; without them `LocalNeo4jUnavailable` says so.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from backend.errors import GraphUnavailable

LAUNCHER_DIR = Path(__file__).resolve().parents[2] / "tools" / "neo4j"
_SOURCE = LAUNCHER_DIR / "src" / "main" / "java" / "knowledgeweaver" / "LocalNeo4j.java"
_TARGET = LAUNCHER_DIR / "target"
_CLASSPATH = _TARGET / "classpath.txt"
_CLASSES = _TARGET / "classes"
_BUILT = _CLASSES / "knowledgeweaver" / "LocalNeo4j.class"
START_TIMEOUT_S = 300.0  # a first start creates the system and neo4j databases; a busy 2-core machine is slow


class LocalNeo4jUnavailable(GraphUnavailable):
    """The local Neo4j cannot run here (no Java or Maven, no checkout's tools/neo4j)."""


def missing_tools() -> str | None:
    """Why the local Neo4j cannot be built here, or None when it can."""
    if not _SOURCE.exists():
        return f"the Neo4j launcher is not here ({_SOURCE}); run from a checkout"
    absent = [tool for tool in ("java", "javac", "mvn") if shutil.which(tool) is None]
    if absent:
        return f"the local Neo4j needs Java 17+ and Maven on PATH ({', '.join(absent)} not found)"
    return None


def local_password(home: Path) -> str:
    """The password of a local Neo4j kept in `home`: KW_NEO4J_PASSWORD when set, else one made on first
    use and kept in `home/password` (readable by its owner only), so it is never printed."""
    if os.environ.get("KW_NEO4J_PASSWORD"):
        return os.environ["KW_NEO4J_PASSWORD"]
    path = home / "password"
    home.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def build() -> tuple[Path, str]:
    """Resolve Neo4j's jars and compile the launcher, when the pom or the source changed since the last
    build. Returns (classes dir, classpath). Safe to call from several processes at once."""
    why = missing_tools()
    if why:
        raise LocalNeo4jUnavailable(why)
    _TARGET.mkdir(exist_ok=True)
    with FileLock(str(_TARGET / ".build.lock")):
        pom = LAUNCHER_DIR / "pom.xml"
        if not _CLASSPATH.exists() or _CLASSPATH.stat().st_mtime < pom.stat().st_mtime:
            # -C: a jar whose checksum does not match the repository's is refused, not used
            _run(["mvn", "-q", "-B", "-C", "-f", str(pom), "dependency:build-classpath",
                  f"-Dmdep.outputFile={_CLASSPATH}"], "resolving Neo4j with Maven")  # fmt: skip
        classpath = _CLASSPATH.read_text().strip()
        if not _BUILT.exists() or _BUILT.stat().st_mtime < max(
            _SOURCE.stat().st_mtime, _CLASSPATH.stat().st_mtime
        ):
            _run(["javac", "-d", str(_CLASSES), "-cp", classpath, str(_SOURCE)], "compiling the launcher")
    return _CLASSES, classpath


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise LocalNeo4jUnavailable(f"{what} failed ({done.returncode}):\n" + "\n".join(tail))


@dataclass
class LocalNeo4j:
    """One Neo4j server process whose store is `home`. `settings` are extra Neo4j settings
    (`db.memory.transaction.max`: '256m', ...). `heap` is the JVM's -Xmx."""

    home: Path
    port: int
    password: str
    heap: str = "1g"
    settings: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = START_TIMEOUT_S) -> str:
        """Start the server and wait until Bolt accepts connections; returns its URI. The server stops
        when this process ends, however it ends."""
        classes, classpath = build()
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.home / "launcher.log", "ab")  # noqa: SIM115  (the child's stderr, kept open with it)
        env = {**os.environ, "KW_NEO4J_PASSWORD": self.password, "KW_NEO4J_PARENT_PID": str(os.getpid())}
        extra = [f"{key}={value}" for key, value in self.settings.items()]
        self._process = subprocess.Popen(
            [
                "java",
                f"-Xmx{self.heap}",
                "-XX:+UseG1GC",
                "-cp",
                f"{classes}{os.pathsep}{classpath}",
                "knowledgeweaver.LocalNeo4j",
                str(self.home),
                str(self.port),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a Ctrl-C meant for the caller is the caller's to pass on
        )
        log.close()
        ready = threading.Event()
        threading.Thread(target=self._watch_output, args=(ready,), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not ready.wait(0.2):
            if self._process.poll() is not None or time.monotonic() > deadline:
                code = self._process.poll()
                self.stop()
                tail = (self.home / "launcher.log").read_text(errors="replace").splitlines()[-15:]
                state = f"exited with {code}" if code is not None else f"not ready after {timeout_s:.0f} s"
                raise LocalNeo4jUnavailable(f"the local Neo4j {state}:\n" + "\n".join(tail))
        return self.uri

    def _watch_output(self, ready: threading.Event) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith(b"ready "):
                ready.set()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout_s: float = 60.0) -> None:
        """Shut the database down cleanly (SIGTERM: the launcher's shutdown hook closes the store)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        """kill -9, for tests of a database that dies."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
