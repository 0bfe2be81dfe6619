/**
 * Holds the policy serving now and replaces it on reload: the new policy is compiled beside the old one and
 * swapped in one assignment; an invalid file leaves the old one serving and reports why. Requests that
 * started on the old policy finish on it; it is disposed after a grace period.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { compilePolicy, PolicyCompileError, type CompiledPolicy } from '../config/compile.js';
import { loadPolicy } from '../config/load.js';
import type { CoreMetrics } from '../lib/metrics.js';

export type ReloadResult = { ok: true; hash: string; changed: boolean; warnings: readonly string[] } | { ok: false; errors: string[] };

export interface PolicyHolderOptions {
  file: string;
  crsDir?: string;
  logger: Logger;
  metrics: CoreMetrics;
  /** How long a replaced policy stays alive for requests still using it. */
  graceMs?: number;
}

/** Loads and compiles a policy file, or returns the errors as lines. */
export async function loadAndCompile(file: string, opts: { crsDir?: string; logger: Logger; metrics: CoreMetrics; live: boolean }): Promise<{ ok: true; policy: CompiledPolicy } | { ok: false; errors: string[] }> {
  const loaded = await loadPolicy(file);
  if (!loaded.ok) return loaded;
  try {
    const policy = await compilePolicy(loaded.policy, { crsDir: opts.crsDir, live: opts.live, logger: opts.logger, metrics: opts.metrics.registry });
    return { ok: true, policy };
  } catch (err) {
    if (err instanceof PolicyCompileError) return { ok: false, errors: err.errors };
    return { ok: false, errors: [`${basename(file)}: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

export class PolicyHolder {
  #current: CompiledPolicy;
  #reloading: Promise<ReloadResult> | undefined;
  #next: Promise<ReloadResult> | undefined;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #lastError: string[] | undefined;
  readonly #retired = new Map<NodeJS.Timeout, CompiledPolicy>();

  private constructor(private readonly opts: PolicyHolderOptions, initial: CompiledPolicy) {
    this.#current = initial;
    opts.metrics.policyInfo.set({ hash: initial.hash.slice(0, 12) }, 1);
  }

  /** Compiles the file; throws PolicyCompileError when it is invalid (a broken policy never half-starts). */
  static async create(opts: PolicyHolderOptions): Promise<PolicyHolder> {
    const r = await loadAndCompile(opts.file, { ...opts, live: true });
    if (!r.ok) throw new PolicyCompileError(r.errors);
    return new PolicyHolder(opts, r.policy);
  }

  get current(): CompiledPolicy {
    return this.#current;
  }

  /** Errors of the last failed reload, until a reload succeeds (shown in /readyz). */
  get lastReloadErrors(): string[] | undefined {
    return this.#lastError;
  }

  /**
   * Reloads now. A call that arrives while a reload runs gets the next reload, which starts when the running
   * one ends and reads the file as it is then; calls arriving meanwhile share that next one.
   */
  reload(reason: string): Promise<ReloadResult> {
    if (this.#reloading) {
      this.#next ??= this.#reloading.then(() => {
        this.#next = undefined;
        return this.reload(reason);
      });
      return this.#next;
    }
    this.#reloading = this.#doReload(reason).finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #doReload(reason: string): Promise<ReloadResult> {
    const { logger, metrics } = this.opts;
    const r = await loadAndCompile(this.opts.file, { ...this.opts, live: true });
    if (!r.ok) {
      this.#lastError = r.errors;
      metrics.reloads.inc({ result: 'failure' });
      logger.error({ reason, errors: r.errors }, 'policy reload refused; the previous policy keeps serving');
      return { ok: false, errors: r.errors };
    }
    const old = this.#current;
    this.#lastError = undefined;
    if (r.policy.hash === old.hash) {
      await r.policy.dispose();
      metrics.reloads.inc({ result: 'unchanged' });
      return { ok: true, hash: old.hash, changed: false, warnings: old.warnings };
    }
    this.#current = r.policy;
    metrics.reloads.inc({ result: 'success' });
    // Listeners and the decision recorder are built once at startup: say so when their blocks changed.
    const restartNeeded = (['server', 'decisions'] as const).filter((k) => JSON.stringify(old.spec[k]) !== JSON.stringify(r.policy.spec[k]));
    const warnings = restartNeeded.length
      ? [...r.policy.warnings, `changes to ${restartNeeded.join(' and ')} take effect after a restart; the rest of the policy is live`]
      : r.policy.warnings;
    if (restartNeeded.length) logger.warn({ blocks: restartNeeded }, 'policy reloaded; these blocks need a restart to apply');
    metrics.policyInfo.reset();
    metrics.policyInfo.set({ hash: r.policy.hash.slice(0, 12) }, 1);
    logger.info({ reason, hash: r.policy.hash.slice(0, 12), warnings: r.policy.warnings }, 'policy reloaded');
    const timer = setTimeout(() => {
      this.#retired.delete(timer);
      void old.dispose();
    }, this.opts.graceMs ?? 5000);
    timer.unref();
    this.#retired.set(timer, old);
    return { ok: true, hash: r.policy.hash, changed: true, warnings };
  }

  /**
   * Watches the policy's folder, not the file: editors replace files and Kubernetes swaps a ConfigMap by
   * renaming a symlinked directory, both of which a watch on the file itself would miss.
   */
  watchFile(): void {
    if (this.#watcher) return;
    const name = basename(this.opts.file);
    try {
      this.#watcher = watch(dirname(this.opts.file), { persistent: false }, (_event, changed) => {
        if (changed && changed !== name && !String(changed).startsWith('..')) return;
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => void this.reload('file changed'), 200);
        this.#debounce.unref();
      });
      this.#watcher.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'policy file watch failed; reload with SIGHUP or POST /reload'));
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'cannot watch the policy file; reload with SIGHUP or POST /reload');
    }
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    clearTimeout(this.#debounce);
    const retired = [...this.#retired.values()];
    for (const t of this.#retired.keys()) clearTimeout(t);
    this.#retired.clear();
    await Promise.allSettled([this.#current.dispose(), ...retired.map((p) => p.dispose())]);
  }
}
