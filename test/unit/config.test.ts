import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has safe defaults: port 8091 on all interfaces, ./data, no Redis', () => {
    const c = loadConfig({});
    expect(c).to.include({ port: 8091, host: '0.0.0.0', dataDir: './data', redisUrl: undefined, databaseUrl: undefined, accessTokenTtlSec: 900, bcryptCost: 12 });
    expect(c.rates.messageSend.points).to.be.greaterThan(10);
  });

  it('is frozen', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.rates)).to.equal(true);
  });

  it('refuses to start in production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(/JWT_SECRET is required/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) }).jwtSecret).to.have.length(40);
  });

  it('lists every bad variable in one clear error', () => {
    expect(() => loadConfig({ PORT: 'abc', RATE_MESSAGE_SEND: 'lots', JWT_SECRET: 'short' })).to.throw(/PORT.*RATE_MESSAGE_SEND.*JWT_SECRET|PORT[\s\S]*RATE_MESSAGE_SEND/);
  });

  it('parses rate rules as points per seconds', () => {
    expect(loadConfig({ RATE_MESSAGE_SEND: '5/2' }).rates.messageSend).to.deep.equal({ points: 5, duration: 2 });
  });

  it('batches message writes by default, and switches batching and the bench hooks with on/off values only', () => {
    expect(loadConfig({})).to.include({ messageWriteBatch: true, messageWriteBatchSize: 200, benchHooks: false });
    expect(loadConfig({ MESSAGE_WRITE_BATCH: 'off', MESSAGE_WRITE_BATCH_SIZE: '10', BENCH_HOOKS: '1' })).to.include({ messageWriteBatch: false, messageWriteBatchSize: 10, benchHooks: true });
    expect(() => loadConfig({ MESSAGE_WRITE_BATCH: 'yes' })).to.throw(/MESSAGE_WRITE_BATCH/);
    expect(() => loadConfig({ MESSAGE_WRITE_BATCH_SIZE: '0' })).to.throw(/MESSAGE_WRITE_BATCH_SIZE/);
  });

  it('runs four message insert statements at once by default, from 1 to 8 when set', () => {
    expect(loadConfig({}).messageWriteConcurrency).to.equal(4);
    expect(loadConfig({ MESSAGE_WRITE_CONCURRENCY: '1' }).messageWriteConcurrency).to.equal(1);
    expect(loadConfig({ MESSAGE_WRITE_CONCURRENCY: '8' }).messageWriteConcurrency).to.equal(8);
    expect(() => loadConfig({ MESSAGE_WRITE_CONCURRENCY: '0' })).to.throw(/MESSAGE_WRITE_CONCURRENCY/);
    // The pool has 10 connections: the writer may not take most of them.
    expect(() => loadConfig({ MESSAGE_WRITE_CONCURRENCY: '9' })).to.throw(/MESSAGE_WRITE_CONCURRENCY/);
  });

  it('configures a platform provider only when its client id is set', () => {
    expect(loadConfig({}).providers.google).to.equal(undefined);
    const c = loadConfig({ GOOGLE_CLIENT_ID: 'cid', GOOGLE_JWKS_URL: 'http://127.0.0.1:9/jwks', GOOGLE_ISSUER: 'http://127.0.0.1:9' });
    expect(c.providers.google).to.deep.equal({ clientId: 'cid', issuer: 'http://127.0.0.1:9', jwksUrl: 'http://127.0.0.1:9/jwks', authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth' });
  });

  it('takes LINE\'s channel secret and real token endpoint for the code flow, and only http(s) authorize URLs', () => {
    const line = loadConfig({ LINE_CHANNEL_ID: 'ch', LINE_CHANNEL_SECRET: 's3cret' }).providers.line;
    expect(line).to.include({ clientSecret: 's3cret', tokenUrl: 'https://api.line.me/oauth2/v2.1/token', authorizeUrl: 'https://access.line.me/oauth2/v2.1/authorize' });
    expect(loadConfig({ APPLE_CLIENT_ID: 'a' }).providers.apple?.authorizeUrl).to.equal('https://appleid.apple.com/auth/authorize');
    expect(() => loadConfig({ GOOGLE_AUTHORIZE_URL: 'javascript:alert(1)' })).to.throw(/GOOGLE_AUTHORIZE_URL/);
  });
});
