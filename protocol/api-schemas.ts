import type { z } from 'zod';
import { alertNotificationSchema } from './alert-notification.js';
import { alertRuleInputSchema, alertRuleListSchema, alertRuleViewSchema } from './alert-rule.js';
import { alertRuleStatusSchema, alertStateViewSchema, alertsOverviewSchema } from './alerts-overview.js';
import {
  bulkItemResultSchema,
  bulkResponseSchema,
  documentRefusalSchema,
  documentResultSchema,
} from './bulk-response.js';
import { alignedContextResultSchema, alignedHitSchema, contextResultSchema } from './context.js';
import { deadLetterPageSchema } from './dead-letter.js';
import { errorBodySchema } from './error-body.js';
import { eventDetailSchema, hitSchema, ingestEventSchema } from './event.js';
import { healthSchema, readinessSchema } from './health.js';
import { heartbeatAnswerSchema, heartbeatSchema } from './heartbeat.js';
import { hostClockStatusSchema, hostStatusSchema } from './hosts.js';
import { ingestResultSchema } from './ingest-result.js';
import { patternSchema, patternsResultSchema } from './patterns.js';
import { fieldsResultSchema, histogramResultSchema, searchResultSchema, topValuesResultSchema } from './search.js';
import { sessionRequestSchema, sessionStateSchema } from './session.js';
import { serviceStatusSchema } from './status.js';

/**
 * The named shapes of the HTTP API: docs/openapi.json's `components.schemas` is generated from these
 * (`npm run openapi`), and a unit test fails when the file and this list disagree. A new shape is added here, under
 * the name the API description's paths refer to.
 */

/** Bodies clients send: described as accepted (unknown keys are ignored, defaults may be left out). */
export const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  AlertRuleInput: alertRuleInputSchema,
  Heartbeat: heartbeatSchema,
  IngestEvent: ingestEventSchema,
  SessionRequest: sessionRequestSchema,
};

/** Bodies the collector answers with: described as sent. */
export const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Error: errorBodySchema,
  Hit: hitSchema,
  EventDetail: eventDetailSchema,
  SearchResult: searchResultSchema,
  HistogramResult: histogramResultSchema,
  FieldsResult: fieldsResultSchema,
  TopValuesResult: topValuesResultSchema,
  ContextResult: contextResultSchema,
  AlignedHit: alignedHitSchema,
  AlignedContextResult: alignedContextResultSchema,
  HostStatus: hostStatusSchema,
  HostClock: hostClockStatusSchema,
  HeartbeatAnswer: heartbeatAnswerSchema,
  IngestResult: ingestResultSchema,
  BulkResponse: bulkResponseSchema,
  BulkItemResult: bulkItemResultSchema,
  DocumentResult: documentResultSchema,
  DocumentRefusal: documentRefusalSchema,
  DeadLetterPage: deadLetterPageSchema,
  Pattern: patternSchema,
  PatternsResult: patternsResultSchema,
  SessionState: sessionStateSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  ServiceStatus: serviceStatusSchema,
  AlertRule: alertRuleViewSchema,
  AlertRuleList: alertRuleListSchema,
  AlertState: alertStateViewSchema,
  AlertRuleStatus: alertRuleStatusSchema,
  AlertsOverview: alertsOverviewSchema,
  /** Not an answer of the collector but a body it sends: what a webhook notifier receives. */
  AlertNotification: alertNotificationSchema,
};
