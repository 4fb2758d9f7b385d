#!/usr/bin/env python3
"""Client-seen latency: one batch of 10 GET items against 10 GETs sent one after another on one keep-alive
connection (loadtest/batch-bench.sh). Prints the median and p90 of each over ROUNDS rounds, in milliseconds."""
import http.client
import json
import statistics
import sys
import time

port, rounds = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 200
body = json.dumps({"requests": [{"id": f"i{i}", "path": f"/items/{i}"} for i in range(1, 11)]})
conn = http.client.HTTPConnection("127.0.0.1", port)


def batch():
    conn.request("POST", "/batch", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    assert r.status == 200 and r.getheader("X-Batch-Completed") == "10/10", (r.status, data[:200])


def sequential():
    for i in range(1, 11):
        conn.request("GET", f"/items/{i}")
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status


def measure(fn):
    for _ in range(20):  # warm-up
        fn()
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.9)]


b = measure(batch)
s = measure(sequential)
print(f"latency batch-of-10 p50={b[0]:.2f}ms p90={b[1]:.2f}ms | 10-sequential p50={s[0]:.2f}ms p90={s[1]:.2f}ms"
      f" | ratio p50={b[0] / s[0]:.2f}")
