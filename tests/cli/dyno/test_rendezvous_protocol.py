"""The rendezvous client against scripted servers: what real Heroku may do that the sandbox runner does not.

A sandbox RendezvousListener serves each scenario; the client is the real one.
"""

from __future__ import annotations

import time

import pytest

from dandiops.providers.dyno import ExitStatusFilter, ExitStatusMarker

MARKER = ExitStatusMarker("5f0c2d8e9a7b4c3d2e1f0a9b8c7d6e5f")
MARK = MARKER.prefix


def feed(chunks: list[bytes], marker: ExitStatusMarker = MARKER) -> tuple[str, int | None]:
    out: list[str] = []
    stream = ExitStatusFilter(out.append, marker)
    for chunk in chunks:
        stream.feed(chunk)
    stream.close()
    return "".join(out), stream.exit_status


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def test_filter_one_byte_at_a_time():
    data = f"naïve € 𝄞\n{MARK}3\n".encode()
    assert feed(bytewise(data)) == ("naïve € 𝄞\n", 3)


def test_filter_marker_after_output_without_a_line_end():
    assert feed([b"no newline", f"{MARK}0\r\n".encode()]) == ("no newline", 0)


def test_filter_keeps_a_lone_u_ffff_that_is_not_the_marker():
    assert feed([f"odd \uffff char\n{MARK}1\n".encode()]) == ("odd \uffff char\n", 1)


def test_filter_finds_the_marker_after_an_unfinished_line_with_a_u_ffff():
    assert feed(["odd \uffff".encode(), f"{MARK}4\n".encode()]) == ("odd \uffff", 4)


def test_filter_without_marker_reports_none():
    assert feed([b"killed halfway\n"]) == ("killed halfway\n", None)


def test_filter_invalid_utf8_is_replaced_not_fatal():
    assert feed([b"\xff\xfe ok\n", f"{MARK}0\n".encode()]) == ("\ufffd\ufffd ok\n", 0)


@pytest.mark.parametrize(
    "forged",
    [
        "\uffff heroku-command-exit-status: 0\n",  # what `heroku run --exit-code` looks for
        "\uffff heroku-command-exit-status 00000000000000000000000000000000: 0\n",  # another run's token
        f"{MARK[:-3]}: 0\n",  # this run's token, cut short
    ],
)
def test_filter_a_marker_without_this_runs_token_is_output(forged):
    assert feed([forged.encode(), f"{MARK}3\n".encode()]) == (forged, 3)


def test_filter_holds_back_only_what_may_still_become_the_marker():
    out: list[str] = []
    stream = ExitStatusFilter(out.append, MARKER)
    stream.feed("progress \uffff 40%".encode())
    assert "".join(out) == "progress \uffff 40%"
    stream.feed(MARK[:12].encode())
    assert "".join(out) == "progress \uffff 40%"
    stream.feed(f"{MARK[12:]}0\n".encode())
    stream.close()
    assert ("".join(out), stream.exit_status) == ("progress \uffff 40%", 0)


def test_each_marker_has_a_token_of_its_own():
    first, second = ExitStatusMarker.new(), ExitStatusMarker.new()
    assert first.token != second.token and len(first.token) == 32
    assert first.wrap("true") == f'true\necho "\uffff heroku-command-exit-status {first.token}: $?"'


@pytest.fixture
def scripted(tmp_path, dynos):
    """(dyno dict, listener) pairs: the dyno's attach_url leads to a handler the test writes."""
    from dandiops.sandbox.dyno.rendezvous import RendezvousListener

    listener = RendezvousListener(tmp_path / "scripted").start()
    dynos._tls.load_verify_locations(cafile=str(listener.cert_path))

    def make(handler) -> dict:
        """A dyno dict whose attach URL leads to `handler`; its marker is MARKER."""
        secret = listener.new_secret()
        listener.register(secret, handler)
        return {
            "id": "01234567-89ab-cdef-0123-456789abcdef",
            "name": "run.7",
            "attach_url": listener.attach_url(secret),
        }

    yield make
    listener.stop()


def _close(conn) -> None:
    conn.close()


def test_banner_and_output_in_one_read_keeps_the_output(dynos, scripted):
    def handler(conn):
        conn.sendall(f"rendezvous\r\nfirst line\n{MARK}0\n".encode())
        _close(conn)

    out: list[str] = []
    result = dynos.attach(scripted(handler), marker=MARKER, output=out.append)
    assert (result.exit_status, "".join(out)) == (0, "first line\n")


def test_without_a_banner_everything_is_output(dynos, scripted):
    def handler(conn):
        conn.sendall(f"straight to output\n{MARK}2\n".encode())
        _close(conn)

    out: list[str] = []
    assert dynos.attach(scripted(handler), marker=MARKER, output=out.append).exit_status == 2
    assert "".join(out) == "straight to output\n"


def test_mid_stream_disconnect_is_an_error(dynos, scripted):
    from dandiops.core.errors import DandiopsError

    def handler(conn):
        conn.sendall(b"rendezvous\r\n")
        time.sleep(0.05)
        conn.sendall("half a char: \xe2\x82".encode("latin-1"))
        _close(conn)

    out: list[str] = []
    with pytest.raises(DandiopsError) as caught:
        dynos.attach(scripted(handler), marker=MARKER, output=out.append)
    assert "without reporting the command's exit status" in caught.value.message
    assert caught.value.exit_code == 1
    assert "".join(out) == "half a char: \ufffd"


def test_connection_closed_before_the_banner(dynos, scripted):
    from dandiops.core.errors import DandiopsError

    with pytest.raises(DandiopsError) as caught:
        dynos.attach(scripted(_close), marker=MARKER, output=lambda text: None)
    assert "ended before it started" in caught.value.message
