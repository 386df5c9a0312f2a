/**
 * The loopback engine: every built-in core behind the protocol, as one module engine. It is the
 * built-in decision maker of the production bridge (`scalelab decide`), and, run as a module or
 * as an external process, the proof that the protocol carries everything each core reads: the
 * same scenario with `kind: builtin` and with the loopback gives the same bytes.
 */
import type { ModuleEngine, ModuleHandler } from '../api.js';
import { PROTOCOL, type HelloRequest } from '../protocol.js';
import { openAlbatrossLoopback } from './albatross.js';
import { openHpaLoopback } from './hpa.js';
import { openKraftcloudLoopback } from './kraftcloud.js';
import { openIncusLoopback } from './incus.js';
import { openNeonLoopback } from './neon.js';

/** The built-in cores as one module engine (the `replica` dialect has no built-in core). */
export const loopbackEngine: ModuleEngine = {
  protocol: PROTOCOL,
  open(hello: HelloRequest): ModuleHandler {
    switch (hello.engine) {
      case 'albatross':
        return openAlbatrossLoopback(hello);
      case 'hpa':
        return openHpaLoopback(hello);
      case 'kraftcloud':
        return openKraftcloudLoopback(hello);
      case 'incus':
        return openIncusLoopback(hello);
      case 'neon':
        return openNeonLoopback(hello);
      default:
        throw new Error(`the ${hello.engine} dialect has no built-in core`);
    }
  },
};
