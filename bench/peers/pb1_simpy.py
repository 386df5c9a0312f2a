#!/usr/bin/python3
"""PB1 in SimPy 2.3 (Debian's python3-simpy), one process per instance.

The same work as scenarios/bench-pb1.yaml: 1,000 groups, one simulated day, a stats round every
10 s. Each group has a controller process and one process per running instance. At each round
the controller first applies the corrected Albatross rule to the utilisation its instances
reported in the previous round (above 90 % for 3 rounds outside a 600 s cooldown: a clone, which
boots in 20 ms; below 40 % for 5 rounds with clones: destroy the newest; at most 8 instances),
then draws the new demand: base * (1 + 0.5 sin(2 pi t / 1 d + phase)) + AR(1) noise (0.9, 0.05),
floored at 0. A millisecond later every instance process reports its utilisation, min(1, demand
split evenly over the running instances).

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
BOOT = 0.020
REPORT_OFFSET = 0.001
MAX_INSTANCES = 8

stats = {"records": 0, "scale_ups": 0, "scale_downs": 0}


class Instance(Process):
    def __init__(self, group):
        Process.__init__(self)
        self.group = group

    def run(self, first_report):
        yield hold, self, first_report - now()
        while True:
            group = self.group
            share = group.demand / len(group.instances)
            group.reported += share if share < 1.0 else 1.0
            group.reports += 1
            stats["records"] += 1
            yield hold, self, INTERVAL


class Group(Process):
    def __init__(self, rng):
        Process.__init__(self)
        self.base = rng.uniform(0.3, 0.9)
        self.phase = rng.uniform(0.0, 2.0 * math.pi)
        self.noise = 0.0
        self.demand = 0.0
        self.instances = []
        self.above = 0
        self.below = 0
        self.last_action = -1e18
        self.reported = 0.0
        self.reports = 0

    def spawn(self, first_report):
        instance = Instance(self)
        self.instances.append(instance)
        activate(instance, instance.run(first_report))

    def run(self, rng):
        while True:
            t = now()
            if self.reports > 0:
                self.decide(t, self.reported / self.reports)
            self.reported = 0.0
            self.reports = 0
            self.noise = 0.9 * self.noise + rng.gauss(0.0, 0.05)
            self.demand = max(0.0, self.base * (1.0 + 0.5 * math.sin(2.0 * math.pi * t / DAY + self.phase)) + self.noise)
            yield hold, self, INTERVAL

    def decide(self, t, utilisation):
        self.above = self.above + 1 if utilisation > 0.90 else 0
        self.below = self.below + 1 if utilisation < 0.40 else 0
        if t - self.last_action < COOLDOWN:
            return
        n = len(self.instances)
        if self.above >= 3 and n < MAX_INSTANCES:
            # boots in 20 ms, reports from this round on (its first report is 1 ms after the round)
            self.spawn(t + BOOT)
            self.above = 0
            self.last_action = t
            stats["scale_ups"] += 1
        elif self.below >= 5 and n > 1:
            newest = self.instances.pop()
            self.cancel(newest)
            self.below = 0
            self.last_action = t
            stats["scale_downs"] += 1


def main():
    groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else DAY
    rng = random.Random(1)
    initialize()
    for _ in range(groups):
        group = Group(rng)
        activate(group, group.run(rng))
        group.spawn(REPORT_OFFSET)
    simulate(until=seconds - 1e-9)
    print(json.dumps({"groups": groups, "seconds": seconds, **stats}))


main()
