#!/usr/bin/env python3
"""The smallest scalelab external engine: it speaks protocol 1 and never acts.

Run it from a scenario (docs/PROTOCOL.md):

    engine:
      name: albatross            # the dialect: whatever the scenario's world is
      kind: external
      command: [python3, examples/engines/echo.py]
      timeout: 2s

It reads one JSON request per line on stdin and writes exactly one JSON reply per line on
stdout, flushed at once; anything else it has to say goes to stderr. It answers:

* hello: the highest protocol version both sides speak (it speaks 1 to 1), the dialect and
  shape it was asked for, and batch: true;
* batch: one empty step per part, in order;
* end: bye, then it exits when its stdin closes;
* anything else: an empty step. The hpa dialect requires desiredReplicas (it keeps the current
  spec), kraftcloud and incus require wakeAt (null: no wake-up), and a neon tick carrying
  metrics requires report.goalCU (0 here).

`npm run bench` times round trips to it (the external-echo case). Python 3 standard library only.
"""
import json
import sys

SPEAKS = (1, 1)


def hello(msg):
    lo, hi = msg["protocol"]["min"], msg["protocol"]["max"]
    version = min(hi, SPEAKS[1])
    if version < max(lo, SPEAKS[0]):
        return {"id": 0, "type": "hello", "error": "speaks protocol %d to %d" % SPEAKS}
    return {"id": 0, "type": "hello", "version": version, "engine": msg["engine"],
            "shape": msg["shape"], "name": "echo.py", "batch": True}


def empty_step(dialect, req):
    reply = {"type": "step", "actions": []}
    if dialect == "hpa" and req["type"] == "observe":
        reply["desiredReplicas"] = req["obs"]["specReplicas"]
    elif dialect == "hpa" and req["type"] == "init":
        reply["desiredReplicas"] = len(req["instances"])
    if dialect in ("kraftcloud", "incus"):
        reply["wakeAt"] = None
    if dialect == "neon" and req["type"] == "tick" and "metrics" in req:
        reply["report"] = {"goalCU": 0}
    return reply


def main():
    dialect = None
    write = sys.stdout.write
    for line in iter(sys.stdin.readline, ""):
        msg = json.loads(line)
        kind = msg["type"]
        if kind == "hello":
            dialect = msg["engine"]
            reply = hello(msg)
        elif kind == "batch":
            reply = {"id": msg["id"], "type": "batch",
                     "replies": [empty_step(dialect, r) for r in msg["requests"]]}
        elif kind == "end":
            reply = {"id": msg["id"], "type": "bye"}
        else:
            reply = dict(empty_step(dialect, msg), id=msg["id"])
        write(json.dumps(reply, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
