#!/usr/bin/env python3
"""A stand-in workspace + gateway for scripts/bench.sh: answers every request after DELAY seconds
with one JSON body that every agentgw reader understands, or (DELAY = "never") accepts
connections and never answers. Prints its port, then serves until killed. Loopback only.

The SQL statements API answers by the second argument: "pending" keeps every statement PENDING
forever; "rows=N" finishes every statement at once with N usage rows (user, cost, tokens, today)."""
import http.server
import json
import socket
import sys
import time

delay = sys.argv[1]
if delay == "never":
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    held = []
    while True:
        held.append(listener.accept())

BODY = json.dumps({
    "userName": "bench@example.com",
    "endpoints": [],
    "content": [{"type": "text", "text": "pong"}],
    "output": [{"content": [{"type": "output_text", "text": "pong"}]}],
    "candidates": [{"content": {"parts": [{"text": "pong"}]}}],
    "choices": [{"message": {"role": "assistant", "content": "pong"}}],
    # The OAuth token endpoint's answer.
    "access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 3600,
    "refresh_token": "doau-bench-rotated",
}).encode()


statements = sys.argv[2] if len(sys.argv) > 2 else "pending"
if statements.startswith("rows="):
    rows = [["user%05d@example.com" % i, "%.2f" % (i % 97 / 10), str(i * 37 % 100000), "2026-11-26"]
            for i in range(int(statements[5:]))]
    STATEMENT = json.dumps({
        "statement_id": "bench", "status": {"state": "SUCCEEDED"},
        "manifest": {"schema": {"columns": [{"name": "user"}, {"name": "cost_usd"}, {"name": "tokens"}, {"name": "today"}]}},
        "result": {"data_array": rows},
    }).encode()
else:
    STATEMENT = json.dumps({"statement_id": "bench", "status": {"state": "PENDING"}}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(float(delay))
        body = STATEMENT if self.path.startswith("/api/2.0/sql/statements") else BODY
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    # The default backlog of 5 makes doctor's parallel checks wait a second for a SYN retry.
    request_queue_size = 128


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
