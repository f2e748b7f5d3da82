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
