/**
 * A target-tracking autoscaler as a scalelab module engine (the generic `replica` dialect):
 * keep each group's mean CPU busy fraction near a target, scale out at once, scale in one
 * instance at a time after a cooldown. Run it with examples/scenarios/module-policy.yaml:
 *
 *   scalelab run examples/scenarios/module-policy.yaml
 *
 * A module engine is an object with `open(hello)`, returning a handler whose `handle(request)`
 * answers each request synchronously (docs/API.md, docs/PROTOCOL.md). The engine never reads the
 * clock: `request.now` is the simulated time in integer µs. It keeps its state per group here,
 * in plain Maps; the same file can decide on live data through `scalelab decide replica
 * --scenario examples/scenarios/module-policy.yaml`.
 *
 * Parameters (`engine.config.params` in the scenario): `target` (busy fraction of the vCPUs,
 * default 0.6), `cooldown` (seconds between a scale-in and the one before it, default 60).
 */

/** @param {number} x @param {number} lo @param {number} hi */
const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);

/** The instances that count as capacity (placing, booting and running; not stopping or parked). */
const LIVE = new Set(['placing', 'booting', 'running']);

/** @type {import('scalelab').ModuleEngine} */
const engine = {
  protocol: { min: 1, max: 1 },
  open(hello) {
    const params = /** @type {{ target?: number, cooldown?: number }} */ (hello.config.params ?? {});
    const target = params.target ?? 0.6;
    const cooldown = (params.cooldown ?? 60) * 1e6;
    const period = /** @type {number} */ (hello.config.period); // µs
    const groups = new Map((hello.groups ?? []).map((g) => [g.name, g]));
    /** per group: the previous CPU counters by instance, the last scaling time, the next clone number */
    const states = new Map();

    /** One group's decision at a wake-up: the step reply. */
    const observe = (req) => {
      const g = groups.get(req.group);
      const s = states.get(req.group);
      const instances = req.obs.instances;
      // mean busy fraction over the running instances seen at the previous wake-up too
      let busy = 0;
      let counted = 0;
      const cpu = new Map();
      for (const i of instances) {
        cpu.set(i.name, { cpuUs: i.cpuUs, at: req.now });
        const before = s.cpu.get(i.name);
        if (i.phase !== 'running' || before === undefined || req.now <= before.at) continue;
        busy += (i.cpuUs - before.cpuUs) / ((req.now - before.at) * i.vcpus);
        counted++;
      }
      s.cpu = cpu;
      const live = instances.filter((i) => LIVE.has(i.phase));
      const actions = [];
      const inCooldown = req.now - s.lastScale < cooldown;
      if (counted > 0) {
        const mean = busy / counted;
        const max = g.maxInstances ?? Infinity;
        const want = clamp(Math.ceil((live.length * mean) / target), Math.max(g.minInstances, 1), max);
        const names = new Set(instances.map((i) => i.name));
        for (let k = live.length; k < want; k++) {
          let name;
          do name = `${g.name}-${s.next++}`;
          while (names.has(name));
          actions.push({ type: 'spawn', name, scaling: 'up' });
        }
        if (want < live.length && !inCooldown) actions.push({ type: 'destroy', instance: 'newest', reason: `mean CPU ${(mean * 100).toFixed(1)} % below the target ${target * 100} %`, scaling: 'down' });
        if (actions.length > 0) s.lastScale = req.now;
        return { type: 'step', actions, wakeAt: req.now + period, report: { cpu: mean * 100, inCooldown } };
      }
      return { type: 'step', actions, wakeAt: req.now + period, report: { cpu: null, inCooldown } };
    };

    return {
      engine: 'replica',
      name: 'target-tracking.mjs',
      wants: [], // no spawn_result or gone: the next observation shows what happened
      handle(req) {
        switch (req.type) {
          case 'init':
            states.set(req.group, { cpu: new Map(), lastScale: -Infinity, next: req.instances.length + 1 });
            return { type: 'step', actions: [], wakeAt: req.now + period };
          case 'observe':
            return observe(req);
          case 'end':
            return { type: 'bye' };
          default:
            return { type: 'step', actions: [] };
        }
      },
    };
  },
};

export default engine;
