/**
 * The config variables of client-registry, shared by the client-registry app and standalone.
 *
 * COHORT_ATTESTATION_ISSUERS is a JSON array of `{ "issuer": "<iss>", "publicKey": <JWK | SPKI PEM> }`;
 * each key is checked at boot (Ed25519 or P-256, public only), and an issuer may be listed twice
 * while its key rotates.
 */
import type { JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { trustedIssuer, type TrustedIssuer } from './attestation/trusted-issuer';
import type { ClientRegistryOptions } from './client-registry.options';

const IssuerEntry = z.object({
  issuer: z.string().min(1, 'issuer must be a non-empty string'),
  publicKey: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'publicKey must be a JWK object or an SPKI PEM string' }),
}).strict();

export const trustedIssuersSchema = z.string().transform((text, ctx): TrustedIssuer[] => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    ctx.issues.push({ code: 'custom', message: 'must be a JSON array of {"issuer": ..., "publicKey": <JWK or SPKI PEM>}', input: undefined });
    return z.NEVER;
  }
  const entries = z.array(IssuerEntry).safeParse(json);
  if (!entries.success) {
    for (const issue of entries.error.issues) {
      const [index, ...rest] = issue.path;
      const where = typeof index === 'number' ? `entry ${index + 1}${rest.length > 0 ? ` (${rest.join('.')})` : ''}: ` : '';
      ctx.issues.push({ code: 'custom', message: `${where}${issue.message}`, input: undefined });
    }
    return z.NEVER;
  }
  const issuers: TrustedIssuer[] = [];
  entries.data.forEach((entry, index) => {
    try {
      issuers.push(trustedIssuer(entry.issuer, entry.publicKey as JsonWebKey | string));
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: `entry ${index + 1} (issuer ${JSON.stringify(entry.issuer)}): ${(error as Error).message}`, input: undefined });
    }
  });
  return issuers;
});

export const clientRegistryConfigShape = {
  /** Whose attestation tokens enrolment accepts (none by default: standalone adds its own issuer). */
  COHORT_ATTESTATION_ISSUERS: trustedIssuersSchema.default([]),
  /** The `aud` attestation tokens must carry. */
  COHORT_ATTESTATION_AUDIENCE: z.string().min(1).max(256).default('cohort-client-registry'),
  /** Tokens issued longer ago than this are refused, whatever their `exp`. */
  COHORT_ATTESTATION_MAX_AGE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
  /** Leeway for the issuer's clock on `exp`, `iat` and `nbf`. */
  COHORT_ATTESTATION_CLOCK_TOLERANCE_MS: z.coerce.number().int().min(0).max(300_000).default(30_000),
  /** Sybil guard: at most this many enrolments per attested subject (`sub`) ... */
  COHORT_ENROLMENTS_PER_SUBJECT: z.coerce.number().int().min(1).max(1_000_000).default(5),
  /** ... per window of this length. */
  COHORT_ENROLMENT_WINDOW_MS: z.coerce.number().int().min(1_000).max(31 * 86_400_000).default(3_600_000),
};

export type ClientRegistryConfig = z.output<z.ZodObject<typeof clientRegistryConfigShape>>;

/** `extraIssuers`: issuers trusted besides the configured ones (standalone's own, passed in-process). */
export function clientRegistryOptionsFromConfig(config: ClientRegistryConfig, extraIssuers: readonly TrustedIssuer[] = []): ClientRegistryOptions {
  return {
    attestation: {
      issuers: [...config.COHORT_ATTESTATION_ISSUERS, ...extraIssuers],
      audience: config.COHORT_ATTESTATION_AUDIENCE,
      maxTokenAgeMs: config.COHORT_ATTESTATION_MAX_AGE_MS,
      clockToleranceMs: config.COHORT_ATTESTATION_CLOCK_TOLERANCE_MS,
    },
    enrolmentLimit: { maxPerSubject: config.COHORT_ENROLMENTS_PER_SUBJECT, windowMs: config.COHORT_ENROLMENT_WINDOW_MS },
  };
}
