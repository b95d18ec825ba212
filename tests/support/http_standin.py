"""A tiny real HTTP server on a free loopback port, for stand-ins of services we cannot reach here
(AWS APIs, LLM providers). Handlers speak the real wire protocol; the SDKs talk to them unmodified."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (method, path, headers, body) -> (status, headers, body); a body given as an iterable of pieces is
# streamed piece by piece (no content-length, the connection closed at its end), as a model streams
Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes | Iterable[bytes]]]


class StandIn:
    def __init__(self, handler: Handler, port: int = 0) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.aborted = 0  # streamed bodies the client stopped reading (closed the connection) midway
        outer = self

        class _Request(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append((self.command, self.path, headers, body))
                status, out_headers, out = handler(self.command, self.path, headers, body)
                self.send_response(status)
                for key, value in out_headers.items():
                    self.send_header(key, value)
                if self.command == "HEAD":  # headers only; content-length is the handler's
                    self.end_headers()
                    return
                if not isinstance(out, bytes):
                    self.send_header("connection", "close")
                    self.end_headers()
                    try:
                        for piece in out:
                            self.wfile.write(piece)
                            self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        outer.aborted += 1
                    return
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Request)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def aws_json(status: int, payload: dict) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/x-amz-json-1.1"}, json.dumps(payload).encode()


def secrets_manager(secrets: dict[str, str]) -> Handler:
    """AWS Secrets Manager's JSON 1.1 protocol: GetSecretValue only."""

    def handle(method, path, headers, body):
        if headers.get("x-amz-target") != "secretsmanager.GetSecretValue":
            return aws_json(400, {"__type": "InvalidRequestException", "message": "unsupported"})
        secret_id = json.loads(body)["SecretId"]
        if secret_id not in secrets:
            return aws_json(
                400, {"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find it"}
            )
        return aws_json(
            200, {"ARN": secret_id, "Name": secret_id.split(":")[-1], "SecretString": secrets[secret_id]}
        )

    return handle
