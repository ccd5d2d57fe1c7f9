"""A local SMTP server for development: prints every mail it receives (and appends to a log).

Used by `make run` on 127.0.0.1:1025 so the demo never sends real mail. When that port is taken
(another catcher, another `make run`), it listens on a free port instead and says so: its line
"mail catcher on 127.0.0.1:PORT" tells scripts/run.sh where the worker must send."""

import asyncio
import socket
import sys
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


class Printer:
    def __init__(self, log_path: Path):
        self.log_path = log_path

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = (
            f"--- mail to {', '.join(envelope.rcpt_tos)}: {message['subject']}\n"
            f"{body.get_content() if body else ''}\n"
        )
        with self.log_path.open("a", encoding="utf-8") as f:
            f.write(text)
        return "250 OK"


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def a_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1025
    port = wanted if port_is_free(wanted) else a_free_port()
    if port != wanted:
        print(
            f"port {wanted} is taken: the mail catcher listens on {port} instead"
            " (MAIL_PORT chooses its port)",
            flush=True,
        )
    log_path = Path(sys.argv[2] if len(sys.argv) > 2 else "var/log/mail.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    controller = Controller(Printer(log_path), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"mail catcher on 127.0.0.1:{port}, writing to {log_path}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
