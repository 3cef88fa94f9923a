/**
 * The CSV form of a plan's audit report: one row per ledger entry of the plan, the columns of
 * `AuditRow` in their declared order, RFC 4180 quoting, empty cell for null (unbounded ε).
 */
import { AuditRow, type PlanAuditReport } from '@cohort/contracts';

export const AUDIT_CSV_COLUMNS = Object.keys(AuditRow.shape) as Array<keyof AuditRow>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function auditCsv(report: PlanAuditReport): string {
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  for (const row of report.rounds) lines.push(AUDIT_CSV_COLUMNS.map((column) => cell(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
