// DuckDB result columns → Snowflake `rowtype` entries and the JSON `rowset` value encodings the driver decodes
// (protocols.md §1.6: every value is a string or null).
import {
  DuckDBDataChunk, DuckDBType, DuckDBTypeId, DuckDBDecimalType, JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import { fromDuckName } from './names';

export interface RowType {
  name: string;
  type: string;
  scale: number | null;
  precision: number | null;
  length: number | null;
  byteLength: number | null;
  nullable: boolean;
  database: string;
  schema: string;
  table: string;
  collation: null;
}

type Encoder = (value: any) => string | null;

interface ColumnCodec {
  rowType: RowType;
  nested: boolean;
  encode: Encoder;
}

const MAX_TEXT = 16777216;

function fraction(value: bigint, digits: number): string {
  // value is in units of 10^-digits; returns "<seconds>.<fraction>" with a correct sign for pre-epoch values.
  const base = 10n ** BigInt(digits);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / base;
  const frac = (abs % base).toString().padStart(digits, '0');
  if (!negative) return `${whole}.${frac}`;
  return `-${whole}.${frac}`;
}

const encodeString: Encoder = (v) => String(v);

function codecFor(type: DuckDBType, name: string, where: { database: string; schema: string }): ColumnCodec {
  const base = { name, scale: null, precision: null, length: null, byteLength: null, nullable: true, collation: null as null, table: '', ...where };
  const make = (snowType: string, encode: Encoder, extra: Partial<RowType> = {}, nested = false): ColumnCodec => ({
    rowType: { ...base, type: snowType, ...extra }, encode, nested,
  });
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return make('boolean', (v) => (v ? '1' : '0'));
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER: case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT: case DuckDBTypeId.UINTEGER: case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UHUGEINT: case DuckDBTypeId.BIGNUM:
      return make('fixed', encodeString, { scale: 0, precision: 38 });
    case DuckDBTypeId.DECIMAL: {
      const decimal = type as DuckDBDecimalType;
      return make('fixed', encodeString, { scale: decimal.scale, precision: decimal.width });
    }
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE:
      return make('real', (v) => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf'));
    case DuckDBTypeId.DATE:
      return make('date', (v) => String(v.days));
    case DuckDBTypeId.TIME:
      return make('time', (v) => fraction(v.micros, 6), { scale: 9, precision: 0 });
    case DuckDBTypeId.TIMESTAMP:
      return make('timestamp_ntz', (v) => fraction(v.micros, 6), { scale: 9, precision: 0 });
    case DuckDBTypeId.TIMESTAMP_S:
      return make('timestamp_ntz', (v) => `${v.seconds}.0`, { scale: 0, precision: 0 });
    case DuckDBTypeId.TIMESTAMP_MS:
      return make('timestamp_ntz', (v) => fraction(v.millis, 3), { scale: 3, precision: 0 });
    case DuckDBTypeId.TIMESTAMP_NS:
      return make('timestamp_ntz', (v) => fraction(v.nanos, 9), { scale: 9, precision: 0 });
    case DuckDBTypeId.TIMESTAMP_TZ:
      // An instant: Snowflake's closest type is TIMESTAMP_LTZ (shown in the session time zone).
      return make('timestamp_ltz', (v) => fraction(v.micros, 6), { scale: 9, precision: 0 });
    case DuckDBTypeId.BLOB:
      return make('binary', (v) => Buffer.from(v.bytes).toString('hex').toUpperCase(), { length: 8388608, byteLength: 8388608 });
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY:
      return make('array', (v) => JSON.stringify(v), {}, true);
    case DuckDBTypeId.STRUCT: case DuckDBTypeId.MAP:
      return make('object', (v) => JSON.stringify(v), {}, true);
    case DuckDBTypeId.VARCHAR:
      if (type.alias === 'JSON') return make('variant', encodeString);
      return make('text', encodeString, { length: MAX_TEXT, byteLength: MAX_TEXT });
    default:
      return make('text', (v) => String(v), { length: MAX_TEXT, byteLength: MAX_TEXT });
  }
}

export class ResultEncoder {
  readonly codecs: ColumnCodec[];

  constructor(names: string[], types: DuckDBType[], where: { database: string; schema: string }) {
    this.codecs = names.map((name, i) => codecFor(types[i], fromDuckName(name), where));
  }

  get rowType(): RowType[] {
    return this.codecs.map((c) => c.rowType);
  }

  /** Encodes rows [from, to) of one DuckDB chunk. */
  encodeChunk(chunk: DuckDBDataChunk, from = 0, to = chunk.rowCount): (string | null)[][] {
    const columns = this.codecs.map((codec, i) => (codec.nested
      ? chunk.convertColumnValues(i, JsonDuckDBValueConverter)
      : chunk.getColumnValues(i)));
    const rows: (string | null)[][] = [];
    for (let r = from; r < to; r++) {
      const row: (string | null)[] = new Array(columns.length);
      for (let c = 0; c < columns.length; c++) {
        const value = columns[c][r];
        row[c] = value === null || value === undefined ? null : this.codecs[c].encode(value);
      }
      rows.push(row);
    }
    return rows;
  }
}
