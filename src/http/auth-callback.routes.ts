import express, { Router, type Request, type Response } from 'express';
import { AppError } from '../core/errors.js';

/**
 * GET and POST /auth/callback: the one redirect URI of every platform sign-in (register
 * `<origin>/auth/callback` with each provider). Whatever the provider answered, in the query
 * (LINE's code) or as a form POST (Apple, which sends the e-mail only with `response_mode=form_post`),
 * is moved into the fragment of `/` with a 303, where the web client reads it. A fragment never
 * reaches a server, so ID tokens do not end up in this server's or a proxy's request logs, and the
 * page that handles them is the same strict-CSP page as always. Google's answer already is in the
 * fragment: the browser keeps it across the redirect. Only the fields a sign-in needs are carried.
 */

const FIELDS: Record<string, number> = { state: 512, id_token: 16 * 1024, code: 512, error: 128 };
// Printable ASCII: what these fields are made of; anything else is not a provider's answer.
const PRINTABLE = /^[\x21-\x7e]*$/;
// Apple's form also carries `code` and, the first time, `user` (a name as JSON): 16 KiB is plenty.
const formBody = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

function toFragment(source: Record<string, unknown>): string {
  const out = new URLSearchParams();
  for (const [field, max] of Object.entries(FIELDS)) {
    const v = source[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > max || !PRINTABLE.test(v)) {
      throw new AppError('INVALID_ARGUMENT', `the sign-in answer's ${field} is not a single value of at most ${max} printable characters; start the sign-in again`);
    }
    out.set(field, v);
  }
  const s = out.toString();
  return s ? `/#${s}` : '/';
}

function handBack(source: Record<string, unknown>, res: Response): void {
  const location = toFragment(source);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.redirect(303, location);
}

export function authCallbackRoutes(): Router {
  const r = Router();
  r.get('/callback', (req: Request, res: Response) => handBack(req.query as Record<string, unknown>, res));
  r.post('/callback', formBody, (req: Request, res: Response) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      throw new AppError('INVALID_ARGUMENT', 'the sign-in callback takes a form post (application/x-www-form-urlencoded)');
    }
    handBack((req.body ?? {}) as Record<string, unknown>, res);
  });
  return r;
}
