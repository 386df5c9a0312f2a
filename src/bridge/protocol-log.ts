/**
 * `scalelab run --protocol-log FILE` (a hidden flag, for debugging engines and for the bridge's
 * replay test): the runner of an engine that is not built in, with every exchange of its
 * session written to `sinks.protocolLog` (loggingSession). The engine sees the same bytes.
 */
import type { Runner } from '../run/simulated.js';
import { openSession } from '../engines/external/open.js';
import { externalRunners } from '../engines/external/runners.js';
import type { Scenario } from '../scenario/types.js';
import { loggingSession } from './session.js';

/**
 * The external runner of `scenario`'s dialect opening a logging session when the run's sinks
 * have `protocolLog`; undefined when the dialect has no runner in `externalRunners`.
 *
 * @example loggedRunnerFor(scenario)?.(scenario, { protocolLog: (l) => lines.push(l) })
 */
export function loggedRunnerFor(scenario: Scenario): Runner | undefined {
  const runner = externalRunners.get(scenario.engine.name);
  if (runner === undefined) return undefined;
  return (s, sinks) => {
    const log = sinks.protocolLog;
    return log === undefined ? runner(s, sinks) : runner(s, sinks, (sc, hello) => loggingSession(openSession(sc, hello), log));
  };
}
