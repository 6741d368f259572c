import type { Session } from './session.js';

/** Anything shaped like localStorage or React Native's AsyncStorage. */
export interface KeyValueStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** A message not yet acknowledged by the server: retried with the same client_msg_id until it is. */
export interface Outgoing {
  client_msg_id: string;
  room_id: string;
  content: string;
}

export interface SavedRoom {
  id: string;
  partner: { uid: string; name: string };
  /** The newest message delivered to the app, the catch-up cursor. */
  lastId?: string;
  lastSeq?: number;
  closed?: boolean;
}

/** What survives a restart of the app: the session, the room and the unsent messages. */
export interface Saved {
  v: 1;
  session: Session;
  room?: SavedRoom;
  outbox: Outgoing[];
}

export function memoryStorage(): KeyValueStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

/** Reads and writes the saved state under one key; a broken or foreign value reads as nothing. */
export class Persistence {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {}

  async load(): Promise<Saved | null> {
    try {
      const raw = await this.storage.getItem(this.key);
      if (!raw) return null;
      const s = JSON.parse(raw) as Saved;
      if (s?.v !== 1 || typeof s.session?.uid !== 'string' || typeof s.session.refresh !== 'string') return null;
      return { ...s, outbox: Array.isArray(s.outbox) ? s.outbox : [] };
    } catch {
      return null;
    }
  }

  async save(s: Saved | null): Promise<void> {
    try {
      if (s) await this.storage.setItem(this.key, JSON.stringify(s));
      else await this.storage.removeItem(this.key);
    } catch {
      // storage full or disabled: the session still works while the app runs
    }
  }
}
