/** Shared by the Albatross tests: upstream defaults written out by hand, and the variants' option presets. */
import { albatrossDescriptor } from '../src/engines/albatross/descriptor.js';
import type { AlbatrossConfig, AlbatrossOptions } from '../src/engines/albatross/engine.js';

/** One second in µs. */
export const S = 1_000_000;

/** Upstream defaults (docs/engines/albatross.md): up 90 % × 3 ticks, down 40 % × 5, cooldown 600 s, death_timeout 900 s. */
export const config: AlbatrossConfig = {
  poll_interval: 300 * S,
  scale_up_threshold_percent: 90,
  scale_up_trigger_ticks: 3,
  scale_down_threshold_percent: 40,
  scale_down_trigger_ticks: 5,
  cooldown_period: 600 * S,
  death_timeout: 900 * S,
};

/** The option preset of a variant. */
export const preset = (variant: string): AlbatrossOptions => albatrossDescriptor.variants.find((v) => v.name === variant)!.options as unknown as AlbatrossOptions;
