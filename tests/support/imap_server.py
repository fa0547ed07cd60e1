"""A small IMAP4rev1 server on loopback for the mailbox tests: one user, one folder, the
commands a polling client uses (CAPABILITY, LOGIN, SELECT, UID SEARCH, UID FETCH BODY.PEEK[],
UID STORE +FLAGS, NOOP, LOGOUT) over a real TCP socket, answering as RFC 3501 says. Mails
are kept in memory with their \\Seen flag, so a test can see what the client marked."""

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    seen: bool = False


@dataclass
class Mailbox:
    user: str = "shop"
    password: str = "imap-secret"
    folder: str = "INBOX"
    mails: list[StoredMail] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    def deliver(self, raw: bytes) -> None:
        self.mails.append(StoredMail(uid=len(self.mails) + 1, raw=raw))


def _uid_set(spec: str, mails: list[StoredMail]) -> list[StoredMail]:
    wanted: set[int] = set()
    top = max((m.uid for m in mails), default=0)
    for part in spec.split(","):
        low, _, high = part.partition(":")
        first = top if low == "*" else int(low)
        last = first if not high else (top if high == "*" else int(high))
        wanted |= set(range(min(first, last), max(first, last) + 1))
    return [m for m in mails if m.uid in wanted]


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox
        logged_in = selected = False
        self.send("* OK [CAPABILITY IMAP4rev1] test server ready")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            box.commands.append(command)
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
            elif command == "NOOP":
                pass
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif command == "LOGIN":
                user, password = [a.strip('"') for a in args.split(" ", 1)]
                if (user, password) != (box.user, box.password):
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                    continue
                logged_in = True
            elif not logged_in:
                self.send(f"{tag} BAD log in first")
                continue
            elif command in ("SELECT", "EXAMINE"):
                if args.strip('"') != box.folder:
                    self.send(f"{tag} NO no such folder")
                    continue
                selected = True
                self.send(f"* {len(box.mails)} EXISTS")
                self.send("* 0 RECENT")
                self.send("* OK [UIDVALIDITY 1] UIDs valid")
                self.send(f"* OK [UIDNEXT {len(box.mails) + 1}] next")
                self.send("* FLAGS (\\Seen)")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
                continue
            elif not selected:
                self.send(f"{tag} BAD select a folder first")
                continue
            elif command == "UID SEARCH":
                found = [m.uid for m in box.mails if "UNSEEN" not in args.upper() or not m.seen]
                self.send("* SEARCH" + "".join(f" {u}" for u in found))
            elif command == "UID FETCH":
                spec, _, _items = args.partition(" ")
                for m in _uid_set(spec, box.mails):
                    number = box.mails.index(m) + 1
                    self.send(f"* {number} FETCH (UID {m.uid} BODY[] {{{len(m.raw)}}}".encode()
                              + b"\r\n" + m.raw + b")")  # fmt: skip
            elif command == "UID STORE":
                spec, _, change = args.partition(" ")
                for m in _uid_set(spec, box.mails):
                    if re.search(r"\+FLAGS", change, re.I) and "\\Seen" in change:
                        m.seen = True
                    number = box.mails.index(m) + 1
                    self.send(f"* {number} FETCH (UID {m.uid} FLAGS (\\Seen))")
            else:
                self.send(f"{tag} BAD unknown command {command}")
                continue
            self.send(f"{tag} OK {command} completed")


class ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, mailbox: Mailbox) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.mailbox = mailbox
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self) -> "ImapServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
