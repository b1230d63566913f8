import express, { Router, type Request } from 'express';
import { RULE_NAME } from '../../protocol/alert-rule.js';
import { alertsQuerySchema } from '../../protocol/alerts-overview.js';
import { alertsOverview } from '../alerts/alert-overview.js';
import { parseRuleInput, type RuleBook } from '../alerts/rule-book.js';
import type { StateBook } from '../alerts/state-book.js';
import { requireScope } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-store.js';
import { CollectorError } from '../collector-error.js';
import type { LogStore } from '../store/log-store.js';
import { parseInput } from './request-input.js';

function ruleName(req: Request): string {
  const name = String(req.params.name);
  if (!RULE_NAME.test(name)) throw new CollectorError('NOT_FOUND', `No alert rule is named ${name}.`, 404);
  return name;
}

/**
 * Alert rules and states (docs/alerts.md): reading needs a read token (on-call people see what fires), changing
 * rules an admin token, or the UI's session of an admin token (with the UI's write header).
 */
export function alertRoutes(
  store: LogStore,
  rules: RuleBook,
  states: StateBook,
  verifier: TokenVerifier,
  publicUrl: string,
): Router {
  const router = Router();
  const read = requireScope(verifier, 'read');
  const admin = requireScope(verifier, 'admin', { uiWrites: true });
  const body = express.json({ limit: '64kb', type: () => true });

  router.get('/api/v1/alerts', read, async (req, res) => {
    const { state } = parseInput(alertsQuerySchema, req.query);
    res.json(await alertsOverview(store, rules, states, publicUrl, state));
  });

  router.get('/api/v1/alerts/rules', read, async (_req, res) => {
    res.json({ rules: (await rules.list()).map((entry) => rules.view(entry)) });
  });

  router.get('/api/v1/alerts/rules/:name', read, async (req, res) => {
    const name = ruleName(req);
    const entry = await rules.get(name);
    if (!entry) throw new CollectorError('NOT_FOUND', `No alert rule is named ${name}.`, 404);
    res.json(rules.view(entry));
  });

  router.post('/api/v1/alerts/rules', admin, body, async (req, res) => {
    const entry = await rules.create(parseRuleInput(req.body), new Date());
    res.status(201).location(`/api/v1/alerts/rules/${entry.doc.rule.name}`).json(rules.view(entry));
  });

  router.put('/api/v1/alerts/rules/:name', admin, body, async (req, res) => {
    const name = ruleName(req);
    const raw = req.body as Record<string, unknown> | undefined;
    // The name may be left out of the body: the path names the rule.
    const input = parseRuleInput(raw && typeof raw === 'object' && !Array.isArray(raw) ? { name, ...raw } : raw);
    res.json(rules.view(await rules.replace(name, input, new Date())));
  });

  router.delete('/api/v1/alerts/rules/:name', admin, async (req, res) => {
    const name = ruleName(req);
    if (!(await rules.delete(name))) throw new CollectorError('NOT_FOUND', `No alert rule is named ${name}.`, 404);
    // Its alerts and waiting notifications go with it (the evaluator would remove them at its next round anyway).
    await states.delete(name);
    res.status(204).end();
  });
  return router;
}
