// Salesforce-shaped errors: REST answers `[{message, errorCode, fields}]`, collections `{statusCode, message, fields}`.

export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
  }

  toRest(): Array<{ message: string; errorCode: string; fields: string[] }> {
    return [{ message: this.message, errorCode: this.errorCode, fields: this.fields }];
  }

  toCollection(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields };
  }
}

export const notFound = (what = 'The requested resource does not exist'): SfError => new SfError(404, 'NOT_FOUND', what);

export function malformedQuery(message: string): SfError {
  return new SfError(400, 'MALFORMED_QUERY', message);
}

/** An Id that is malformed or names another object (REST API "Status Codes and Error Responses", incorrect ID example). */
export function malformedId(def: { label: string }, raw: unknown, fields = ['Id']): SfError {
  return new SfError(400, 'MALFORMED_ID', `${def.label} ID: id value of incorrect type: ${String(raw)}`, fields);
}

/** A record in the recycle bin: updated, deleted or read again. */
export const entityIsDeleted = (): SfError => new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
