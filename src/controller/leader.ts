/**
 * Leader election on a coordination.k8s.io Lease, so two controller replicas never reconcile at once. Updates
 * use the Lease's resourceVersion, so two candidates racing for an expired lease cannot both win.
 */
import { isConflict, isNotFound, type KubeClient } from '../kube/client.js';
import type { Logger } from '../observability/log.js';
import { leases } from './paths.js';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  /** How often the holder renews; well under the lease duration. */
  renewIntervalMs: number;
  log: Logger;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Pure: may `identity` hold the lease at `nowMs`? */
export function canAcquire(lease: Lease | undefined, identity: string, nowMs: number): boolean {
  if (!lease?.spec.holderIdentity || lease.spec.holderIdentity === identity) return true;
  const renewed = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return nowMs > renewed + (lease.spec.leaseDurationSeconds ?? 15) * 1000;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaderOptions,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private path(name?: string) {
    const base = leases(this.opts.namespace);
    return name ? `${base}/${name}` : base;
  }

  /** One attempt to acquire or renew; returns whether we hold the lease afterwards. */
  async tryAcquireOrRenew(nowMs = Date.now()): Promise<boolean> {
    const { identity, leaseDurationSeconds, name, namespace } = this.opts;
    let lease: Lease | undefined;
    try {
      lease = await this.client.get<Lease>(this.path(name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (!canAcquire(lease, identity, nowMs)) return false;
    const takingOver = lease?.spec.holderIdentity !== identity;
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: microTime(nowMs),
      acquireTime: takingOver ? microTime(nowMs) : (lease?.spec.acquireTime ?? microTime(nowMs)),
      leaseTransitions: (lease?.spec.leaseTransitions ?? 0) + (takingOver && lease ? 1 : 0),
    };
    try {
      if (!lease) {
        await this.client.create(this.path(), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec,
        });
      } else {
        await this.client.replace(this.path(name), { ...lease, spec });
      }
      return true;
    } catch (error) {
      // Someone else updated the lease first: they won this round.
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Campaigns until leading, then renews; calls onLost if leadership is lost (the process should exit). */
  async run(onLeading: () => void, onLost: () => void): Promise<void> {
    let lastRenewMs = 0;
    while (!this.stopped) {
      let holds = false;
      try {
        holds = await this.tryAcquireOrRenew();
        if (holds) lastRenewMs = Date.now();
      } catch (error) {
        this.opts.log.warn({ err: (error as Error).message }, 'lease update failed');
        // A failed call is not a lost lease: keep leading until the lease we hold would have expired.
        holds = this.leading && Date.now() - lastRenewMs < this.opts.leaseDurationSeconds * 800;
      }
      if (holds && !this.leading) {
        this.leading = true;
        this.opts.log.info({ identity: this.opts.identity }, 'became leader');
        onLeading();
      } else if (!holds && this.leading) {
        this.leading = false;
        this.opts.log.error({ identity: this.opts.identity }, 'lost leadership');
        onLost();
        return;
      }
      await new Promise((r) => setTimeout(r, this.opts.renewIntervalMs));
    }
  }

  /** Gives the lease up on shutdown, so a new replica leads at once instead of after the lease expires. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.get<Lease>(this.path(this.opts.name));
      if (lease.spec.holderIdentity !== this.opts.identity) return;
      await this.client.replace(this.path(this.opts.name), {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(0) },
      });
    } catch (error) {
      this.opts.log.warn({ err: (error as Error).message }, 'lease not released');
    }
  }
}
