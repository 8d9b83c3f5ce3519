"""Preflight for the kazoo suite: can the candidate server start from a standalone zoo.cfg
and serve one kazoo session? If not, the suite is not run. The harness would retry every
test's cluster start for over a minute, and the suite timeout would cut it off after 25
minutes with nothing learned.

Usage: preflight.py KIND [ZKRS_BIN]   (run with the venv's python; KIND: zkrs|reference)
"""

import os
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import servers  # noqa: E402


def main():
    kind = sys.argv[1]
    zkrs_bin = sys.argv[2] if len(sys.argv) > 2 else None
    from kazoo.client import KazooClient

    workdir = tempfile.mkdtemp(prefix="kazoo-preflight-")
    port = servers.free_port()
    server = servers.Server(kind, workdir, port, "maxClientCnxns=0\n4lw.commands.whitelist=*\n"
                            "admin.enableServer=false\n", [], zkrs_bin)
    try:
        server.start(deadline_s=30)
        client = KazooClient("127.0.0.1:%d" % port, timeout=10)
        client.start(timeout=15)
        try:
            client.ensure_path("/kazoo-preflight")
            client.delete("/kazoo-preflight")
        finally:
            client.stop()
            client.close()
        return 0
    except Exception as e:  # noqa: BLE001 - any failure means "do not run the suite"
        print("kazoo: preflight failed: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        print("kazoo: server log tail (%s):\n%s" % (server.log_path, server.log_tail(20)),
              file=sys.stderr)
        return 1
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
