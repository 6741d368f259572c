import type { Schema } from 'joi';
import type { Actor, Ctx } from './context.js';

/**
 * One transport-free operation: validated input in, output or AppError out. The doors (REST and
 * Socket.IO) only validate with `schema`, authenticate when `auth` is set, call `run` and answer.
 * A null schema means the operation takes no input and any payload is ignored.
 */
export type Operation<I = any, O = any> =
  | { name: string; auth: false; schema: Schema<I> | null; run(ctx: Ctx, actor: null, input: I): Promise<O> }
  | { name: string; auth: true; schema: Schema<I> | null; run(ctx: Ctx, actor: Actor, input: I): Promise<O> };

export const publicOp = <I, O>(name: string, schema: Schema<I> | null, run: (ctx: Ctx, input: I) => Promise<O>): Operation<I, O> => ({
  name,
  auth: false,
  schema,
  run: (ctx, _actor, input) => run(ctx, input),
});

export const userOp = <I, O>(name: string, schema: Schema<I> | null, run: (ctx: Ctx, actor: Actor, input: I) => Promise<O>): Operation<I, O> => ({
  name,
  auth: true,
  schema,
  run,
});
