/** Neon vertical autoscaling (autoscaler-agent, scheduler plugin, vm-monitor): keys, options, variants. */
import type { EngineDescriptor } from '../descriptor.js';

export const neonDescriptor: EngineDescriptor = {
  name: 'neon',
  summary: 'Neon vertical autoscaling: per-VM agent sizing in compute units (0.25 vCPU + 1 GiB) from load average and memory, scheduler plugin permits and watermark migrations, in-VM monitor approving downscales (neondatabase/autoscaling v0.49.1; pressure model v0.41)',
  config: [
    { key: 'loadAverageFractionTarget', type: 'number', default: 0.9, unit: '', doc: 'target load average per vCPU: CPU goal = load / this / 0.25', min: 0.01 },
    { key: 'memoryUsageFractionTarget', type: 'number', default: 0.75, unit: '', doc: 'target memory usage per GiB: memory goal = round(usage / this) / 1 GiB', min: 0.01, max: 1 },
    { key: 'cpuStableZoneRatio', type: 'number', default: 0, unit: '', doc: 'below |load1 − load5| ≤ this × load5 the goal uses load5', min: 0 },
    { key: 'cpuMixedZoneRatio', type: 'number', default: 0, unit: '', doc: 'between the stable zone and stable + this × load5 load1 and load5 are blended linearly; above it load1 is used', min: 0 },
    { key: 'enableLFCMetrics', type: 'boolean', default: false, unit: '', doc: 'read the LFC working-set buckets every 15 s (from each VM\'s neon.lfc series) and size memory for them; without them the agent never scales below the current size' },
    { key: 'memoryTotalFractionTarget', type: 'number', default: 0.9, unit: '', doc: 'with LFC: memory part ≥ (min(working set, cached) + usage) / this / 1 GiB', min: 0.01, max: 1 },
    { key: 'lfcToMemoryRatio', type: 'number', default: 0.75, unit: '', doc: 'with LFC: LFC part = projected working set / this / 1 GiB', min: 0.01, max: 1 },
    { key: 'lfcWindowSizeMinutes', type: 'integer', default: 5, unit: 'minutes', doc: 'with LFC: window of the working-set estimator', min: 2, max: 30 },
    { key: 'lfcMinWaitBeforeDownscaleMinutes', type: 'integer', default: 5, unit: 'minutes', doc: 'with LFC: the estimator starts at this bucket (at least lfcWindowSizeMinutes)', min: 2, max: 30 },
    { key: 'lfcUseLargestWindow', type: 'boolean', default: false, unit: '', doc: 'with LFC: take the largest window as the working set instead of the estimator' },
    { key: 'scheduler.requestAtLeastEvery', type: 'duration', default: '15s', unit: 'µs', doc: 'agent → plugin request period (the executor takes a random 0–100 ms off each)', min: 1 },
    { key: 'scheduler.retryFailedRequest', type: 'duration', default: '3s', unit: 'µs', doc: 'wait after a failed plugin request' },
    { key: 'scheduler.retryDeniedUpscale', type: 'duration', default: '2s', unit: 'µs', doc: 'wait before asking again after a partly denied increase' },
    { key: 'neonvm.retryFailedRequest', type: 'duration', default: '5s', unit: 'µs', doc: 'wait after a failed NeonVM resize' },
    { key: 'monitor.retryFailedRequest', type: 'duration', default: '3s', unit: 'µs', doc: 'wait after a failed vm-monitor request' },
    { key: 'monitor.retryDeniedDownscale', type: 'duration', default: '5s', unit: 'µs', doc: 'after a denied downscale the goal stays above the denied amount this long' },
    { key: 'monitor.requestedUpscaleValid', type: 'duration', default: '10s', unit: 'µs', doc: 'a vm-monitor memory upscale request holds the goal at (approved memory in GiB, rounded down) + 1 this long' },
    { key: 'watermark', type: 'number', default: 0.9, unit: '', doc: 'scheduler plugin: fraction of a node\'s allocatable above which VMs are migrated away; in (0, 1]' },
    { key: 'scoring.minUsageScore', type: 'number', default: 0.5, unit: '', doc: 'plugin Score of an empty node relative to the peak', min: 0, max: 1 },
    { key: 'scoring.maxUsageScore', type: 'number', default: 0, unit: '', doc: 'plugin Score of a full node relative to the peak', min: 0, max: 1 },
    { key: 'scoring.scorePeak', type: 'number', default: 0.8, unit: '', doc: 'fill fraction at which the plugin Score peaks (migration targets go there)', min: 0.01, max: 0.99 },
  ],
  options: [
    { key: 'scheduler_model', type: 'enum', default: 'watermark', values: ['watermark', 'pressure'], unit: '', doc: 'plugin model: watermark (v0.42+: increases granted at reconcile, migrate oldest pods while reserved − migrating > watermark) or pressure (≤ v0.41: denied increases become capacity pressure; the lowest-load pod is told to migrate when pressure exceeds what migrations and slack cover)' },
    { key: 'plugin_request_floor', type: 'enum', default: 'in-flight', values: ['in-flight', 'using'], unit: '', doc: 'lower bound of an agent request for new resources: in-flight (never below a NeonVM resize still running; needed because a resize here lasts the hot-plug, upstream\'s is an API call of milliseconds) or using (upstream\'s literal bound, what the VM uses: a request for less during an upscale can let the plugin hand the room to another VM — overcommit)' },
    { key: 'plugin_retry_period', type: 'duration', default: '5s', unit: 'µs', doc: 'watermark model: period at which an ungranted remainder is retried', min: 1 },
  ],
  variants: [
    { name: 'faithful', doc: 'as merged in neondatabase/autoscaling v0.49.1: watermark migration model', options: { scheduler_model: 'watermark', plugin_request_floor: 'in-flight', plugin_retry_period: '5s' } },
    { name: 'pressure-model', doc: 'the older scheduler plugin (v0.41): capacity pressure, slack and the lowest-load victim', options: { scheduler_model: 'pressure', plugin_request_floor: 'in-flight', plugin_retry_period: '5s' } },
  ],
  check(config) {
    if ((config['lfcMinWaitBeforeDownscaleMinutes'] as number) < (config['lfcWindowSizeMinutes'] as number)) {
      return [{ key: 'lfcMinWaitBeforeDownscaleMinutes', message: `must be at least lfcWindowSizeMinutes (${config['lfcWindowSizeMinutes']}), got ${config['lfcMinWaitBeforeDownscaleMinutes']}` }];
    }
    const w = config['watermark'] as number;
    if (!(w > 0 && w <= 1)) return [{ key: 'watermark', message: `must be in (0, 1] (a fraction of allocatable), got ${w}` }];
    return [];
  },
};
