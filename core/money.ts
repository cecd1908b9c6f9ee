// Money as every text in Plimsoll reads it — findings, the report, digests: whole units from 100
// up, the currency's own minor digits below, a true minus sign, and the currency of the price
// book (config report.prices.currency, an ISO 4217 code).
export const DEFAULT_CURRENCY = 'USD';

const formats = new Map<string, { whole: Intl.NumberFormat; minor: Intl.NumberFormat }>();

function formatsOf(currency: string) {
  let found = formats.get(currency);
  if (!found) {
    const minor = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    const whole = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    });
    found = { whole, minor };
    formats.set(currency, found);
  }
  return found;
}

/** "$1,234", "$12.50", "−$3.20", "€206". */
export function formatMoney(amount: number, currency: string = DEFAULT_CURRENCY): string {
  const abs = Math.abs(amount);
  const { whole, minor } = formatsOf(currency);
  const text = (abs >= 100 ? whole : minor).format(abs);
  return amount < 0 && text !== minor.format(0) ? `−${text}` : text;
}

/** A rate as configured, every digit kept: "$0.031611". */
export function formatRate(amount: number, currency: string = DEFAULT_CURRENCY): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: 0,
    maximumFractionDigits: 8,
  }).format(amount);
}

/** What heads a money column or axis: "$", "€", "CHF". */
export function currencySymbol(currency: string = DEFAULT_CURRENCY): string {
  return (
    formatsOf(currency)
      .whole.formatToParts(0)
      .find((p) => p.type === 'currency')?.value ?? currency
  );
}

/** Whether Intl knows the code; the config check refuses one it does not. */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return Intl.supportedValuesOf('currency').includes(code);
}
