"""A local SMTP server for development: prints every mail it receives (and appends to a log).

Used by `make run` on 127.0.0.1:1025 so the demo never sends real mail."""

import asyncio
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


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 1025
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
