/**
 * SQS-compatible queues in SQLite. A message is visible when visible_at <= now; receiving it moves
 * visible_at forward by the visibility timeout and records a fresh receipt nonce, in one
 * transaction, so two receivers never get the same message at once and a crash loses nothing.
 */
import type { Database, Statement } from 'better-sqlite3';
import type {
  MessageAttributeValue,
  NewMessage,
  QueueCounts,
  QueueRecord,
  QueueStore,
  ReceiveRequest,
  SendResult,
  StoredMessage,
} from './events-store.js';

interface QueueRow { region: string; name: string; fifo: number; attributes: string; tags: string; created_at: number; modified_at: number }
interface MessageRow {
  seq: number; id: string; body: string; md5_body: string; attributes: string | null; md5_attributes: string | null;
  system_attributes: string | null; md5_system_attributes: string | null; sender_id: string; sent_at: number; visible_at: number;
  receive_count: number; first_receive_at: number | null; receipt: string | null; group_id: string | null; dedup_id: string | null;
  sequence_number: string | null; dead_letter_source: string | null;
}

const toQueue = (r: QueueRow): QueueRecord => ({
  region: r.region,
  name: r.name,
  fifo: r.fifo === 1,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
  tags: JSON.parse(r.tags) as Record<string, string>,
  createdAt: r.created_at,
  modifiedAt: r.modified_at,
});

const attrs = (s: string | null): Record<string, MessageAttributeValue> => (s ? (JSON.parse(s) as Record<string, MessageAttributeValue>) : {});

const toMessage = (r: MessageRow): StoredMessage => ({
  seq: r.seq,
  id: r.id,
  body: r.body,
  md5OfBody: r.md5_body,
  attributes: attrs(r.attributes),
  ...(r.md5_attributes ? { md5OfAttributes: r.md5_attributes } : {}),
  systemAttributes: attrs(r.system_attributes),
  ...(r.md5_system_attributes ? { md5OfSystemAttributes: r.md5_system_attributes } : {}),
  senderId: r.sender_id,
  sentAt: r.sent_at,
  visibleAt: r.visible_at,
  receiveCount: r.receive_count,
  ...(r.first_receive_at !== null ? { firstReceiveAt: r.first_receive_at } : {}),
  ...(r.receipt !== null ? { receipt: r.receipt } : {}),
  ...(r.group_id !== null ? { groupId: r.group_id } : {}),
  ...(r.dedup_id !== null ? { dedupId: r.dedup_id } : {}),
  ...(r.sequence_number !== null ? { sequenceNumber: r.sequence_number } : {}),
  ...(r.dead_letter_source !== null ? { deadLetterSource: r.dead_letter_source } : {}),
});

/** How many visible candidates one receive looks at (FIFO skips messages of locked groups). */
const CANDIDATES = 200;

export class SqliteQueueStore implements QueueStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    this.s = {
      insertQueue: db.prepare('INSERT OR IGNORE INTO sqs_queues (region, name, fifo, attributes, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      getQueue: db.prepare('SELECT * FROM sqs_queues WHERE region = ? AND name = ?'),
      listQueues: db.prepare('SELECT * FROM sqs_queues WHERE region = ? AND name > ? AND substr(name, 1, length(?)) = ? ORDER BY name LIMIT ?'),
      listAll: db.prepare('SELECT * FROM sqs_queues ORDER BY region, name'),
      updateQueue: db.prepare('UPDATE sqs_queues SET attributes = ?, tags = ?, modified_at = ? WHERE region = ? AND name = ?'),
      deleteQueue: db.prepare('DELETE FROM sqs_queues WHERE region = ? AND name = ?'),
      deleteAll: db.prepare('DELETE FROM sqs_messages WHERE region = ? AND queue = ?'),
      deleteDedup: db.prepare('DELETE FROM sqs_fifo_dedup WHERE region = ? AND queue = ?'),
      deleteSeq: db.prepare('DELETE FROM sqs_fifo_sequence WHERE region = ? AND queue = ?'),
      insertMessage: db.prepare(
        `INSERT INTO sqs_messages (region, queue, id, body, md5_body, attributes, md5_attributes, system_attributes, md5_system_attributes,
           sender_id, sent_at, visible_at, group_id, dedup_id, sequence_number, dead_letter_source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getDedup: db.prepare('SELECT message_id, sequence_number FROM sqs_fifo_dedup WHERE region = ? AND queue = ? AND dedup_id = ? AND expires_at > ?'),
      putDedup: db.prepare('INSERT OR REPLACE INTO sqs_fifo_dedup (region, queue, dedup_id, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      nextSeq: db.prepare('INSERT INTO sqs_fifo_sequence (region, queue, next) VALUES (?, ?, 1) ON CONFLICT(region, queue) DO UPDATE SET next = next + 1 RETURNING next'),
      visible: db.prepare('SELECT * FROM sqs_messages WHERE region = ? AND queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?'),
      lockedGroups: db.prepare('SELECT DISTINCT group_id FROM sqs_messages WHERE region = ? AND queue = ? AND visible_at > ? AND receive_count > 0'),
      markReceived: db.prepare('UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, first_receive_at = coalesce(first_receive_at, ?), receipt = ? WHERE seq = ?'),
      moveToDlq: db.prepare('UPDATE sqs_messages SET queue = ?, visible_at = ?, receive_count = 0, first_receive_at = NULL, receipt = NULL, dead_letter_source = ? WHERE seq = ?'),
      byId: db.prepare('SELECT seq, receipt, visible_at, receive_count FROM sqs_messages WHERE region = ? AND queue = ? AND id = ?'),
      deleteSeqRow: db.prepare('DELETE FROM sqs_messages WHERE seq = ?'),
      setVisible: db.prepare('UPDATE sqs_messages SET visible_at = ? WHERE seq = ?'),
      counts: db.prepare(
        `SELECT sum(visible_at <= @now) AS visible, sum(visible_at > @now AND receive_count > 0) AS in_flight,
                sum(visible_at > @now AND receive_count = 0) AS delayed, min(sent_at) AS oldest
         FROM sqs_messages WHERE region = @region AND queue = @queue`,
      ),
      nextVisible: db.prepare('SELECT min(visible_at) AS t FROM sqs_messages WHERE region = ? AND queue = ? AND visible_at > ?'),
      expire: db.prepare('DELETE FROM sqs_messages WHERE region = ? AND queue = ? AND sent_at < ?'),
      expireDedup: db.prepare('DELETE FROM sqs_fifo_dedup WHERE region = ? AND queue = ? AND expires_at <= ?'),
    };
  }

  async createQueue(q: QueueRecord): Promise<QueueRecord | 'created'> {
    return this.db.transaction(() => {
      const r = this.s.insertQueue.run(q.region, q.name, q.fifo ? 1 : 0, JSON.stringify(q.attributes), JSON.stringify(q.tags), q.createdAt, q.modifiedAt);
      if (r.changes > 0) return 'created' as const;
      return toQueue(this.s.getQueue.get(q.region, q.name) as QueueRow);
    })();
  }

  async getQueue(region: string, name: string) {
    const row = this.s.getQueue.get(region, name) as QueueRow | undefined;
    return row ? toQueue(row) : undefined;
  }

  async listQueues(region: string, prefix: string, after: string | undefined, limit: number) {
    return (this.s.listQueues.all(region, after ?? '', prefix, prefix, limit) as QueueRow[]).map(toQueue);
  }

  async listAllQueues() {
    return (this.s.listAll.all() as QueueRow[]).map(toQueue);
  }

  async updateQueue(region: string, name: string, mutate: (q: QueueRecord) => QueueRecord) {
    return this.db.transaction(() => {
      const row = this.s.getQueue.get(region, name) as QueueRow | undefined;
      if (!row) return undefined;
      const next = mutate(toQueue(row));
      this.s.updateQueue.run(JSON.stringify(next.attributes), JSON.stringify(next.tags), next.modifiedAt, region, name);
      return next;
    })();
  }

  async deleteQueue(region: string, name: string) {
    return this.db.transaction(() => {
      this.s.deleteAll.run(region, name);
      this.s.deleteDedup.run(region, name);
      this.s.deleteSeq.run(region, name);
      return this.s.deleteQueue.run(region, name).changes > 0;
    })();
  }

  async sendMessages(region: string, queue: string, msgs: NewMessage[], now: number, dedupWindowMs: number): Promise<SendResult[]> {
    return this.db.transaction(() =>
      msgs.map((m) => {
        let sequenceNumber: string | undefined;
        if (m.dedupId !== undefined) {
          const seen = this.s.getDedup.get(region, queue, m.dedupId, now) as { message_id: string; sequence_number: string } | undefined;
          if (seen) return { inserted: false, id: seen.message_id, sequenceNumber: seen.sequence_number };
          const n = (this.s.nextSeq.get(region, queue) as { next: number }).next;
          // SQS sequence numbers are 20-digit decimal strings that only grow.
          sequenceNumber = (10n ** 19n + BigInt(n)).toString();
          this.s.putDedup.run(region, queue, m.dedupId, m.id, sequenceNumber, now + dedupWindowMs);
        }
        this.s.insertMessage.run(
          region, queue, m.id, m.body, m.md5OfBody,
          Object.keys(m.attributes).length ? JSON.stringify(m.attributes) : null, m.md5OfAttributes ?? null,
          Object.keys(m.systemAttributes).length ? JSON.stringify(m.systemAttributes) : null, m.md5OfSystemAttributes ?? null,
          m.senderId, m.sentAt, m.visibleAt, m.groupId ?? null, m.dedupId ?? null, sequenceNumber ?? null, m.deadLetterSource ?? null,
        );
        return { inserted: true, id: m.id, ...(sequenceNumber ? { sequenceNumber } : {}) };
      }),
    )();
  }

  async receiveMessages(req: ReceiveRequest): Promise<{ messages: StoredMessage[]; moved: number }> {
    return this.db.transaction(() => {
      const out: StoredMessage[] = [];
      let moved = 0;
      const locked = new Set<string>();
      if (req.fifo) {
        for (const r of this.s.lockedGroups.all(req.region, req.queue, req.now) as { group_id: string | null }[]) {
          if (r.group_id !== null) locked.add(r.group_id);
        }
      }
      const candidates = this.s.visible.all(req.region, req.queue, req.now, req.fifo ? CANDIDATES : req.max + CANDIDATES) as MessageRow[];
      for (const row of candidates) {
        if (out.length >= req.max) break;
        if (req.fifo && row.group_id !== null && locked.has(row.group_id)) continue;
        if (req.redrive && row.receive_count >= req.redrive.maxReceiveCount) {
          this.s.moveToDlq.run(req.redrive.deadLetterQueue, req.now, req.redrive.sourceArn, row.seq);
          moved++;
          // A FIFO group keeps its order: nothing after a dead-lettered message jumps ahead of it this time.
          if (req.fifo && row.group_id !== null) locked.add(row.group_id);
          continue;
        }
        const receipt = req.nonce();
        this.s.markReceived.run(req.now + req.visibilityMs, req.now, receipt, row.seq);
        out.push(toMessage({ ...row, visible_at: req.now + req.visibilityMs, receive_count: row.receive_count + 1, first_receive_at: row.first_receive_at ?? req.now, receipt }));
      }
      return { messages: out, moved };
    })();
  }

  async deleteMessage(region: string, queue: string, id: string, receipt: string) {
    return this.db.transaction(() => {
      const row = this.s.byId.get(region, queue, id) as { seq: number; receipt: string | null } | undefined;
      if (!row) return 'gone' as const;
      if (row.receipt !== receipt) return 'stale' as const;
      this.s.deleteSeqRow.run(row.seq);
      return 'deleted' as const;
    })();
  }

  async changeVisibility(region: string, queue: string, id: string, receipt: string, visibleAt: number, now: number) {
    return this.db.transaction(() => {
      const row = this.s.byId.get(region, queue, id) as { seq: number; receipt: string | null; visible_at: number; receive_count: number } | undefined;
      if (!row || row.receipt !== receipt || row.visible_at <= now || row.receive_count === 0) return 'not-in-flight' as const;
      this.s.setVisible.run(visibleAt, row.seq);
      return 'ok' as const;
    })();
  }

  async purgeQueue(region: string, queue: string) {
    return this.s.deleteAll.run(region, queue).changes;
  }

  async countMessages(region: string, queue: string, now: number): Promise<QueueCounts> {
    const r = this.s.counts.get({ region, queue, now }) as { visible: number | null; in_flight: number | null; delayed: number | null; oldest: number | null };
    return { visible: r.visible ?? 0, inFlight: r.in_flight ?? 0, delayed: r.delayed ?? 0, ...(r.oldest !== null ? { oldestSentAt: r.oldest } : {}) };
  }

  async nextVisibleAt(region: string, queue: string, now: number) {
    const r = this.s.nextVisible.get(region, queue, now) as { t: number | null };
    return r.t ?? undefined;
  }

  async expireMessages(region: string, queue: string, olderThan: number, now: number) {
    return this.db.transaction(() => this.s.expire.run(region, queue, olderThan).changes + this.s.expireDedup.run(region, queue, now).changes)();
  }
}
