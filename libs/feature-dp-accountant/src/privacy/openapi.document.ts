/**
 * The OpenAPI 3.1 document of dp-accountant's REST API (served at GET /v1/privacy/openapi.json),
 * generated from the very zod schemas the routes validate with and answer in (`@cohort/contracts`,
 * converted by zod's `z.toJSONSchema`), so it cannot drift from the code.
 */
import { z } from 'zod';
import {
  AuditQuery, BudgetCheckRequest, BudgetCheckResponse, LedgerPage, LedgerQuery, LedgerVerification, ModelPrivacyResponse,
  ModelVersion, PlanAuditReport, PlanId, PlanPrivacyResponse, ProblemDetails, UserId, UserPrivacyQuery, UserPrivacyResponse,
} from '@cohort/contracts';
import { AUDIT_CSV_COLUMNS } from './audit-csv';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const object = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name, in: 'query', required: (object.required ?? []).includes(name), schema: property,
  }));
}

const pathParameter = (name: string, schema: z.ZodType, description: string) => ({ name, in: 'path', required: true, description, schema: schemaOf(schema, 'input') });

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: PROBLEM_TEXT[status] ?? 'Problem', content: { 'application/problem+json': { schema: ref('ProblemDetails') } } }]));

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Invalid parameter or body (code validation-failed)',
  401: 'Missing or unknown API key',
  403: 'The key lacks the role',
  404: 'Not found',
  500: 'Internal error, or a damaged projection (code ledger-integrity)',
  503: 'Still replaying the ledger, or a stopped consumer (code accountant-not-ready)',
};

const complianceRead = (summary: string, description: string, response: string, extra: JsonSchema = {}, statuses = [400, 401, 403, 500]) => ({
  get: {
    summary,
    description: `${description}\n\nRoles: \`compliance\` or \`operator\`.`,
    security: [{ apiKey: [] }],
    ...extra,
    responses: { '200': { description: 'OK', content: json(response) }, ...problems(...statuses) },
  },
});

let cached: JsonSchema | undefined;

export function privacyOpenApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Cohort dp-accountant',
      version: '1',
      description:
        'The privacy ledger (hash-chained, one entry per committed round), per-user and per-plan accounting (RDP and PLD), ' +
        'per-user caps and model-version guarantees. Every ε is at the δ the response names. Errors are RFC 9457 problem+json ' +
        'with a stable `code`. See docs/dp-accountant.md for the hash-chain specification.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' } },
      schemas: {
        BudgetCheckRequest: schemaOf(BudgetCheckRequest, 'input'),
        BudgetCheckResponse: schemaOf(BudgetCheckResponse, 'output'),
        UserPrivacyResponse: schemaOf(UserPrivacyResponse, 'output'),
        PlanPrivacyResponse: schemaOf(PlanPrivacyResponse, 'output'),
        ModelPrivacyResponse: schemaOf(ModelPrivacyResponse, 'output'),
        LedgerPage: schemaOf(LedgerPage, 'output'),
        LedgerVerification: schemaOf(LedgerVerification, 'output'),
        PlanAuditReport: schemaOf(PlanAuditReport, 'output'),
        ProblemDetails: schemaOf(ProblemDetails, 'output'),
      },
    },
    paths: {
      '/v1/privacy/budget-checks': {
        post: {
          summary: 'Which candidates can afford one more round',
          description: "The scheduler's check before every round: the candidates whose ε after one more round of the mechanism stays within the per-user cap, in the order given. Reserves that round for them until the ledger records it.\n\nRole: `operator`.",
          security: [{ apiKey: [] }],
          requestBody: { required: true, content: json('BudgetCheckRequest') },
          responses: { '200': { description: 'OK', content: json('BudgetCheckResponse') }, ...problems(400, 401, 403, 500, 503) },
        },
      },
      '/v1/privacy/users/{userId}': complianceRead(
        "A user's privacy spend",
        'ε spent by the user over every plan (RDP; `?accountant=pld` adds the PLD bound), the cap, what remains, and the mechanisms charged. A user never charged has spent 0.',
        'UserPrivacyResponse',
        { parameters: [pathParameter('userId', UserId, 'The user'), ...queryParameters(UserPrivacyQuery)] },
      ),
      '/v1/privacy/plans/{planId}': complianceRead(
        "A plan's composition",
        'The composition of every committed round of the plan: the guarantee of its latest model version (the smaller of the RDP and PLD bounds).',
        'PlanPrivacyResponse',
        { parameters: [pathParameter('planId', PlanId, 'The training plan')] },
      ),
      '/v1/privacy/plans/{planId}/audit': {
        get: {
          summary: "A plan's audit report",
          description:
            `Every ledger entry of the plan with its per-round and cumulative ε, the plan summary and the verification of the whole hash chain. JSON by default; CSV with \`?format=csv\` or \`Accept: text/csv\` (columns: ${AUDIT_CSV_COLUMNS.join(', ')}).\n\nRoles: \`compliance\` or \`operator\`.`,
          security: [{ apiKey: [] }],
          parameters: [pathParameter('planId', PlanId, 'The training plan'), ...queryParameters(AuditQuery)],
          responses: {
            '200': { description: 'OK', content: { ...json('PlanAuditReport'), 'text/csv': { schema: { type: 'string' } } } },
            ...problems(400, 401, 403, 500),
          },
        },
      },
      '/v1/privacy/models/{modelVersion}': complianceRead(
        "A model version's guarantee",
        'The user-level (ε, δ) of the model version: the composition of its plan up to the round that produced it.',
        'ModelPrivacyResponse',
        { parameters: [pathParameter('modelVersion', ModelVersion, 'The model version, e.g. plan-default:v3')] },
        [400, 401, 403, 404, 500],
      ),
      '/v1/privacy/ledger': complianceRead(
        'Ledger entries',
        'Entries in sequence order, paged (`offset`, `limit` ≤ 500), filtered by plan, user (entries that charged the user), round and sequence range. `total` counts every match.',
        'LedgerPage',
        { parameters: queryParameters(LedgerQuery) },
      ),
      '/v1/privacy/ledger/verify': complianceRead(
        'Verify the hash chain',
        'Recomputes every entry hash from entry 1 and checks every link, the sequence, rounds recorded once, and that eligible-user blobs are stored. `valid: false` names the first entry that fails and why.',
        'LedgerVerification',
      ),
      '/v1/privacy/openapi.json': {
        get: { summary: 'This document', description: 'Public.', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
    },
  };
  return cached;
}
