import type { Schema } from 'joi';
import type { Actor, Ctx } from './context.js';
import type { Role } from '../store/users.repo.js';
import { AppError } from './errors.js';

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

/**
 * An operation only some roles may run (moderation). The gate lives here, in the operation
 * table, so both doors and every route get it the same way; anyone else gets 403.
 */
export const roleOp = <I, O>(
  roles: readonly Role[],
  name: string,
  schema: Schema<I> | null,
  run: (ctx: Ctx, actor: Actor, input: I) => Promise<O>,
): Operation<I, O> => ({
  name,
  auth: true,
  schema,
  run: (ctx, actor, input) => {
    if (!roles.includes(actor.role ?? 'user')) {
      return Promise.reject(new AppError('FORBIDDEN', `this action needs the ${roles.join(' or ')} role`));
    }
    return run(ctx, actor, input);
  },
});
