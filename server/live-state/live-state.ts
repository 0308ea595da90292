/**
 * Live call state: which visit is live on which node, who is present, the deadline, and who
 * holds each token's single live connection. Everything goes through this interface; values
 * are plain JSON so a Redis implementation (several nodes) can replace the in-memory one.
 */

/** The Peer role; officers are hidden peers and never get a presence record. */
export type PartyRole = 'family' | 'booth' | 'officer';

export interface PresenceRecord {
  partyKey: string;
  peerId: string;
  role: PartyRole;
  displayName: string;
  state: 'connected' | 'reconnecting';
  /** ISO time of the last state change */
  since: string;
  node: string;
}

export interface LiveCallRecord {
  visitId: string;
  facilityId: string;
  boothId: string;
  /** node (process) whose mediasoup router carries the call */
  node: string;
  /** ISO; the server ends the call at this time */
  deadline: string;
  /** ISO; set when the booth first joined (visit went live) */
  startedAt: string | null;
  openedAt: string;
  presence: Record<string, PresenceRecord>;
}

export interface ConnectionClaim {
  connectionId: string;
  node: string;
  at: string;
}

export interface LiveState {
  /** Registers the call if absent; returns the stored record and whether this call created it. */
  openCall(record: Omit<LiveCallRecord, 'presence'>): Promise<{ created: boolean; call: LiveCallRecord }>;
  getCall(visitId: string): Promise<LiveCallRecord | undefined>;
  listCalls(filter?: { facilityId?: string; node?: string }): Promise<LiveCallRecord[]>;
  updateCall(visitId: string, patch: Partial<Pick<LiveCallRecord, 'deadline' | 'startedAt'>>): Promise<LiveCallRecord | undefined>;
  closeCall(visitId: string): Promise<LiveCallRecord | undefined>;
  setPresence(visitId: string, presence: PresenceRecord): Promise<void>;
  removePresence(visitId: string, partyKey: string): Promise<void>;
  /** One live connection per token: takes `key` for this connection, returns the holder it replaced. */
  claimConnection(key: string, claim: ConnectionClaim): Promise<ConnectionClaim | undefined>;
  /** Releases `key` only if this connection still holds it. */
  releaseConnection(key: string, connectionId: string): Promise<boolean>;
  getConnection(key: string): Promise<ConnectionClaim | undefined>;
  close(): Promise<void>;
}

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Single-node implementation. Values are copied in and out, as a remote store would. */
export class MemoryLiveState implements LiveState {
  readonly #calls = new Map<string, string>();
  readonly #connections = new Map<string, string>();

  static create(): MemoryLiveState {
    return new MemoryLiveState();
  }

  #read(visitId: string): LiveCallRecord | undefined {
    const raw = this.#calls.get(visitId);
    return raw === undefined ? undefined : (JSON.parse(raw) as LiveCallRecord);
  }

  #write(call: LiveCallRecord): void {
    this.#calls.set(call.visitId, JSON.stringify(call));
  }

  async openCall(record: Omit<LiveCallRecord, 'presence'>) {
    const existing = this.#read(record.visitId);
    if (existing) return { created: false, call: existing };
    const call: LiveCallRecord = { ...copy(record), presence: {} };
    this.#write(call);
    return { created: true, call: copy(call) };
  }

  async getCall(visitId: string) {
    return this.#read(visitId);
  }

  async listCalls(filter: { facilityId?: string; node?: string } = {}) {
    return [...this.#calls.keys()]
      .map((k) => this.#read(k)!)
      .filter((c) => (!filter.facilityId || c.facilityId === filter.facilityId) && (!filter.node || c.node === filter.node));
  }

  async updateCall(visitId: string, patch: Partial<Pick<LiveCallRecord, 'deadline' | 'startedAt'>>) {
    const call = this.#read(visitId);
    if (!call) return undefined;
    const next = { ...call, ...copy(patch) };
    this.#write(next);
    return next;
  }

  async closeCall(visitId: string) {
    const call = this.#read(visitId);
    this.#calls.delete(visitId);
    return call;
  }

  async setPresence(visitId: string, presence: PresenceRecord) {
    const call = this.#read(visitId);
    if (!call) return;
    call.presence[presence.partyKey] = copy(presence);
    this.#write(call);
  }

  async removePresence(visitId: string, partyKey: string) {
    const call = this.#read(visitId);
    if (!call) return;
    delete call.presence[partyKey];
    this.#write(call);
  }

  async claimConnection(key: string, claim: ConnectionClaim) {
    const previous = this.#connections.get(key);
    this.#connections.set(key, JSON.stringify(claim));
    return previous === undefined ? undefined : (JSON.parse(previous) as ConnectionClaim);
  }

  async releaseConnection(key: string, connectionId: string) {
    const current = this.#connections.get(key);
    if (current === undefined || (JSON.parse(current) as ConnectionClaim).connectionId !== connectionId) return false;
    this.#connections.delete(key);
    return true;
  }

  async getConnection(key: string) {
    const raw = this.#connections.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as ConnectionClaim);
  }

  async close() {
    this.#calls.clear();
    this.#connections.clear();
  }
}
