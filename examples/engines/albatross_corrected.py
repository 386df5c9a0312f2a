#!/usr/bin/env python3
"""The corrected Albatross/mollymawk clone autoscaler as a scalelab external engine.

Python 3, standard library only. It speaks the ``albatross`` dialect of scalelab's engine
protocol v1 (docs/PROTOCOL.md) and decides exactly as scalelab's built-in core
(``src/engines/albatross/core.ts``: ``coreOnStats``, ``onSync``, ``onSpawnResult``,
``onDestroyResult``) with the ``corrected`` option set:

* ``microsecond_cpu``: load = integer µs of CPU over µs of wall time × vCPUs, in basis points;
* ``round_evaluation`` + ``exclude_booting`` + ``require_primary_record``: once per stats round,
  on the round's records of members heard before, only when the primary's record is there;
* ``silence_is_death``: a member silent for ``death_timeout`` is dead (pruned in the round);
* ``primary_death: destroy``: the clones of a dead primary are destroyed and the group forgotten;
* ``scale_down_victim: highest_id``; ``enforce_limits``: max/min instances of the workload.

Any other option value is refused in ``hello`` with an error reply. The configuration
(thresholds, trigger ticks, cooldown, death timeout) is read from ``hello.core.config``.

Actions are the world's replica commands, as the built-in plug-in makes them
(``src/engines/albatross/plugin.ts:toCommand``). Every step carries a ``report``
``{cpu, highTicks, lowTicks, inCooldown, cooldownStart}``; ``cpu`` is the group average in
percent the last ``observe`` evaluated (null when that round was not evaluated).

The usual round (every member reports, none new or silent) takes a fast path, ``steady_round``,
which decides as the general ``on_stats`` (the transcript tests cover both).

    scalelab run scenarios/albatross-quirk-corrected.yaml \\
      --set engine.kind=external --set 'engine.command=[python3, ../examples/engines/albatross_corrected.py]'
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scalelab_engine import Engine, Refused, serve  # noqa: E402

#: the options of the ``corrected`` variant (src/engines/albatross/descriptor.ts)
CORRECTED = {
    'microsecond_cpu': True,
    'round_evaluation': True,
    'exclude_booting': True,
    'silence_is_death': True,
    'require_primary_record': True,
    'primary_death': 'destroy',
    'scale_down_victim': 'highest_id',
    'enforce_limits': True,
}

#: the longest unikernel label albatross accepts
MAX_LABEL_LENGTH = 63
#: OCaml's max_int on 64-bit systems
MAX_INT = (1 << 62) - 1


# --- names -----------------------------------------------------------------------------------

def _digit(c, base):
    if c is None:
        return None
    code = ord(c)
    if 48 <= code <= 57:
        d = code - 48
    elif 97 <= code <= 122:
        d = code - 87
    elif 65 <= code <= 90:
        d = code - 55
    else:
        return None
    return d if d < base else None


def int_of_string_opt(text):
    """OCaml's ``int_of_string_opt`` (63-bit ints) as a JS number.

    >>> [int_of_string_opt(t) for t in ('07', '0x1f', '1_', '_1', '0b102')]
    [7, 31, 1, None, None]
    """
    p = 0
    negative = False
    at = lambda i: text[i] if i < len(text) else None  # noqa: E731
    if at(p) == '-':
        negative = True
        p += 1
    elif at(p) == '+':
        p += 1
    base = 10
    signed = True
    if at(p) == '0':
        c = at(p + 1)
        if c in ('x', 'X'):
            base, signed, p = 16, False, p + 2
        elif c in ('o', 'O'):
            base, signed, p = 8, False, p + 2
        elif c in ('b', 'B'):
            base, signed, p = 2, False, p + 2
        elif c in ('u', 'U'):
            signed, p = False, p + 2
    first = _digit(at(p), base)
    if first is None:
        return None
    value = first
    limit = (1 << 63) - 1
    p += 1
    while p < len(text):
        if text[p] == '_':
            p += 1
            continue
        d = _digit(text[p], base)
        if d is None:
            return None
        value = value * base + d
        if value > limit:
            return None
        p += 1
    if signed and (value > MAX_INT + 1 if negative else value > MAX_INT):
        return None
    result = value - (1 << 63) if value > MAX_INT else value
    if negative:
        result = -result
    # a JS number: exact up to 2^53, else the nearest double
    return result if abs(result) <= 2 ** 53 else float(result)


def utf16_length(s):
    return len(s.encode('utf-16-le')) // 2


def clone_id_of(group, name):
    """The id in ``<group>-clone-<id>``, or None.

    >>> clone_id_of('web', 'web-clone-07'), clone_id_of('web', 'web-clone-1a'), clone_id_of('web', 'web-clone-1-2')
    (7, None, None)
    """
    stem = group + '-clone-'
    if utf16_length(name) <= utf16_length(stem) or not name.startswith(stem):
        return None
    rest = name[len(stem):]
    if '-' in rest:
        return None
    return int_of_string_opt(rest)


def js_number_text(x):
    """A JS number as a template string writes it (integers only here)."""
    if isinstance(x, float):
        if x == int(x) and abs(x) < 1e21:
            return str(int(x))
        return repr(x)
    return str(x)


def next_clone_name(members, group):
    """``<group>-clone-<highest id + 1>``, or None when the label is over 63 characters.

    >>> next_clone_name([Member('web', 0, 2, -1), Member('web-clone-3', 3, 2, -1), Member('web-clone-1', 1, 2, -1)], 'web')
    'web-clone-4'
    >>> next_clone_name([Member('x' * 55, 0, 2, -1)], 'x' * 55)[-9:]  # 55 + len('-clone-1') = 63: allowed
    'x-clone-1'
    >>> next_clone_name([Member('x' * 56, 0, 2, -1)], 'x' * 56) is None  # 64 > 63
    True
    """
    highest = 0
    for m in members[1:]:
        if m.clone_id > highest:
            highest = m.clone_id
    name = group + '-clone-' + js_number_text(highest + 1 if isinstance(highest, int) and highest + 1 <= 2 ** 53 else float(highest) + 1)
    label = name[name.rfind(':') + 1:]
    return None if utf16_length(label) > MAX_LABEL_LENGTH else name


# --- state -----------------------------------------------------------------------------------

class Member:
    """One unikernel of a group: name, clone id (0 for the primary), records seen (0..2), silent since (-1: heard)."""

    __slots__ = ('name', 'clone_id', 'records', 'silent_since')

    def __init__(self, name, clone_id, records, silent_since):
        self.name = name
        self.clone_id = clone_id
        self.records = records
        self.silent_since = silent_since


class Group:
    """One group's state (never changed in place: every step makes a new one)."""

    __slots__ = ('group', 'primary', 'managed', 'members', 'high', 'low', 'last_scale')

    def __init__(self, group, primary, managed, members, high, low, last_scale):
        self.group = group
        self.primary = primary
        self.managed = managed
        self.members = members
        self.high = high
        self.low = low
        self.last_scale = last_scale

    def with_members(self, members, high=None, low=None, last_scale=False):
        return Group(self.group, self.primary, self.managed, members,
                     self.high if high is None else high,
                     self.low if low is None else low,
                     self.last_scale if last_scale is False else last_scale)


def initial_group(group):
    return Group(group, group, True, [Member(group, 0, 0, -1)], 0, 0, None)


def index_of(members, name):
    for j, m in enumerate(members):
        if m.name == name:
            return j
    return -1


class Context:
    """A group's fixed context: the configuration and its workload's policy."""

    def __init__(self, config, vcpus, max_instances, min_instances):
        self.up = config['scale_up_threshold_percent']
        self.up_ticks = config['scale_up_trigger_ticks']
        self.down = config['scale_down_threshold_percent']
        self.down_ticks = config['scale_down_trigger_ticks']
        self.cooldown = config['cooldown_period']
        self.death_timeout = config['death_timeout']
        self.vcpus = vcpus
        self.max_instances = max_instances
        self.min_instances = min_instances


# --- load ------------------------------------------------------------------------------------

def cpu_micros(us, uu, ss, su):
    return (us + ss) * 1000000 + uu + su


def basis_points(delta_cpu_us, wall_us, vcpus):
    """CPU µs over wall µs × vCPUs in basis points, capped at 10 000 (as JS doubles).

    >>> basis_points(9_500_000, 10_000_000, 1), basis_points(9_500_000, 10_000_000, 2)
    (9500, 4750)
    """
    if wall_us <= 0 or delta_cpu_us < 0:
        return 0
    return min(10000, math.floor((float(delta_cpu_us) * 10000.0) / (float(wall_us) * float(vcpus))))


def sample_load(ctx, s, now):
    if s['previousAt'] < 0:
        return 0
    cpu = cpu_micros(s['utimeSec'], s['utimeUsec'], s['stimeSec'], s['stimeUsec']) - \
        cpu_micros(s['previousUtimeSec'], s['previousUtimeUsec'], s['previousStimeSec'], s['previousStimeUsec'])
    return basis_points(cpu, now - s['previousAt'], ctx.vcpus)


def round_load(ctx, seen_before, s, now):
    """What a record adds to the round: None for a member heard for the first time (exclude_booting)."""
    if seen_before == 0:
        return None
    return sample_load(ctx, s, now)


def in_cooldown(ctx, g, now):
    return g.last_scale is not None and now - g.last_scale < ctx.cooldown


# --- the steps -------------------------------------------------------------------------------

def register_clone(g, clone, now):
    members = g.members
    if index_of(members, clone.name) < 0:
        members = [members[0], clone] + members[1:]
    return g.with_members(members, last_scale=now)


def group_status(ctx, g, members, average, now):
    """Tick counters, cooldown, then at most one spawn or destroy (``evaluate_scaling``)."""
    high = average > ctx.up * 100
    low = average < ctx.down * 100 and len(members) - 1 > 0
    cooling = in_cooldown(ctx, g, now)
    high_ticks = g.high + 1 if high and not cooling else 0
    low_ticks = g.low + 1 if low and not cooling else 0
    if not cooling and high_ticks >= ctx.up_ticks:
        if not (ctx.max_instances is not None and len(members) >= ctx.max_instances):
            nxt = g.with_members(members, 0, 0, now)
            name = next_clone_name(members, g.group)
            if name is None:
                return nxt, [('spawn_refused', 'name_too_long')]
            return nxt, [('spawn_clone', name)]
    elif not cooling and low_ticks >= ctx.down_ticks:
        if not (len(members) <= ctx.min_instances):
            victim = members[1]
            for m in members[2:]:
                if m.clone_id > victim.clone_id:
                    victim = m
            return g.with_members(members, 0, 0, now), [('destroy_clone', victim.name, 'scale_down')]
    return g.with_members(members, high_ticks, low_ticks), []


def forgotten(g):
    return Group(g.group, g.primary, False, [], 0, 0, None)


def prune(g, alive):
    """``sync_group``: drop dead clones; a dead primary destroys its clones and ends the group."""
    if all(alive(m.name) for m in g.members):
        return g, []
    survivors = [m for m in g.members if alive(m.name)]
    if any(m.name == g.primary for m in survivors):
        return g.with_members(survivors), []
    actions = [('forget',)]
    for m in survivors:
        if m.name != g.primary:
            actions.append(('destroy_clone', m.name, 'primary_death'))
    return forgotten(g), actions


def mark_silence(ctx, g, members, names, now):
    """Members heard before but missing from this round become silent; the long silent are pruned."""
    out = list(members)
    dead = False
    for j, m in enumerate(members):
        if m.records == 0 or m.silent_since >= 0 or m.name in names:
            if m.silent_since >= 0 and now - m.silent_since >= ctx.death_timeout:
                dead = True
            continue
        out[j] = Member(m.name, m.clone_id, m.records, now)
    nxt = g.with_members(out)
    if not dead:
        return nxt, []
    by_name = {m.name: m for m in nxt.members}

    def alive(name):
        m = by_name[name]
        return not (m.silent_since >= 0 and now - m.silent_since >= ctx.death_timeout)
    return prune(nxt, alive)


def on_stats(ctx, g, samples, now):
    """``handle_stats`` for one round of records (corrected options).

    Returns (state, actions, cpu): cpu is the group average in percent the round evaluated — the
    built-in's ``evaluatedAverage``: the same loads and count as the evaluation, None when no
    record counted or the primary's record is missing (whether or not the group is still
    managed after the round's silence pass).
    """
    members = g.members
    if g.managed and len(samples) == len(members):
        steady = steady_round(ctx, g, samples, now)
        if steady is not None:
            return steady
    names = set(s['name'] for s in samples)
    if not g.managed:
        if g.group not in names:
            return g, [], None
        g = initial_group(g.group)
    primary_reported = g.primary in names
    actions = []
    members = list(g.members)
    total = 0
    n = 0
    for s in samples:
        index = index_of(members, s['name'])
        if index < 0:
            cid = clone_id_of(g.group, s['name'])
            if cid is None:
                continue  # not ours
            # a running clone the group does not know: adopt it (stamps the cooldown)
            g = register_clone(g.with_members(members), Member(s['name'], cid, 0, -1), now)
            members = list(g.members)
            index = 1
            actions.append(('adopt', s['name']))
        m = members[index]
        members[index] = Member(m.name, m.clone_id, 1 if m.records == 0 else 2, -1)
        load = round_load(ctx, m.records, s, now)
        if load is not None:
            total += load
            n += 1
    cpu = math.trunc(total / n) / 100 if n > 0 and primary_reported else None
    g, buried = mark_silence(ctx, g, members, names, now)
    actions.extend(buried)
    if g.managed and n > 0 and g.primary in names:
        g, acted = group_status(ctx, g, g.members, math.trunc(total / n), now)
        actions.extend(acted)
    return g, actions, cpu


def steady_round(ctx, g, samples, now):
    """The usual round, fast: every member reports, each heard twice before and not silent, so
    no member changes and only the tick counters can (what ``on_stats`` decides then). None for
    any other round."""
    members = g.members
    total = 0
    for s in samples:
        j = index_of(members, s['name'])
        if j < 0:
            return None
        m = members[j]
        if m.records != 2 or m.silent_since != -1:
            return None
        total += sample_load(ctx, s, now)
    average = math.trunc(total / len(samples))
    if g.high == 0 and g.low == 0 and not average > ctx.up * 100 and not (average < ctx.down * 100 and len(members) > 1):
        return g, [], average / 100  # neither high nor low with both counters at 0: nothing moves
    nxt, actions = group_status(ctx, g, members, average, now)
    return nxt, actions, average / 100


def to_command(action, primary):
    """The world command for one action (``plugin.ts:toCommand``)."""
    kind = action[0]
    if kind == 'spawn_clone':
        return {'type': 'spawn', 'name': action[1], 'cloneOf': primary, 'scaling': 'up'}
    if kind == 'spawn_refused':
        return {'type': 'spawn_refused', 'reason': action[1]}
    if kind == 'destroy_clone':
        if action[2] == 'scale_down':
            return {'type': 'destroy', 'instance': action[1], 'reason': 'scale_down', 'scaling': 'down'}
        return {'type': 'destroy', 'instance': action[1], 'reason': action[2]}
    if kind == 'adopt':
        return {'type': 'adopt', 'instance': action[1]}
    if kind == 'forget':
        return {'type': 'note', 'event': 'group_forgotten'}
    raise ValueError('unknown action %r' % (kind,))


# --- the engine ------------------------------------------------------------------------------

class AlbatrossCorrected(Engine):
    dialect = 'albatross'
    name = 'albatross_corrected.py 1.0'
    batch = True
    wants = ['sync', 'spawn_result', 'gone']

    def open(self, hello):
        Engine.open(self, hello)
        core = hello.get('core') or {}
        options = core.get('options', hello.get('options', {}))
        for key, want in CORRECTED.items():
            if options.get(key) != want:
                raise Refused('albatross_corrected.py runs the corrected variant only: option %s is %s, it needs %s'
                              % (key, _text(options.get(key)), _text(want)))
        config = core.get('config', hello.get('config', {}))
        self.contexts = {}
        for grp in hello.get('groups', []):
            self.contexts[grp['name']] = Context(config, grp['vcpus'], grp.get('maxInstances'), grp['minInstances'])
        self.groups = {}
        self.cpu = {}

    def step(self, name, g, actions, now):
        self.groups[name] = g
        ctx = self.contexts[name]
        return {
            'type': 'step',
            'actions': [to_command(a, g.primary) for a in actions],
            'report': {'cpu': self.cpu.get(name), 'highTicks': g.high, 'lowTicks': g.low,
                       'inCooldown': in_cooldown(ctx, g, now), 'cooldownStart': g.last_scale},
        }

    def handle(self, req):
        kind = req['type']
        if kind not in ('init', 'observe', 'sync', 'spawn_result', 'gone'):
            raise ValueError('unknown request type %r' % (kind,))
        now = req['now']
        name = req['group']
        if kind == 'init':
            return self.step(name, initial_group(name), [], now)
        ctx = self.contexts[name]
        g = self.groups[name]
        if kind == 'observe':
            g, actions, self.cpu[name] = on_stats(ctx, g, req['records'], now)
            return self.step(name, g, actions, now)
        if kind == 'sync':
            if not g.managed:
                return self.step(name, g, [], now)
            alive = set(req['alive'])
            g, actions = prune(g, lambda n: n in alive)
            return self.step(name, g, actions, now)
        if kind == 'spawn_result':
            if g.managed:
                result = req['result']
                if result == 'placed':  # created: the clone joins the group, the stamp is now
                    cid = clone_id_of(g.group, req['name'])
                    g = register_clone(g, Member(req['name'], 0 if cid is None else cid, 0, -1), now)
                elif result == 'no_capacity':  # failed: remove_cooldown
                    g = g.with_members(g.members, last_scale=None)
                # anything else was refused before albatross was asked: the stamp stays
            return self.step(name, g, [], now)
        if kind == 'gone':
            if g.managed and req['cause'] == 'destroyed':  # prune_clone confirmed: remove_clone
                g = g.with_members([m for m in g.members if m.name != req['name']], last_scale=now)
            return self.step(name, g, [], now)
        raise ValueError('unknown request type %r' % (kind,))


def _text(v):
    return 'true' if v is True else 'false' if v is False else 'absent' if v is None else str(v)


if __name__ == '__main__':
    serve(AlbatrossCorrected())
