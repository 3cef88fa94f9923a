/**
 * The roles an API key can hold. Closed list: a key naming any other role is refused at boot.
 *
 *   device            shopper apps (enrol, check in, secure aggregation)
 *   commerce-backend  recommendation API and catalog pushes
 *   compliance        privacy ledger and audit reports
 *   operator          training plans, rounds, model promotion, administration
 */
export const COHORT_ROLES = ['device', 'commerce-backend', 'compliance', 'operator'] as const;

export type CohortRole = (typeof COHORT_ROLES)[number];

export function isCohortRole(value: string): value is CohortRole {
  return (COHORT_ROLES as readonly string[]).includes(value);
}
