/** All engines scalelab knows, by name. */
import type { EngineDescriptor } from './descriptor.js';
import { albatrossDescriptor } from './albatross/descriptor.js';
import { hpaDescriptor } from './hpa/descriptor.js';
import { incusDescriptor } from './incus/descriptor.js';
import { kraftcloudDescriptor } from './kraftcloud/descriptor.js';
import { neonDescriptor } from './neon/descriptor.js';
import { replicaDescriptor } from './replica/descriptor.js';

export const engines: ReadonlyMap<string, EngineDescriptor> = new Map([
  [albatrossDescriptor.name, albatrossDescriptor],
  [hpaDescriptor.name, hpaDescriptor],
  [incusDescriptor.name, incusDescriptor],
  [neonDescriptor.name, neonDescriptor],
  [kraftcloudDescriptor.name, kraftcloudDescriptor],
  // the generic dialect for users' own engines (kind module or external only)
  [replicaDescriptor.name, replicaDescriptor],
]);

/** Look up an engine descriptor; undefined when unknown. */
export function findEngine(name: string): EngineDescriptor | undefined {
  return engines.get(name);
}
