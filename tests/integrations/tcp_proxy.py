"""A real TCP proxy between SoloOps and a broker, to take the broker away mid-stream.

``cut_after`` bytes from the client side, it closes every connection and refuses new ones
(``up()`` lets them through again): to the publisher the broker is gone, exactly as when it
crashes or the network drops, while the broker itself (shared by other tests) keeps running.

``hold_after`` bytes, it stops forwarding instead (``held`` is set) until ``release`` is set:
a test can then kill a broker of its own while a batch is surely in flight.
"""

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_after: int | None = None
        self.hold_after: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.forwarded = 0
        self.is_up = True
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.is_up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:  # the broker is down: to the client, as if it were refused
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                if counted:
                    with self._lock:
                        self.forwarded += len(data)
                        over = self.cut_after is not None and self.forwarded > self.cut_after
                        hold = self.hold_after is not None and self.forwarded > self.hold_after
                    if over:
                        self.down()
                        return
                    if hold:
                        self.held.set()
                        self.release.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def down(self) -> None:
        """The broker is gone: every connection drops, new ones are refused."""
        self.is_up, self.cut_after = False, None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def up(self) -> None:
        self.is_up = True

    def close(self) -> None:
        self.down()
        self.listener.close()
