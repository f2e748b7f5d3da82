// Errors in Stripe's JSON shape: {"error":{"type","code","param","message",...}}. The SDK picks its error class
// from the HTTP status, so status and type must agree with what Stripe sends.

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export class SandboxStripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly extra: Record<string, unknown> = {},
    /** Validation failures are not stored under an idempotency key (Stripe does the same). */
    readonly beforeExecution = false,
  ) {
    super(message);
  }

  private docUrl = true;

  /** For codes that Stripe's error-codes page does not list (Stripe then sends no `doc_url`). */
  withoutDocUrl(): this {
    this.docUrl = false;
    return this;
  }

  /** `requestLogUrl`: the request's Dashboard log entry, which Stripe links once the API key named an account. */
  toBody(requestLogUrl?: string): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message, ...this.extra };
    if (requestLogUrl) error.request_log_url = requestLogUrl;
    if (this.code) {
      error.code = this.code;
      if (this.docUrl) error.doc_url = `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, '-')}`;
    }
    if (this.param) error.param = this.param;
    return { error };
  }
}

export function invalidRequest(message: string, code?: string, param?: string): SandboxStripeError {
  return new SandboxStripeError(400, 'invalid_request_error', message, code, param, {}, true);
}

export function missingParam(param: string): SandboxStripeError {
  return invalidRequest(`Missing required param: ${param}.`, 'parameter_missing', param);
}

/** The object the URL path names does not exist. */
export function notFound(kind: string, id: string, param = 'id'): SandboxStripeError {
  return new SandboxStripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param, {}, true);
}

/** An object a request parameter names does not exist: Stripe answers 400 (not 404) and names the parameter. */
export function missingReference(kind: string, id: string, param: string): SandboxStripeError {
  return invalidRequest(`No such ${kind}: '${id}'`, 'resource_missing', param);
}

export function unexpectedState(message: string, extra: Record<string, unknown> = {}): SandboxStripeError {
  return new SandboxStripeError(400, 'invalid_request_error', message, 'payment_intent_unexpected_state', undefined, extra);
}
