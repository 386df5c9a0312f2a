/**
 * What the Neon world knows of a VM's agent when the agent is not built in (an external or module
 * engine): the world cannot read the agent's state, so it keeps the few facts it reads today from
 * `AgentState` (src/run/neon.ts) as the agent's requests and the world's answers pass by. Every
 * field follows a rule the protocol states (docs/PROTOCOL.md, dialect neon).
 */
import { hasFieldGreater, hasFieldLess, type Resources } from './resources.js';

/** One VM's agent as the world sees it from outside. */
export class NeonMirror {
  /** the resources the VM has (NeonVM's last completed resize) */
  using: Resources;
  /** the last permit the agent accepted (not above what it asked, not below `using`) */
  permit: Resources | null = null;
  /** the target of the agent's last plugin request */
  asked: Resources | null = null;
  /** a plugin request is in flight */
  pluginOngoing = false;
  /** the target of the NeonVM resize in flight */
  neonvmTarget: Resources | null = null;
  /** the vm-monitor request in flight */
  monitorOngoing: { readonly kind: 'upscale' | 'downscale'; readonly requested: Resources } | null = null;

  /**
   * @example new NeonMirror(cu(2), cu(1), cu(16)).using // { cpu: 500, mem: 2 GiB }
   */
  constructor(
    using: Resources,
    /** the VM's bounds (fixed) */
    readonly min: Resources,
    readonly max: Resources,
  ) {
    this.using = using;
  }

  /**
   * The plugin answered `permit`: the agent accepts it (and `permit` becomes the mirror's) when
   * it is not above what was asked in any field and not below what the VM uses — upstream's
   * validity check (agent.ts `pluginAnswered`). Returns whether it was accepted.
   *
   * @example m.asked = cu(4); m.pluginAnswered(cu(3)) // true: 3 CU ≤ 4 CU asked, ≥ 2 CU used
   */
  pluginAnswered(permit: Resources): boolean {
    this.pluginOngoing = false;
    if (this.asked !== null && (hasFieldGreater(permit, this.asked) || hasFieldLess(permit, this.using))) return false;
    this.permit = permit;
    return true;
  }
}
