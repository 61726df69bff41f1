"""A stand-in for `vllm serve` (stdlib only): the OpenAI endpoints acbench uses, and a child process like
vLLM's engine core, so that the tests can check a whole server process tree ends.

    python fake_vllm_server.py --port 8123 --model /path/ckpt --pids pids.txt [--fail] [--ignore-term]

/health, /version, /v1/models (`--model a,b`: two served models) and /v1/completions. A completion "generates" the prompt's ids reversed, at
most `max_tokens` of them, and records each request body (one JSON line) in `--requests` when given.
`--fail` prints an error and exits at start-up; `--ignore-term` ignores SIGTERM (only SIGKILL ends it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="fake-model")
    parser.add_argument("--pids", required=True)
    parser.add_argument("--requests")
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--ignore-term", action="store_true")
    args = parser.parse_args()
    if args.fail:
        print("ValueError: the stand-in server was told to fail at start-up", flush=True)
        sys.exit(1)
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    core = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])  # "engine core"
    with open(args.pids, "w") as out:
        out.write(f"{os.getpid()}\n{core.pid}\n")

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                return self._send({})
            if self.path == "/version":
                return self._send({"version": "0.0-fake"})
            if self.path == "/v1/models":
                return self._send({"data": [{"id": m, "root": m} for m in args.model.split(",")]})
            self.send_error(404)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if args.requests:
                with open(args.requests, "a") as out:
                    out.write(json.dumps(body) + "\n")
            ids = list(reversed(body["prompt"]))[: body["max_tokens"]]
            self._send({"choices": [{"index": 0, "text": "(text)", "token_ids": ids}]})

        def log_message(self, *a):
            pass

    print(f"stand-in server on port {args.port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
