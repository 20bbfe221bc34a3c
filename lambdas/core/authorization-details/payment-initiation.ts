/**
 * The `payment_initiation` authorization details type (RFC 9396 §2, after its own example and the
 * PSD2 / Open Banking payment consents): what the user approves on their phone when a bank uses CIBA
 * for dynamic linking. The schema is strict: every member is shown to the user, so every member must
 * be known, well-formed and displayable.
 */
import { isDisplaySafe } from '../display-text.js';

/** Checks one payment_initiation object; returns problems as sentences (empty when valid). */
export function paymentInitiationProblems(detail: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const allowed = new Set(['type', 'actions', 'locations', 'instructedAmount', 'creditorName', 'creditorAccount', 'debtorAccount', 'remittanceInformationUnstructured', 'consentId']);
  for (const member of Object.keys(detail)) if (!allowed.has(member)) problems.push(`payment_initiation has an unknown member ${member.slice(0, 40)}`);

  const text = (value: unknown, name: string, max: number, required: boolean): void => {
    if (value === undefined) {
      if (required) problems.push(`payment_initiation needs ${name}`);
      return;
    }
    if (typeof value !== 'string' || value.length === 0 || [...value].length > max || !isDisplaySafe(value)) {
      problems.push(`payment_initiation ${name} must be displayable text of at most ${max} characters`);
    }
  };
  const account = (value: unknown, name: string, required: boolean): void => {
    if (value === undefined) {
      if (required) problems.push(`payment_initiation needs ${name}`);
      return;
    }
    const accountObject = value as Record<string, unknown>;
    const iban = typeof value === 'object' && value !== null ? accountObject.iban : undefined;
    const sortCodeAccount = typeof value === 'object' && value !== null ? accountObject.sortCode !== undefined || accountObject.accountNumber !== undefined : false;
    if (typeof iban === 'string') {
      // ISO 13616: country, check digits, up to 30 alphanumerics.
      if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban) || Object.keys(accountObject).length !== 1) problems.push(`payment_initiation ${name}.iban is not an IBAN`);
    } else if (sortCodeAccount) {
      if (!/^\d{6}$/.test(String(accountObject.sortCode)) || !/^\d{8}$/.test(String(accountObject.accountNumber)) || Object.keys(accountObject).length !== 2) {
        problems.push(`payment_initiation ${name} needs a 6-digit sortCode and an 8-digit accountNumber`);
      }
    } else {
      problems.push(`payment_initiation ${name} needs an iban, or a sortCode and an accountNumber`);
    }
  };

  const amount = detail.instructedAmount as Record<string, unknown> | undefined;
  if (typeof amount !== 'object' || amount === null) {
    problems.push('payment_initiation needs instructedAmount {currency, amount}');
  } else {
    // ISO 4217 code; a decimal amount as a string, so no floating point ever rounds money.
    if (typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency)) problems.push('payment_initiation instructedAmount.currency must be an ISO 4217 code');
    if (typeof amount.amount !== 'string' || !/^(0|[1-9]\d{0,14})(\.\d{1,4})?$/.test(amount.amount)) {
      problems.push('payment_initiation instructedAmount.amount must be a decimal string such as "500.00"');
    }
    if (Object.keys(amount).some((member) => member !== 'currency' && member !== 'amount')) problems.push('payment_initiation instructedAmount has unknown members');
  }
  text(detail.creditorName, 'creditorName', 140, true);
  account(detail.creditorAccount, 'creditorAccount', true);
  account(detail.debtorAccount, 'debtorAccount', false);
  text(detail.remittanceInformationUnstructured, 'remittanceInformationUnstructured', 140, false);
  text(detail.consentId, 'consentId', 128, false);
  for (const name of ['actions', 'locations'] as const) {
    const list = detail[name];
    if (list !== undefined && (!Array.isArray(list) || list.length > 10 || !list.every((item) => typeof item === 'string' && item.length <= 256))) {
      problems.push(`payment_initiation ${name} must be an array of strings`);
    }
  }
  return problems;
}
