"""``praxis serve`` in a subprocess, on a port it picks itself and reports.

A port chosen by the test (bind port 0, close, hand the number over) may be taken by another process
before the server binds it: two suites at once share one port space. So the server binds port 0
itself (``praxis serve --port 0``) and prints the address once it listens; ``start_serving`` reads
that line and keeps reading the rest of the output in a thread, so the pipe never fills and blocks
the server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

_LISTENING = re.compile(r"listening on (http://\S+?);")


@dataclass
class Serving:
    """A running ``praxis serve``: its process, its base ``url`` and its output so far."""

    process: subprocess.Popen[str]
    url: str = ""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=2000))
    listening: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def read(self) -> None:
        """The reader thread: every line of the output, and the URL from the line that reports it."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            found = _LISTENING.search(line)
            if found and not self.listening.is_set():
                self.url = found.group(1)
                self.listening.set()
        self.listening.set()  # the process ended: whoever waits stops waiting

    def stop(self, timeout: float = 30) -> str:
        """SIGTERM, as a service manager sends it; wait for the end; the whole output."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=timeout)
        if self.reader is not None:
            self.reader.join(timeout=timeout)
        return self.output


def start_serving(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Serving:
    """``praxis serve --port 0 ARGS`` with ``env`` added to this process's environment, once it
    listens; it fails with the server's output if it ends or says nothing within ``timeout``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "praxis.backend.cli", "serve", "--port", "0", *args],
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serving = Serving(process)
    serving.reader = threading.Thread(target=serving.read, name="praxis-serve-output", daemon=True)
    serving.reader.start()
    started = time.monotonic()
    if not serving.listening.wait(timeout) or not serving.url:
        output = serving.stop()
        raise RuntimeError(
            f"praxis serve reported no address within {time.monotonic() - started:.0f} s "
            f"(exit code {process.returncode}):\n{output}"
        )
    return serving
