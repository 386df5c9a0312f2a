/**
 * Let V8 optimise (TurboFan) only what a run really repeats: `scalelab run` raises V8's interrupt
 * budget — the work a function does before V8 considers optimising it — fourfold, before the run's
 * modules are loaded.
 *
 * Loading a scenario, setting up its world and writing summary.json run much code a thousand
 * times or so (once per group) and then never again. With V8's default budget much of it is
 * handed to TurboFan, whose compilations cost more CPU than they save in a short run: PB1 cut
 * to 10 simulated seconds spends ~15 % less CPU time with the larger budget, as much as with
 * TurboFan off altogether (16-fold is no better). A long run is not slowed: its hot loop (the
 * rounds, the engine) still reaches the budget within milliseconds and is optimised as before
 * (PB1 over a day, and 20,000 groups for 10 s: the same CPU time, measured side by side in
 * docs/ARCHITECTURE.md). Optimisation never changes what is computed: the outputs are
 * byte-identical either way.
 *
 * Set at run time (a `node --interrupt-budget=…` flag cannot be passed through
 * `#!/usr/bin/env node`); V8 reads it for every function whose feedback it sets up afterwards.
 *
 * @example delayTierUp() // in the `run` entry of COMMANDS, before importing the command
 */
import { createRequire } from 'node:module';

/** V8's default interrupt budget (V8 11.3, Node 20: 66 KiB) times 4. */
export const RUN_INTERRUPT_BUDGET = 4 * 67_584;

export function delayTierUp(): void {
  // node:v8 loaded here, not imported: `scalelab --version` need not pay for it
  const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString(`--interrupt-budget=${RUN_INTERRUPT_BUDGET}`);
}
