"""A fake's HTTP server answering on its own daemon thread, on 127.0.0.1, until closed."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class BackgroundServer:
    """Starts `server` on a daemon thread; `close` stops it and frees its port."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        # A short poll keeps shutdown() quick: tests start and stop fakes many times.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
