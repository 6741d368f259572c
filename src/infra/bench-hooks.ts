import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Measurement hooks for the benchmarks (bench/), mounted at /__bench only when BENCH_HOOKS=1:
 * never in a normal deployment. They expose what a load generator in another process cannot see:
 * heap and RSS after a full GC (the process must run with --expose-gc), event-loop delay
 * percentiles and CPU time since the last reset.
 *
 *   GET  /__bench/stats[?gc=1]  -> { memory, eventLoopDelayMs, cpuMs, uptimeMs, ...extra() }
 *   POST /__bench/reset         -> resets the event-loop histogram, the CPU baseline and the extra
 *                                 counters that keep timings (the message writes' queue and statement times)
 */
export class BenchHooks {
  private readonly eld: IntervalHistogram;
  private cpuBase = process.cpuUsage();
  private since = performance.now();

  constructor(
    private readonly extra: () => Record<string, unknown> = () => ({}),
    private readonly onReset: () => void = () => undefined,
  ) {
    this.eld = monitorEventLoopDelay({ resolution: 5 });
    this.eld.enable();
  }

  reset(): void {
    this.eld.reset();
    this.cpuBase = process.cpuUsage();
    this.since = performance.now();
    this.onReset();
  }

  async stats(gc: boolean): Promise<Record<string, unknown>> {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (gc && collect) {
      // Several passes with a pause between them, so weak references and finalizers settle.
      for (let i = 0; i < 3; i++) {
        collect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const cpu = process.cpuUsage(this.cpuBase);
    return {
      gc: gc && !!collect,
      memory: process.memoryUsage(),
      eventLoopDelayMs: {
        p50: ms(this.eld.percentile(50)),
        p99: ms(this.eld.percentile(99)),
        max: ms(this.eld.max),
        mean: ms(this.eld.mean),
        samples: this.eld.count,
      },
      cpuMs: { user: Math.round(cpu.user / 1000), system: Math.round(cpu.system / 1000) },
      elapsedMs: Math.round(performance.now() - this.since),
      ...this.extra(),
    };
  }

  /** A plain node:http handler; answers false when the path is not a hook. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/__bench/reset' && req.method === 'POST') {
      this.reset();
      this.send(res, { ok: true });
      return true;
    }
    if (url.pathname === '/__bench/stats' && req.method === 'GET') {
      this.stats(url.searchParams.get('gc') === '1').then(
        (s) => this.send(res, s),
        () => this.send(res, { error: 'stats failed' }, 500),
      );
      return true;
    }
    return false;
  }

  close(): void {
    this.eld.disable();
  }

  private send(res: ServerResponse, body: unknown, status = 200): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
