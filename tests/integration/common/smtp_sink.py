#!/usr/bin/env python3
"""A real SMTP server for the integration tests (Debian's python3-aiosmtpd).

Usage: smtp_sink.py PORT STATE_DIR

Listens on 127.0.0.1:PORT (0 = a free port), prints "ready <port>" once it accepts
connections, and stores every accepted message in STATE_DIR/spool/ as two files with the
same name: <name>.eml (the raw data, byte for byte) and then <name>.json (envelope sender,
envelope recipients, the .eml's name). The .json is renamed into place last, so a reader
that lists *.json never sees half a message. Names sort in arrival order.

While STATE_DIR/refuse-transient exists, every message is answered with a 451 (a transient
error, as a real relay under load or greylisting gives); the file is read per message, so a
test switches it on and off without restarting the server.

The server stops when its standard input closes: the test process that started it holds
the pipe, so the sink never outlives the tests even if they are killed.
"""

import asyncio
import json
import os
import sys
import time

from aiosmtpd.smtp import SMTP


class SpoolHandler:
    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.spool = os.path.join(state_dir, "spool")
        os.makedirs(self.spool, exist_ok=True)
        self.counter = 0

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.state_dir, "refuse-transient")):
            return "451 4.3.0 Temporarily refusing mail (test sink)"
        self.counter += 1
        # Nanoseconds first so names sort in arrival order across restarts.
        name = f"{time.time_ns():020d}-{os.getpid()}-{self.counter:06d}"
        eml = os.path.join(self.spool, name + ".eml")
        with open(eml, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "eml": name + ".eml",
        }
        tmp = os.path.join(self.spool, "." + name + ".json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(self.spool, name + ".json"))
        return "250 2.0.0 Message accepted for delivery"


async def main():
    port = int(sys.argv[1])
    state_dir = sys.argv[2]
    handler = SpoolHandler(state_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="zszo-test-sink", enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=port,
        reuse_address=True,
    )
    print(f"ready {server.sockets[0].getsockname()[1]}", flush=True)

    stdin_closed = loop.create_future()

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096) and not stdin_closed.done():
            stdin_closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    await stdin_closed
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
