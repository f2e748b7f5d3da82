// Event-type filters with wildcards: `*`, `payment_intent.*`, `customer.subscription.*`, exact types.

export function compileEventFilter(patterns: readonly string[]): (type: string) => boolean {
  const cleaned = patterns.map((p) => p.trim()).filter(Boolean);
  if (cleaned.length === 0 || cleaned.includes('*')) return () => true;
  const regexes = cleaned.map((pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (type) => regexes.some((regex) => regex.test(type));
}

