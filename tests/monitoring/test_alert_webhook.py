"""Drift alerts POSTed to a real HTTP receiver on loopback; a receiver that is down or failing is reported."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from longloop.monitoring.alert_webhook import post_alert


@pytest.fixture
def receiver():
    received, status = [], {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/longloop", received, status
    server.shutdown()


def test_an_alert_arrives_as_json(receiver):
    url, received, _ = receiver
    alert = {"event": "longloop.drift.detected", "score": 1.0, "signals": ["length", "oov_rate"]}
    assert post_alert(url, alert) == (True, "HTTP 200")
    assert received == [("/hooks/longloop", "application/json", alert)]


def test_a_failing_receiver_is_reported_not_raised(receiver):
    url, _, status = receiver
    status["code"] = 503
    assert post_alert(url, {"event": "x"}) == (False, "HTTP 503")


def test_a_receiver_that_is_down_is_reported_not_raised():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    delivered, detail = post_alert(f"http://127.0.0.1:{port}/hook", {"event": "x"}, timeout=5)
    assert delivered is False and "ConnectError" in detail
