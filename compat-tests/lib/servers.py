"""Start and stop a standalone ZooKeeper-compatible server for the compat suites.

Two kinds of server run from the same zoo.cfg:

* ``reference``: Apache ZooKeeper 3.8.0 from Debian (``QuorumPeerMain`` on the jars in
  /usr/share/java), the oracle.
* ``zkrs``: our binary, started as ``zkrs -Dk=v ... zoo.cfg``.

Every start has a deadline (readiness is polled, never slept for) and every server is
stopped on exit: SIGTERM to its process group, then SIGKILL after a grace period.
"""

import atexit
import os
import signal
import socket
import subprocess
import time

JAVA_DIR = "/usr/share/java"

# The jars the reference server needs, listed in reference-jars.txt (shared with the
# kazoo suite's ZOOKEEPER_CLASSPATH).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference-jars.txt")) as _f:
    REFERENCE_JARS = [ln.strip() for ln in _f if ln.strip() and not ln.startswith("#")]

LOG4J_CONSOLE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "log4j-console.properties")

_LIVE = []


def reference_classpath():
    """The explicit reference classpath, as a ``:``-joined string."""
    jars = [os.path.join(JAVA_DIR, name + ".jar") for name in REFERENCE_JARS]
    missing = [j for j in jars if not os.path.exists(j)]
    if missing:
        raise RuntimeError("reference jars missing (run compat-tests/setup.sh): %s"
                           % ", ".join(missing))
    return ":".join(jars)


def free_port():
    """A TCP port that was free a moment ago (bind to port 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def four_letter(port, word, timeout=2.0):
    """Send a four-letter word; return the reply (b"" if the server closed at once).

    Raises OSError when nothing accepts the connection.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(word.encode())
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


class Server:
    """One server process, logging to ``log_path``.

    It stays in our process group (no new session), so that whoever bounds us with
    timeout(1) and reaps our group also takes the server down if we die abruptly.
    """

    def __init__(self, kind, workdir, port, zoo_cfg_extra="", props=(), zkrs_bin=None):
        self.kind = kind
        self.workdir = workdir
        self.port = port
        self.props = list(props)
        self.zkrs_bin = zkrs_bin
        self.data_dir = os.path.join(workdir, "data")
        self.cfg_path = os.path.join(workdir, "zoo.cfg")
        self.log_path = os.path.join(workdir, "server.log")
        self.proc = None
        os.makedirs(self.data_dir, exist_ok=True)
        with open(self.cfg_path, "w") as f:
            f.write("tickTime=2000\n")
            f.write("dataDir=%s\n" % self.data_dir)
            f.write("clientPort=%d\n" % port)
            f.write(zoo_cfg_extra)

    def command(self):
        if self.kind == "reference":
            return (["java", "-cp", reference_classpath(),
                     "-Dlog4j.configuration=file:" + LOG4J_CONSOLE, "-Djava.awt.headless=true"]
                    + self.props
                    + ["org.apache.zookeeper.server.quorum.QuorumPeerMain", self.cfg_path])
        if self.kind == "zkrs":
            if not self.zkrs_bin or not os.access(self.zkrs_bin, os.X_OK):
                raise RuntimeError("zkrs binary not found or not executable: %r"
                                   % self.zkrs_bin)
            return [self.zkrs_bin] + self.props + [self.cfg_path]
        raise ValueError("unknown server kind %r" % self.kind)

    def start(self, deadline_s=60.0):
        """Start the server and wait until it answers ``ruok`` with ``imok``.

        If the port accepts connections but never answers ``ruok`` (4lw not implemented),
        the server counts as ready at the deadline, with a warning on stderr.
        """
        cmd = self.command()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        _LIVE.append(self)
        deadline = time.monotonic() + deadline_s
        tcp_ok = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s server exited with %s during startup; log: %s\n%s"
                                   % (self.kind, self.proc.returncode, self.log_path,
                                      self.log_tail()))
            try:
                if four_letter(self.port, "ruok") == b"imok":
                    return
                tcp_ok = True
            except OSError:
                pass
            time.sleep(0.1)  # poll interval, not a synchronisation sleep
        if tcp_ok:
            print("warning: %s server on port %d accepts connections but does not "
                  "answer ruok; continuing" % (self.kind, self.port), flush=True)
            return
        self.stop()
        raise RuntimeError("%s server did not start within %.0fs; log: %s\n%s"
                           % (self.kind, deadline_s, self.log_path, self.log_tail()))

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def stop(self, grace_s=15.0):
        """SIGTERM the server, SIGKILL it after ``grace_s``. Returns the exit code.

        (Both kinds are one process: java itself, or the zkrs binary; wrappers exec.)
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                print("warning: %s server ignored SIGTERM for %.0fs; killing"
                      % (self.kind, grace_s), flush=True)
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass
                self.proc.wait()
        if self in _LIVE:
            _LIVE.remove(self)
        return self.proc.returncode


def _stop_all():
    for server in list(_LIVE):
        server.stop(grace_s=5.0)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def port_block_free(base, count):
    for port in range(base, base + count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # Servers set SO_REUSEADDR too: ports in TIME_WAIT are usable.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                return False
    return True


def free_port_block(count=5, start=23000, step=100, stop=30000):
    """First base in start, start+step, ... whose `count` ports are all free."""
    for base in range(start, stop, step):
        if port_block_free(base, count):
            return base
    raise RuntimeError("no free block of %d ports in %d-%d" % (count, start, stop))


if __name__ == "__main__":
    import sys as _sys
    if _sys.argv[1:2] == ["port-block-free"]:
        _sys.exit(0 if port_block_free(int(_sys.argv[2]), int(_sys.argv[3])) else 1)
    elif _sys.argv[1:2] == ["free-port-block"]:
        print(free_port_block(*[int(a) for a in _sys.argv[2:]]))
    elif _sys.argv[1:2] == ["classpath"]:
        print(reference_classpath())
    else:
        raise SystemExit("usage: servers.py free-port-block [count start step stop] | "
                         "port-block-free BASE COUNT | classpath")
