"""The process runner: the startup line and the port reserved for granian."""

from __future__ import annotations

import socket

import pytest

from s3box.config import Config
from s3box.server.runner import _reserve_port, banner


def test_banner_names_the_port_given_not_the_configured_zero():
    line = banner(Config(bind_address="127.0.0.1", bind_port=0), 40123)
    assert "listening on http://127.0.0.1:40123 " in line
    assert "server=uvicorn" in line


def test_banner_brackets_an_ipv6_address():
    assert "http://[::1]:9000 " in banner(Config(bind_address="::1"), 9000)


def test_reserved_port_is_free_for_a_reuseport_listener_and_taken_for_others():
    reserved = _reserve_port("127.0.0.1")
    try:
        port = reserved.getsockname()[1]
        assert port != 0
        # granian's listener sets SO_REUSEPORT, so it can bind beside the reservation.
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen()
        # A program without SO_REUSEPORT cannot take the port meanwhile.
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
    finally:
        reserved.close()
