#!/usr/bin/env python3
"""A traffic source's postback endpoint for bench/outbound.sh: answers 200
to every request, or in mode `hang` holds each request open until the mode
changes. `GET /__mode?ok` / `?hang` changes the mode (answered at once),
`GET /__count` answers how many postbacks were received.
Usage: outbound_receiver.py PORT [ok|hang]"""
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Condition()
state = {"mode": sys.argv[2] if len(sys.argv) > 2 else "ok", "count": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, delayed
    # ACKs hold each answer ~40 ms and the receiver, not the tracker, is
    # what gets measured.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, body):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def postback(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/__mode?"):
            with lock:
                state["mode"] = self.path.split("?", 1)[1]
                lock.notify_all()
            return self.answer(state["mode"])
        if self.path.startswith("/__count"):
            with lock:
                return self.answer(str(state["count"]))
        with lock:
            state["count"] += 1
            while state["mode"] == "hang":
                lock.wait()
        self.answer("ok")

    do_GET = postback
    do_POST = postback


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 1024
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
