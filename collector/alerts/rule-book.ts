import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ALERT_LIMITS,
  alertRuleInputSchema,
  defaultNotifierId,
  type AlertRule,
  type AlertRuleView,
  type ParsedAlertRule,
  type StoredNotifier,
} from '../../protocol/alert-rule.js';
import { CollectorError } from '../collector-error.js';
import { parseQuery } from '../query/parse-query.js';
import { parseInput } from '../routes/request-input.js';
import type { LogStore } from '../store/log-store.js';
import type { RuleDocument } from './alert-documents.js';
import { isAllowedUrl, linkLocalLiteral, redactUrl } from './webhook-url.js';

/** A rule record as read, with its version. */
export interface RuleEntry {
  doc: RuleDocument;
  version: string;
}

/** A rule body as the API takes it: validated, or a 400 naming the first problem's key. */
export function parseRuleInput(body: unknown): ParsedAlertRule {
  const rule = parseInput(alertRuleInputSchema, body, {
    message: (issue) => `The alert rule is invalid: ${issue.path.join('.') || 'body'} ${issue.message}.`,
  });
  // A query that cannot be parsed answers QUERY_SYNTAX with its position, as a search would.
  parseQuery(rule.query);
  return rule;
}

/**
 * The rule records: created, replaced and deleted through the API (admin scope), read by the evaluator. A rule's
 * notifier URLs are kept whole here and shown only redacted; an update that leaves a URL out keeps the one stored
 * under the same notifier id.
 */
export class RuleBook {
  constructor(
    private readonly store: LogStore,
    private readonly allowedUrls: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** Every readable rule, by name. */
  async list(): Promise<RuleEntry[]> {
    const entries: RuleEntry[] = [];
    for (const record of await this.store.listAlertRecords('rule')) {
      const entry = this.read(record.id, record.body, record.version);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async get(name: string): Promise<RuleEntry | null> {
    const record = await this.store.getAlertRecord('rule', name);
    return record ? this.read(name, record.body, record.version) : null;
  }

  /** Stores a new rule; 409 when the name is taken or the store holds the most rules it may. */
  async create(input: ParsedAlertRule, now: Date): Promise<RuleEntry> {
    if (input.version !== undefined) {
      throw new CollectorError('BAD_PARAMETER', 'A new rule has no version yet.', 400, { parameter: 'version' });
    }
    const count = (await this.store.listAlertRecords('rule')).length;
    if (count >= ALERT_LIMITS.maxRules) {
      throw new CollectorError('ALERT_TOO_MANY_RULES', `The store holds ${count} rules, the most it may.`, 409);
    }
    const at = now.toISOString();
    const doc: RuleDocument = {
      rule: this.ruleFrom(input, []),
      uid: randomUUID(),
      created_at: at,
      updated_at: at,
    };
    const version = await this.store.putAlertRecord('rule', input.name, doc, null);
    if (version === null) {
      throw new CollectorError('ALERT_RULE_EXISTS', `A rule named ${input.name} exists; update it with PUT.`, 409);
    }
    return { doc, version };
  }

  /**
   * Replaces a rule, keeping its uid (its alerts' states go on) and the URLs of notifiers sent without one. With
   * `version`, only the version that was read is replaced (409 otherwise); without, the latest one is.
   */
  async replace(name: string, input: ParsedAlertRule, now: Date): Promise<RuleEntry> {
    if (input.name !== name) {
      throw new CollectorError('BAD_PARAMETER', `The body names rule ${input.name}, the path ${name}.`, 400, {
        parameter: 'name',
      });
    }
    for (;;) {
      const current = await this.get(name);
      if (!current) throw new CollectorError('NOT_FOUND', `No alert rule is named ${name}.`, 404);
      if (input.version !== undefined && input.version !== current.version) {
        throw new CollectorError(
          'ALERT_RULE_CONFLICT',
          `Rule ${name} changed since version ${input.version} was read (now ${current.version}); read it again.`,
          409,
        );
      }
      const doc: RuleDocument = {
        ...current.doc,
        rule: this.ruleFrom(input, current.doc.rule.notify),
        updated_at: now.toISOString(),
      };
      const version = await this.store.putAlertRecord('rule', name, doc, current.version);
      if (version !== null) return { doc, version };
      if (input.version !== undefined) {
        throw new CollectorError(
          'ALERT_RULE_CONFLICT',
          `Rule ${name} changed while it was written; read it again.`,
          409,
        );
      }
    }
  }

  /** Deletes a rule; false when there was none. */
  async delete(name: string): Promise<boolean> {
    return this.store.deleteAlertRecord('rule', name);
  }

  /** A rule as the API shows it: URLs redacted. */
  view(entry: RuleEntry): AlertRuleView {
    const { rule, created_at, updated_at } = entry.doc;
    return {
      ...rule,
      notify: rule.notify.map((n) => ({ id: n.id, type: n.type, url_redacted: redactUrl(n.url) })),
      version: entry.version,
      created_at,
      updated_at,
    };
  }

  /** The stored rule from an input: ids given to notifiers, URLs kept from `previous` where none was sent. */
  private ruleFrom(input: ParsedAlertRule, previous: readonly StoredNotifier[]): AlertRule {
    const { version: _version, notify, ...rest } = input;
    const stored = notify.map((n, i): StoredNotifier => {
      const id = n.id ?? defaultNotifierId(notify, i);
      const url = n.url ?? previous.find((p) => p.id === id && p.type === n.type)?.url;
      if (url === undefined) {
        throw new CollectorError(
          'BAD_PARAMETER',
          `The alert rule is invalid: notify.${i}.url is required (no ${n.type} notifier "${id}" to keep it from).`,
          400,
          { parameter: `notify.${i}.url` },
        );
      }
      if (!isAllowedUrl(url, this.allowedUrls) || linkLocalLiteral(url)) {
        throw new CollectorError(
          'ALERT_WEBHOOK_NOT_ALLOWED',
          `notify.${i}.url (${redactUrl(url)}) is not allowed: outside alerts.delivery.allowed_urls or link-local.`,
          400,
          { parameter: `notify.${i}.url` },
        );
      }
      return { id, type: n.type, url };
    });
    return { ...rest, notify: stored };
  }

  private read(name: string, body: unknown, version: string): RuleEntry | null {
    const doc = body as Partial<RuleDocument> | null;
    const parsed = alertRuleInputSchema.safeParse(doc?.rule);
    const notify = (doc?.rule as { notify?: unknown } | undefined)?.notify;
    if (
      !parsed.success ||
      typeof doc?.uid !== 'string' ||
      !Array.isArray(notify) ||
      !notify.every((n: StoredNotifier) => typeof n?.id === 'string' && typeof n.url === 'string')
    ) {
      this.logger.error({ rule: name }, `The alert rule ${name} is unreadable; it is skipped.`);
      return null;
    }
    return {
      doc: {
        rule: { ...parsed.data, notify: notify as StoredNotifier[] },
        uid: doc.uid,
        created_at: String(doc.created_at),
        updated_at: String(doc.updated_at),
      },
      version,
    };
  }
}
