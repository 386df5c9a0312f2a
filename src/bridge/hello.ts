/**
 * The bridge's hello: the same request the simulator sends at the start of a run (docs/PROTOCOL.md
 * "hello"), built from an engine section (`--config`) or a scenario (`--scenario`). Production has
 * no end: `end` is the largest safe integer.
 */
import type { Micros } from '../kernel/time.js';
import { kraftcloudConfigOf } from '../engines/kraftcloud/descriptor.js';
import { incusConfig } from '../engines/incus/engine.js';
import { agentConfigOf } from '../run/neon.js';
import { DEFAULT_MONITOR_CONFIG } from '../engines/neon/monitor.js';
import { SHAPE, type Dialect, type HelloGroup, type HelloRequest } from '../engines/external/protocol.js';
import { helloEnvelope } from '../engines/external/open.js';

/** The engine settings a hello carries (a scenario's resolved `engine:`). */
export interface BridgeEngine {
  readonly variant: string;
  readonly config: Record<string, unknown>;
  readonly options: Record<string, unknown>;
}

/** What else the hello needs: the seed, the stats interval, the groups (horizontal), the monitor threshold (neon). */
export interface BridgeWorld {
  readonly seed: number;
  readonly statsInterval: Micros;
  readonly groups: readonly Omit<HelloGroup, 'core'>[];
  /** neon: the VMs the agent will hear about */
  readonly vms: readonly string[];
  readonly monitorThreshold?: number;
  /** neon: the request jitter the agent takes off its plugin request tick (µs; default 100 ms) */
  readonly requestJitter?: Micros;
}

/**
 * The core's own configuration as the built-in plug-in builds it (docs/PROTOCOL.md, `hello.core`).
 *
 * @example coreOf('incus', engine, world) // { config: { interval, threshold, cooldown, batch }, options }
 */
export function coreOf(dialect: Dialect, e: BridgeEngine, w: BridgeWorld): unknown {
  switch (dialect) {
    case 'albatross':
      return { config: e.config, options: e.options };
    case 'hpa':
      return e.config;
    case 'incus':
      return { config: incusConfig(e.config), options: e.options };
    case 'neon':
      return {
        agent: agentConfigOf(e.config, e.options),
        monitor: { ...DEFAULT_MONITOR_CONFIG, ...(w.monitorThreshold !== undefined ? { threshold: w.monitorThreshold } : {}) },
        requestJitter: w.requestJitter ?? 100_000,
      };
    default:
      return null;
  }
}

/**
 * The hello request of the bridge for `dialect` from an engine section (`--config`); with
 * `--scenario` the bridge uses the simulator's own builders (`replicaHello`, `incusHello`,
 * `neonHello`), so both send the same hello.
 *
 * @example bridgeHello('hpa', engine, { seed: 1, statsInterval: 10_000_000, groups: [], vms: [] }).shape // 'horizontal'
 */
export function bridgeHello(dialect: Dialect, e: BridgeEngine, w: BridgeWorld): HelloRequest {
  const horizontal = SHAPE[dialect] === 'horizontal';
  const groups = w.groups.map((g) => (dialect === 'kraftcloud' ? { ...g, core: kraftcloudConfigOf(e.config, e.options, g.name) } : { ...g }));
  const population = { core: coreOf(dialect, e, w), ...(horizontal ? { groups } : {}), ...(dialect === 'neon' ? { vms: w.vms } : {}) };
  return helloEnvelope(dialect, e, { seed: w.seed, end: Number.MAX_SAFE_INTEGER, statsInterval: w.statsInterval }, population);
}
