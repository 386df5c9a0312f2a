/** Albatross/mollymawk clone autoscaler: configuration keys, options and variants. */
import type { EngineDescriptor } from '../descriptor.js';

export const albatrossDescriptor: EngineDescriptor = {
  name: 'albatross',
  summary: 'Albatross/mollymawk clone autoscaler for MirageOS unikernels (primary + clones, CPU thresholds, trigger ticks, cooldown, death timeout)',
  config: [
    { key: 'poll_interval', type: 'duration', default: '5m', unit: 'µs', doc: 'meant as the evaluation period; unused by the merged code (kept for fidelity)', min: 1 },
    { key: 'scale_up_threshold_percent', type: 'number', default: 90, unit: '%', doc: 'group average above this counts as a high tick', min: 0, max: 100 },
    { key: 'scale_up_trigger_ticks', type: 'integer', default: 3, unit: 'ticks', doc: 'consecutive high ticks before one clone is spawned', min: 1 },
    { key: 'scale_down_threshold_percent', type: 'number', default: 40, unit: '%', doc: 'group average below this (with clones) is a low tick', min: 0, max: 100 },
    { key: 'scale_down_trigger_ticks', type: 'integer', default: 5, unit: 'ticks', doc: 'consecutive low ticks before one clone is destroyed', min: 1 },
    { key: 'cooldown_period', type: 'duration', default: '600s', unit: 'µs', doc: 'after any scaling action no tick counts for this long', min: 0 },
    { key: 'death_timeout', type: 'duration', default: '900s', unit: 'µs', doc: 'period of the sync/prune pass (faithful); silence limit (corrected)', min: 1 },
  ],
  options: [
    { key: 'microsecond_cpu', type: 'boolean', default: false, unit: '', doc: 'integer µs CPU deltas over µs wall time × vCPUs, in basis points (faithful: whole seconds, division before multiplication)' },
    { key: 'round_evaluation', type: 'boolean', default: false, unit: '', doc: 'evaluate once per stats round on fresh samples only (faithful: on the primary\'s record, with clones\' last values)' },
    { key: 'exclude_booting', type: 'boolean', default: false, unit: '', doc: 'leave a clone out of the average until its first full interval of stats (faithful: counts as 0 %)' },
    { key: 'silence_is_death', type: 'boolean', default: false, unit: '', doc: 'a unikernel silent for longer than death_timeout is dead (faithful: only the periodic sync pass notices)' },
    { key: 'require_primary_record', type: 'boolean', default: false, unit: '', doc: 'round evaluation: a round without the primary\'s record is not evaluated, so a dead primary is never cloned (faithful: evaluation happens on the primary\'s record anyway)' },
    { key: 'primary_death', type: 'enum', default: 'orphan', values: ['orphan', 'destroy', 'promote'], unit: '', doc: 'what happens to clones when the primary dies (faithful: orphan, left running unmanaged)' },
    { key: 'scale_down_victim', type: 'enum', default: 'first', values: ['first', 'highest_id'], unit: '', doc: 'which clone a scale-down destroys: first = head of the group\'s list, the newest registered (faithful); highest_id = the highest clone number, whatever order clones were registered or adopted in' },
    { key: 'enforce_limits', type: 'boolean', default: false, unit: '', doc: 'enforce max_instances and min_instances of the workload (faithful: not enforced)' },
  ],
  variants: [
    {
      name: 'faithful',
      doc: 'as merged in mollymawk (autoscaler.ml and unikernel.ml at commit 1c257b3), quirks included',
      options: { microsecond_cpu: false, round_evaluation: false, exclude_booting: false, silence_is_death: false, require_primary_record: false, primary_death: 'orphan', scale_down_victim: 'first', enforce_limits: false },
    },
    {
      name: 'corrected',
      doc: 'what the upstream review asked for: µs arithmetic, round evaluation with the primary\'s record, silence is death, no orphans, highest clone number removed, limits enforced',
      options: { microsecond_cpu: true, round_evaluation: true, exclude_booting: true, silence_is_death: true, require_primary_record: true, primary_death: 'destroy', scale_down_victim: 'highest_id', enforce_limits: true },
    },
  ],
  check(config) {
    const problems = [];
    const up = config['scale_up_threshold_percent'] as number;
    const down = config['scale_down_threshold_percent'] as number;
    if (down > up) problems.push({ key: 'scale_down_threshold_percent', message: `down threshold ${down} is above the up threshold ${up}` });
    return problems;
  },
};
