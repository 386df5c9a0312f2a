"""PB1 in SimPy 2.3 (Debian's python3-simpy), one process per instance.

The same work as scenarios/bench-pb1.yaml: 1,000 groups, one simulated day, a stats round every
10 s. Every instance is a SimPy process that reports its utilisation each round; there is no
other process. The primary's process does the group's work of the round before it reports: it
applies the corrected Albatross rule to the utilisation the group's instances reported in the
previous round (above 90 % for 3 rounds outside a 600 s cooldown: a clone, whose 20 ms boot ends
before the next round, when it first reports; below 40 % for 5 rounds with clones: destroy the
newest; at most 8 instances), then draws the new demand: base * (1 + 0.5 sin(2 pi t / 1 d +
phase)) + AR(1) noise (0.9, 0.05), floored at 0. Clones report a millisecond after their primary;
each reports min(1, demand split evenly over the running instances; a clone runs from its first
report).

Run: /usr/bin/python3 bench/peers/pb1_simpy.py [groups] [seconds]
Prints one JSON line with the work done.
"""
import json
import math
import random
import sys

from SimPy.Simulation import Process, activate, hold, initialize, now, simulate

INTERVAL = 10.0
DAY = 86400.0
COOLDOWN = 600.0
CLONE_OFFSET = 0.001
MAX_INSTANCES = 8

stats = {"records": 0, "scale_ups": 0, "scale_downs": 0}


class Group:
    def __init__(self, rng):
        self.rng = rng
        self.base = rng.uniform(0.3, 0.9)
        self.phase = rng.uniform(0.0, 2.0 * math.pi)
        self.noise = 0.0
        self.demand = 0.0
        self.instances = []
        self.running = 0
        self.above = 0
        self.below = 0
        self.last_action = -1e18
        self.reported = 0.0
        self.reports = 0

    def spawn(self, first_report):
        instance = Instance(self)
        self.instances.append(instance)
        activate(instance, instance.run(first_report))

    def round(self, t):
        """The primary's work at the start of a round: decide on the last round, draw demand."""
        if self.reports > 0:
            self.decide(t, self.reported / self.reports)
        self.reported = 0.0
        self.reports = 0
        self.noise = 0.9 * self.noise + self.rng.gauss(0.0, 0.05)
        self.demand = max(0.0, self.base * (1.0 + 0.5 * math.sin(2.0 * math.pi * t / DAY + self.phase)) + self.noise)

    def decide(self, t, utilisation):
        self.above = self.above + 1 if utilisation > 0.90 else 0
        self.below = self.below + 1 if utilisation < 0.40 else 0
        if t - self.last_action < COOLDOWN:
            return
        n = len(self.instances)
        if self.above >= 3 and n < MAX_INSTANCES:
            self.spawn(t + INTERVAL + CLONE_OFFSET)
            self.above = 0
            self.last_action = t
            stats["scale_ups"] += 1
        elif self.below >= 5 and n > 1:
            newest = self.instances.pop()
            newest.cancel(newest)
            if newest.running:
                self.running -= 1
            self.below = 0
            self.last_action = t
            stats["scale_downs"] += 1


class Instance(Process):
    def __init__(self, group):
        Process.__init__(self)
        self.group = group
        self.running = False

    def run(self, first_report):
        yield hold, self, first_report - now()
        group = self.group
        primary = group.instances[0] is self
        self.running = True
        group.running += 1
        while True:
            if primary:
                group.round(now())
            share = group.demand / group.running
            group.reported += share if share < 1.0 else 1.0
            group.reports += 1
            stats["records"] += 1
            yield hold, self, INTERVAL


def main():
    groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else DAY
    rng = random.Random(1)
    initialize()
    for _ in range(groups):
        Group(rng).spawn(0.0)
    simulate(until=seconds - 1e-9)
    print(json.dumps({"groups": groups, "seconds": seconds, **stats}))


main()
