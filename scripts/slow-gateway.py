#!/usr/bin/env python3
"""A stand-in workspace + gateway for scripts/bench.sh: answers every request after DELAY seconds
with one JSON body that every agentgw reader understands, or (DELAY = "never") accepts
connections and never answers. Prints its port, then serves until killed. Loopback only."""
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
}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(float(delay))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
