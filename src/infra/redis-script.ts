import { createHash } from 'node:crypto';

/**
 * The part of a node-redis (v5+) client a Lua script needs. A connected `createClient()` or
 * `createCluster()` result satisfies it (a Cluster routes a script by its first key).
 */
export interface RedisScriptClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface LuaScript {
  source: string;
  sha1: string;
}

export const luaScript = (source: string): LuaScript => ({ source, sha1: createHash('sha1').update(source).digest('hex') });

/** Runs a script by its digest, sending the source once when this Redis has not cached it yet. */
export async function runScript(client: RedisScriptClient, s: LuaScript, keys: string[], args: string[]): Promise<unknown> {
  const options = { keys, arguments: args };
  try {
    return await client.evalSha(s.sha1, options);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(s.source, options);
  }
}
