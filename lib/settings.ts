/**
 * Node settings as the editor saves them (strings, numbers, booleans, or nothing at all for a flow saved before the
 * property existed) turned into typed values: one parser per kind of value, each with its default. A missing or
 * empty value gives the default; a value that cannot work (−5 records, "abc" seconds, an unknown mode) is refused
 * with a message naming the setting, never replaced silently by something the user did not choose.
 *
 * Nodes declare their settings once (`{ leaseMs: seconds(60), mode: oneOf(['poll', 'cdc'], 'poll') }`) and read them
 * with `readSettings`; test/unit/settings-defaults.test.ts checks each editor's `defaults` give the same values.
 */

export class SettingError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export interface Setting<T> {
  /** the value for raw input (from the node's definition); throws a plain Error saying what is wrong */
  parse(raw: unknown): T;
  /** the definition's property when it differs from the setting's name (`leaseSeconds` read as `leaseMs`) */
  property?: string;
}

export type SettingsSpec = Record<string, Setting<unknown>>;
export type Settings<S extends SettingsSpec> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Nothing given: undefined, null or an empty / blank string. */
const blank = (raw: unknown): boolean => raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');

function numeric(raw: unknown, rule: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n)) throw new Error(`must be ${rule}, got ${JSON.stringify(raw)}`);
  return n;
}

interface NumberRule {
  min: number;
  /** the minimum itself is allowed */
  inclusive: boolean;
  integer: boolean;
  max?: number;
}

function numberSetting<D extends number | undefined>(fallback: D, rule: NumberRule, scale = 1): Setting<number | D> {
  const text = `${rule.integer ? 'a whole number' : 'a number'} ${rule.inclusive ? `of ${rule.min} or more` : `above ${rule.min}`}${rule.max !== undefined ? ` and at most ${rule.max}` : ''}`;
  return {
    parse(raw) {
      if (blank(raw)) return fallback === undefined ? fallback : fallback * scale;
      const n = numeric(raw, text);
      const ok = (rule.inclusive ? n >= rule.min : n > rule.min) && (!rule.integer || Number.isInteger(n)) && (rule.max === undefined || n <= rule.max);
      if (!ok) throw new Error(`must be ${text}, got ${JSON.stringify(raw)}`);
      return n * scale;
    },
  };
}

/** A whole number above 0 (counts, sizes, limits); `max` caps what the service accepts. */
export const positiveInt = <D extends number | undefined>(fallback: D, max?: number) => numberSetting(fallback, { min: 0, inclusive: false, integer: true, max });
/** A whole number of 0 or more. */
export const wholeNumber = <D extends number | undefined>(fallback: D, max?: number) => numberSetting(fallback, { min: 0, inclusive: true, integer: true, max });
/** A number above 0 (factors, rates). */
export const positiveNumber = <D extends number | undefined>(fallback: D, max?: number) => numberSetting(fallback, { min: 0, inclusive: false, integer: false, max });
/** A number of 0 or more (percentages, offsets). */
export const nonNegativeNumber = <D extends number | undefined>(fallback: D, max?: number) => numberSetting(fallback, { min: 0, inclusive: true, integer: false, max });

const UNIT_MS = { ms: 1, s: 1000, min: 60_000, h: 3600_000 } as const;

/**
 * A duration the editor shows in `unit`, read as milliseconds. The definition's property names the unit
 * (`leaseSeconds`), so a setting named in ms (`leaseMs`) gives it as `property`. Above 0 unless `allowZero`
 * (0 then means "none": no lag, no rate limit on alerts).
 */
export function duration(fallback: number, unit: keyof typeof UNIT_MS, options: { property?: string; allowZero?: boolean } = {}): Setting<number> {
  const setting = numberSetting(fallback, { min: 0, inclusive: options.allowZero === true, integer: false }, UNIT_MS[unit]);
  return { ...setting, property: options.property };
}

/** true / false (also the strings "true" / "false", as older flows and env-substituted values have them). */
export function boolean(fallback: boolean): Setting<boolean> {
  return {
    parse(raw) {
      if (raw === undefined || raw === null || raw === '') return fallback;
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new Error(`must be true or false, got ${JSON.stringify(raw)}`);
    },
  };
}

/** One of a fixed set of words (modes, choices of a select). */
export function oneOf<const V extends string>(values: readonly V[], fallback: V): Setting<V> {
  return {
    parse(raw) {
      if (blank(raw)) return fallback;
      const v = String(raw).trim();
      if (!(values as readonly string[]).includes(v)) throw new Error(`must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
      return v as V;
    },
  };
}

/** Free text, trimmed; blank gives the default. */
export function text(fallback = ''): Setting<string> {
  return {
    parse(raw) {
      if (blank(raw)) return fallback;
      if (typeof raw !== 'string' && typeof raw !== 'number') throw new Error(`must be text, got ${JSON.stringify(raw)}`);
      return String(raw).trim();
    },
  };
}

/** Text of a fixed shape (a version, an id), trimmed; blank gives the default; `shape` says what is expected. */
export function matching(pattern: RegExp, fallback: string, shape: string): Setting<string> {
  return {
    parse(raw) {
      const v = text(fallback).parse(raw);
      if (!pattern.test(v)) throw new Error(`must be ${shape}, got ${JSON.stringify(raw)}`);
      return v;
    },
  };
}

/**
 * A list (or an array), items trimmed, empty items dropped; blank gives the default. Items are separated by commas,
 * semicolons or new lines; with `words`, by spaces too (codes, event types: names without spaces).
 */
export function list(fallback: string[] = [], separate: 'items' | 'words' = 'items'): Setting<string[]> {
  const separator = separate === 'words' ? /[\s,;]+/ : /[,;\n]+/;
  return {
    parse(raw) {
      if (blank(raw)) return [...fallback];
      const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(separator) : undefined;
      if (!items) throw new Error(`must be a list separated by commas, got ${JSON.stringify(raw)}`);
      return items.map((s) => s.trim()).filter(Boolean);
    },
  };
}

/** A structured value the editor keeps as JSON (rule tables): an array, default empty. */
export function array<T>(): Setting<T[]> {
  return {
    parse(raw) {
      if (raw === undefined || raw === null || raw === '') return [];
      if (!Array.isArray(raw)) throw new Error(`must be a list, got ${typeof raw}`);
      return raw as T[];
    },
  };
}

/** Reads every setting of `spec` from a node definition; throws one SettingError naming each setting that cannot work. */
export function readSettings<S extends SettingsSpec>(spec: S, def: Record<string, unknown>): Settings<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(spec)) {
    const property = setting.property ?? name;
    try {
      out[name] = setting.parse(def[property]);
    } catch (err) {
      problems.push(`${property} ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new SettingError(`invalid setting: ${problems.join('; ')}`);
  return out as Settings<S>;
}

/** The values a definition without any of these properties gets. */
export function defaultSettings<S extends SettingsSpec>(spec: S): Settings<S> {
  return readSettings(spec, {});
}
