"""scalelab engine protocol v1, the engine side, in Python 3 (standard library only).

An external engine is a process that reads one JSON request per line on stdin and writes exactly
one JSON reply per line on stdout, in lock-step (docs/PROTOCOL.md). This module is the framing
loop shared by the reference engines next to it (albatross_corrected.py, hpa.py):

* it answers ``hello`` with the highest protocol version both sides speak (Neon's
  ``VersionRange.LatestSharedVersion``), or ``{"type":"hello","error":...}`` when there is none;
* it hands every other request to the engine's handler and writes the reply with the request's
  ``id``; ``batch`` requests are split into their parts and answered with one ``batch`` reply;
* ``end`` is answered with ``bye`` and the loop returns;
* an exception in the handler becomes ``{"type":"error","message":...}`` (the run then fails,
  naming the request);
* diagnostics go to stderr, never to stdout.

The engine never reads the wall clock: time arrives as ``now`` (integer µs since the start of
the run). Its only source of randomness would be ``random.Random(hello["seed"])`` (``Engine.rng``).

Arithmetic parity with the TypeScript cores (JavaScript numbers are IEEE doubles):

* JS ``Math.round(x)`` is ``math.floor(x + 0.5)``, not Python's ``round`` (banker's rounding);
* ``Math.trunc`` is ``int()`` of a float; ``Math.ceil``/``Math.floor`` are ``math.ceil``/``math.floor``;
* keep float operations in the TypeScript order; ``/`` of two ints is a correctly rounded float
  in both languages;
* JS ``x / 0`` is ``Infinity``/``NaN`` where Python raises: ``js_div`` below;
* JSON has no NaN: ``clean`` turns NaN and infinities into ``null``, as ``JSON.stringify`` does.

Usage (an engine module)::

    class MyEngine(Engine):
        dialect = 'replica'
        def open(self, hello): ...          # may raise Refused('...') to refuse the configuration
        def handle(self, req): return {'type': 'step', 'actions': []}

    if __name__ == '__main__':
        serve(MyEngine())
"""

import json
import math
import random
import sys

PROTOCOL_MIN = 1
PROTOCOL_MAX = 1

SHAPES = {
    'albatross': 'horizontal',
    'hpa': 'horizontal',
    'kraftcloud': 'horizontal',
    'replica': 'horizontal',
    'incus': 'rebalancing',
    'neon': 'vertical',
}


class Refused(Exception):
    """The engine cannot run this configuration (raised from ``Engine.open``)."""


class Engine:
    """One run's engine: subclass it, set ``dialect``, ``name``, ``wants`` and ``batch``."""

    dialect = 'replica'
    name = 'engine.py'
    #: optional request types wanted (None: all of them)
    wants = None
    #: accepts ``batch`` requests
    batch = True
    protocol = (PROTOCOL_MIN, PROTOCOL_MAX)

    def open(self, hello):
        """Read the hello request (configuration, population, seed)."""
        self.rng = random.Random(hello.get('seed', 0))

    def handle(self, req):
        """Answer one request (a dict with ``type``, ``now`` and the dialect's fields)."""
        raise NotImplementedError

    def close(self):
        """The run is over (``end``)."""


def latest_shared_version(a, b):
    """The highest version in both inclusive ranges, or None.

    >>> latest_shared_version((1, 1), (1, 3))
    1
    >>> latest_shared_version((1, 1), (2, 3)) is None
    True
    """
    hi = min(a[1], b[1])
    return hi if hi >= max(a[0], b[0]) else None


def js_div(a, b):
    """JavaScript's ``a / b`` for numbers: division by zero gives ±Infinity or NaN.

    >>> js_div(1, 0)
    inf
    >>> js_div(6, 4)
    1.5
    """
    if b == 0:
        if a == 0 or a != a:
            return math.nan
        negative = (a < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if negative else math.inf
    return a / b


def js_ceil(x):
    """JavaScript's ``Math.ceil``: an int for finite numbers, the value itself for NaN and ±Infinity."""
    return math.ceil(x) if math.isfinite(x) else x


def js_trunc(x):
    """JavaScript's ``Math.trunc``: an int for finite numbers, the value itself otherwise."""
    return int(x) if isinstance(x, float) and math.isfinite(x) else x


def js_round(x):
    """JavaScript's ``Math.round``: halves go up (``js_round(2.5) == 3``, ``js_round(-2.5) == -2``)."""
    return math.floor(x + 0.5)


def clean(value):
    """A value as ``JSON.stringify`` writes it: NaN and ±Infinity become None (null).

    >>> clean({'a': math.nan, 'b': [1.5, math.inf]})
    {'a': None, 'b': [1.5, None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def _dumps(obj):
    return json.dumps(obj, separators=(',', ':'), allow_nan=False)


def _error(message):
    return {'type': 'error', 'message': str(message).replace('\n', ' ')[:500]}


def _answer(engine, req):
    """One request's reply without an id; an exception becomes an error reply."""
    try:
        return engine.handle(req)
    except Exception as e:  # noqa: BLE001 - every failure is reported to the simulator
        return _error('%s: %s' % (type(e).__name__, e))


def _hello(engine, hello):
    theirs = hello.get('protocol') or {}
    version = latest_shared_version((theirs.get('min', 0), theirs.get('max', -1)), engine.protocol)
    if version is None:
        return {'id': 0, 'type': 'hello', 'error': 'speaks protocol %d to %d' % engine.protocol}
    if hello.get('engine') != engine.dialect:
        # say what we speak; the simulator names the mismatch
        return {'id': 0, 'type': 'hello', 'version': version, 'engine': engine.dialect, 'shape': SHAPES[engine.dialect], 'name': engine.name}
    try:
        engine.open(hello)
    except Refused as e:
        return {'id': 0, 'type': 'error', 'message': str(e)}
    reply = {'id': 0, 'type': 'hello', 'version': version, 'engine': engine.dialect, 'shape': SHAPES[engine.dialect], 'name': engine.name, 'batch': bool(engine.batch)}
    if engine.wants is not None:
        reply['wants'] = list(engine.wants)
    return reply


def serve(engine, stdin=None, stdout=None):
    """Run the protocol loop on stdin/stdout until ``end`` (or end of input)."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout
    opened = False
    for raw in stdin:
        line = raw.decode('utf-8') if isinstance(raw, bytes) else raw
        req = json.loads(line)
        rid = req.get('id')
        kind = req.get('type')
        if kind == 'hello':
            reply = _hello(engine, req)
            opened = reply.get('type') == 'hello' and 'error' not in reply
        elif not opened:
            reply = {'id': rid, **_error('no hello yet')}
        elif kind == 'batch':
            now = req['now']
            replies = []
            for part in req['requests']:
                part['now'] = now  # a part shares its batch's now
                replies.append(_answer(engine, part))
            reply = {'id': rid, 'type': 'batch', 'replies': replies}
        elif kind == 'end':
            engine.close()
            stdout.write(_dumps({'id': rid, 'type': 'bye'}) + '\n')
            stdout.flush()
            return
        else:
            reply = {'id': rid, **_answer(engine, req)}
        try:
            text = _dumps(reply)
        except ValueError as e:  # a NaN or an infinity where JSON cannot hold one
            text = _dumps({'id': rid, **_error('reply not representable in JSON: %s' % e)})
        stdout.write(text + '\n')
        stdout.flush()
