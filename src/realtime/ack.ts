import type { AppSocket } from './events.js';
import { AppError, errorBody, toAppError } from '../core/errors.js';
import type { Ctx } from '../core/context.js';
import type { Operation } from '../core/operation.js';
import { validate } from '../schemas/common.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { InFlight } from '../infra/inflight.js';
import { clientAddress } from '../http/client-address.js';

/** Socket payloads are held to the same size limit as REST bodies. */
const MAX_PAYLOAD_BYTES = 16 * 1024;

export interface SocketDoor {
  log: Logger;
  metrics: Metrics;
  inflight: InFlight;
  /** TRUST_PROXY: the same client-address rule as the REST door. */
  trustProxy: number;
}

export interface EventOptions<O> {
  present?: (out: O) => unknown;
  /** Transport-side effect after success (e.g. joining the Socket.IO room). */
  after?: (socket: AppSocket, out: O) => void | Promise<void>;
}

let seq = 0;

/**
 * The Socket.IO door for one operation: every event answers its ack with {ok, data} or
 * {ok:false, error}; a bad payload gets INVALID_ARGUMENT and the socket stays connected.
 * Clients that emit without an ack still get the operation run, and nothing throws.
 */
export function on<I, O>(socket: AppSocket, event: string, op: Operation<I, O>, door: SocketDoor, opts: EventOptions<O> = {}): void {
  const ns = socket.nsp.name;
  // The handshake's address, by the REST door's rule, so both doors share one rate-limit key.
  const ip = clientAddress(socket.request, door.trustProxy);
  socket.on(event, (...args: unknown[]) => void door.inflight.run(() => handle(args)));
  const handle = async (args: unknown[]): Promise<void> => {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: unknown) => void) : null;
    const requestId = `${socket.id}:${++seq}`;
    // The child logger is made on first use: most events log nothing, and a pino child (with
    // redaction) per event was a measurable share of a message's cost (docs/performance.md).
    let log: Logger | undefined;
    const ctx: Ctx = {
      requestId,
      ip,
      get log() {
        return (log ??= door.log.child({ reqId: requestId, ns, event, uid: socket.data.actor?.uid }));
      },
    };
    try {
      const payload = args.length === 0 ? {} : args[0];
      if (payloadTooLarge(payload)) throw new AppError('PAYLOAD_TOO_LARGE', 'event payload is larger than the 16 KiB limit');
      const input = op.schema ? validate(op.schema, payload) : (undefined as I);
      const out = op.auth ? await op.run(ctx, socket.data.actor!, input) : await op.run(ctx, null, input);
      if (opts.after) await opts.after(socket, out);
      door.metrics.socketEvents.inc({ namespace: ns, event, outcome: 'ok' });
      ack?.({ ok: true, data: opts.present ? opts.present(out) : out });
    } catch (e) {
      const { err, internal } = toAppError(e);
      if (internal) ctx.log.error({ err: e }, 'unhandled error in socket event');
      door.metrics.socketEvents.inc({ namespace: ns, event, outcome: err.code });
      const body = errorBody(err);
      if (err.retryAfter !== undefined) body.retry_after = err.retryAfter;
      ack?.({ ok: false, error: body });
    }
  };
}

function payloadTooLarge(p: unknown): boolean {
  if (p === null || typeof p !== 'object') return typeof p === 'string' && p.length > MAX_PAYLOAD_BYTES;
  if (surelySmall(p)) return false;
  try {
    return Buffer.byteLength(JSON.stringify(p)) > MAX_PAYLOAD_BYTES;
  } catch {
    return true; // cyclic or otherwise unserialisable: refuse rather than guess
  }
}

/**
 * A cheap upper bound that spares the usual small payload a JSON.stringify: a flat object of
 * strings, numbers and booleans whose JSON is certainly under the limit (a UTF-16 unit is at most
 * 3 bytes of UTF-8, or 6 as a JSON escape). Anything else goes through the exact check.
 */
function surelySmall(p: object): boolean {
  if (Array.isArray(p)) return false;
  let bound = 2;
  for (const k in p) {
    const v = (p as Record<string, unknown>)[k];
    if (typeof v === 'string') bound += v.length * 6 + 3;
    else if (typeof v === 'number' || typeof v === 'boolean') bound += 24;
    else return false;
    bound += k.length * 6 + 3;
    if (bound > MAX_PAYLOAD_BYTES) return false;
  }
  return true;
}
