/** Incus automatic cluster rebalancing: configuration keys, options and variants. */
import type { EngineDescriptor } from '../descriptor.js';

export const incusDescriptor: EngineDescriptor = {
  name: 'incus',
  summary: 'Incus automatic cluster rebalancing (leader task every minute, uint8 member scores, live migration from the busiest member; Incus 6.7 to 7.3 and main)',
  config: [
    { key: 'cluster.rebalance.interval', type: 'integer', default: 0, unit: 'minutes', doc: 'minutes between rebalancing runs; 0 or less disables (the run happens when round(minutes since the leader daemon started) % interval == 0); any int64, as upstream' },
    { key: 'cluster.rebalance.threshold', type: 'integer', default: 20, unit: '%', doc: 'load difference between the most and the least busy member needed, in percent of the busiest score', min: 10, max: 100 },
    { key: 'cluster.rebalance.cooldown', type: 'incus-duration', default: '6H', unit: 'µs', doc: 'time during which a moved instance is not moved again (Incus syntax, GetExpiry: 30S, 10M, 6H, 1d, 1w, 1m = month, 1y; parts joined by one space; a unit again only after a 0 of it, as in "0H 1H"; empty: no cooldown)' },
    { key: 'cluster.rebalance.batch', type: 'integer', default: 1, unit: 'instances', doc: 'maximum instances moved in one run, over all architectures; 0 or less moves nothing (any int64, as upstream)' },
  ],
  options: [
    { key: 'version', type: 'enum', default: '7.0', values: ['6.7', '6.21', '7.0', 'main'], unit: '', doc: 'upstream logic reproduced: 6.7 = 6.7.0–6.20.0 (one target per architecture, the loop ends once it is balanced, first tick at daemon start), 6.21 = 6.21.0–6.23.0 (the same with the first minute skipped), 7.0 = 7.0.0–7.3.0 (every less-loaded member a candidate, checked per VM), main = lxc/incus 13c51b06 (7.0 plus the move selects the VM\'s project and the impact is the right way round)' },
    { key: 'cluster_target_check', type: 'enum', default: 'crash', values: ['crash', 'refuse', 'admin'], unit: '', doc: 'a project with restricted=true and restricted.cluster.target=block meets the target check: crash = the leader\'s daemon panics (lxc/incus#2808, every version): the run dies, the daemon restarts and another member leads, refuse = its VMs have no allowed target, admin = the rebalancer overrides it as an evacuation does' },
    { key: 'score_arithmetic', type: 'enum', default: 'uint8', values: ['uint8', 'saturating', 'wide'], unit: '', doc: 'member score arithmetic (faithful: uint8, so cpu above 255 % and the sum before halving wrap around)' },
    { key: 'impact_estimate', type: 'enum', default: 'version', values: ['version', 'swapped', 'limits', 'usage'], unit: '', doc: 'expected impact of a move on the target (version: as the chosen version computes it — swapped before main, limits on main; swapped: limits.cpu and limits.memory trade places, so the memory bytes are added to the CPU load; limits: the right way round; usage: observed CPU and memory use)' },
    { key: 'update_source_score', type: 'boolean', default: false, unit: '', doc: 'lower the source member\'s running score as VMs leave, stop once it is down to the midpoint, and never move a VM that would leave the source below the target (faithful: the source score is never updated)' },
    { key: 'rechoose_target', type: 'boolean', default: false, unit: '', doc: 'pick, for each VM, the allowed member with the lowest running score (faithful: the member least loaded at the start of the run, even once it has reached the midpoint)' },
    { key: 'running_only', type: 'boolean', default: false, unit: '', doc: 'consider only running VMs (faithful: the running state is not checked, stopped VMs are moved too)' },
    { key: 'continue_on_failure', type: 'boolean', default: false, unit: '', doc: 'a failed migration skips that VM and the run goes on (faithful: the first failure aborts the run)' },
    { key: 'arch_order', type: 'enum', default: 'go-map', values: ['go-map', 'busiest'], unit: '', doc: 'order architectures are visited in, which matters once the batch is used up (faithful: Go map iteration order, random per run; busiest: the architecture with the highest-scoring member first)' },
    { key: 'batch_scope', type: 'enum', default: 'run', values: ['run', 'architecture'], unit: '', doc: 'what cluster.rebalance.batch limits (faithful: moves per run over all architectures; architecture: moves per architecture per run)' },
    { key: 'threshold_mode', type: 'enum', default: 'relative', values: ['relative', 'absolute'], unit: '', doc: 'compare the threshold with (max − min) / max × 100 (relative, as shipped) or with max − min in score points (absolute)' },
    { key: 'pair_hysteresis', type: 'duration', default: '0s', unit: 'µs', doc: 'after a move from member A to B, no move from B back to A for this long (0: off, as shipped)', min: 0 },
  ],
  variants: [
    {
      name: 'faithful',
      doc: 'as the latest release ships it (Incus 7.0–7.3; other releases with option version), quirks included',
      options: { version: '7.0', cluster_target_check: 'crash', score_arithmetic: 'uint8', impact_estimate: 'version', update_source_score: false, rechoose_target: false, running_only: false, continue_on_failure: false, arch_order: 'go-map', batch_scope: 'run', threshold_mode: 'relative', pair_hysteresis: '0s' },
    },
    {
      name: 'corrected',
      doc: 'current main (project selected), restricted.cluster.target overridden as for an evacuation, wide score arithmetic, impact from observed usage, source score updated, per-VM target choice, running VMs only, failures skipped, busiest architecture first, batch per architecture',
      options: { version: 'main', cluster_target_check: 'admin', score_arithmetic: 'wide', impact_estimate: 'usage', update_source_score: true, rechoose_target: true, running_only: true, continue_on_failure: true, arch_order: 'busiest', batch_scope: 'architecture', threshold_mode: 'relative', pair_hysteresis: '0s' },
    },
  ],
  check() {
    return [];
  },
};
