import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance (several apps can live in one test process). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly socketEvents = new Counter({ name: 'socket_events_total', help: 'Socket.IO client events', labelNames: ['namespace', 'event', 'outcome'], registers: [this.registry] });
  readonly sockets = new Gauge({ name: 'socket_connections', help: 'Open Socket.IO connections on this node', labelNames: ['namespace'], registers: [this.registry] });
  readonly matchPoolSize = new Gauge({ name: 'matchmaking_waiting', help: 'Users waiting in the matchmaking pool', registers: [this.registry] });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}
