"""The embedded stack's AWS side in a process of its own, served over HTTP on 127.0.0.1.

`python -m tests.bench.aws_process PARAMETERS_JSON RECORD_DIR`: provisions template.yaml's stack on
moto (EmbeddedStack: its moto patches and S3 event shaping included), starts the local channel
fakes and connects them, serves moto's backends with moto's ThreadedMotoServer, prints one JSON
line (the endpoint and the variables the functions get over their own), and serves until its
standard input closes. The functions run elsewhere (tests/bench/memory.py), so nothing moto or
the fakes hold is in the measured process.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from infra.fakes.local import LocalChannelApis
from infra.runtime import EmbeddedStack
from moto.server import ThreadedMotoServer

from tests.bench.postings import REPO

LOCALHOST = "127.0.0.1"


def main() -> None:
    parameters, record_dir = json.loads(sys.argv[1]), Path(sys.argv[2])
    with (
        LocalChannelApis.running(record_dir=record_dir) as apis,
        EmbeddedStack.from_template(REPO / "template.yaml", parameters) as stack,
    ):
        apis.connect(stack)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
        # Port 0: the system picks a free one; moto's server is the same backends mock_aws serves here.
        server = ThreadedMotoServer(ip_address=LOCALHOST, port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            announced = {
                "endpoint": f"http://{host}:{port}",
                "environment": stack.model.environment_overrides,
            }
            sys.stdout.write(json.dumps(announced) + "\n")
            sys.stdout.flush()
            sys.stdin.read()  # until the benchmark closes it (or exits)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
