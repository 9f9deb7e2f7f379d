"""Port helpers."""

from __future__ import annotations

import socket

from devstack.ports import free_port, free_ports, port_open, wait_for_port


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    for port in [*ports, free_port()]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_port_open_sees_a_listening_socket_and_nothing_else() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_open("127.0.0.1", port)
        assert wait_for_port("127.0.0.1", port, timeout=1)
    assert not port_open("127.0.0.1", port)
    assert not wait_for_port("127.0.0.1", port, timeout=0.3)
