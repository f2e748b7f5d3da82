// Disputes. As on Stripe, the API cannot create one: a successful charge with a test card that disputes
// (pm_card_createDispute …) is followed by a dispute in `needs_response`. The API retrieves, lists, updates
// (evidence, metadata, submit) and closes (accepts) it. Events: charge.dispute.created / updated / closed.
// Not modelled: balance transactions (the list stays empty), funds_withdrawn / funds_reinstated events, inquiries.

import { newId, StripeObject } from './account';
import { crudRoutes, runAfter } from './crud';
import { invalidRequest, SandboxStripeError } from './errors';
import { optionalBool, optionalObject, rejectUnknown } from './params';
import type { Route, RouteContext } from './routes';

/** Stripe's test payment methods (and the legacy token) whose successful charge is disputed, with the dispute reason. */
const DISPUTE_TRIGGERS: Record<string, string> = {
  pm_card_createDispute: 'fraudulent',
  pm_card_createDisputeProductNotReceived: 'product_not_received',
  tok_createDispute: 'fraudulent',
};

/** Visa's reason codes for the test reasons (fraud: 10.4 card-absent fraud; not received: 13.1). */
const NETWORK_REASONS: Record<string, string> = { fraudulent: '10.4', product_not_received: '13.1' };

/** The text and file-id fields of `evidence` (Stripe's update params; `enhanced_evidence` is not modelled). */
const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
];

/** Stripe's test-mode evidence: `evidence[uncategorized_text]` decides a submitted dispute (here at once, not minutes later). */
const TEST_OUTCOMES: Record<string, 'won' | 'lost'> = { winning_evidence: 'won', losing_evidence: 'lost' };

const DAY = 24 * 60 * 60;
/** Evidence is due at the end of a UTC day about three weeks out (the API reference's example: 19 days). */
const EVIDENCE_DAYS = 19;

/** Opens a dispute on a captured charge paid with a disputing test card; call it after the payment's own events. */
export function disputeIfTestCard(ctx: RouteContext, charge: StripeObject): void {
  const reason = DISPUTE_TRIGGERS[charge.payment_method];
  if (!reason || !charge.captured) return;
  const created = ctx.account.now();
  const dispute = ctx.account.insert('disputes', {
    id: newId('du'), object: 'dispute', amount: charge.amount_captured, balance_transactions: [], charge: charge.id, created,
    currency: charge.currency, enhanced_eligibility_types: [],
    evidence: { ...Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, null])), enhanced_evidence: {} },
    evidence_details: {
      due_by: (Math.floor(created / DAY) + EVIDENCE_DAYS + 1) * DAY - 1, enhanced_eligibility: {}, has_evidence: false,
      past_due: false, submission_count: 0, submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    // A chargeback has taken the funds already: the charge can no longer be refunded (see refundBlocker).
    is_charge_refundable: false, livemode: ctx.account.livemode, metadata: {}, payment_intent: charge.payment_intent ?? null,
    payment_method_details: {
      card: { brand: charge.payment_method_details?.card?.brand ?? 'visa', case_type: 'chargeback', network: charge.payment_method_details?.card?.network ?? 'visa', network_reason_code: NETWORK_REASONS[reason] },
      type: 'card',
    },
    reason, status: 'needs_response',
  } as StripeObject);
  charge.disputed = true;
  ctx.account.emit('charge.dispute.created', dispute, ctx.request);
}

/** Why a refund of `charge` is refused (Stripe's `charge_disputed`), or undefined when it may go ahead. */
export function refundBlocker(ctx: RouteContext, charge: StripeObject): SandboxStripeError | undefined {
  if (!charge.disputed) return undefined;
  const dispute = ctx.account.newestFirst('disputes', (object) => object.charge === charge.id)[0];
  if (!dispute || dispute.is_charge_refundable) return undefined;
  return invalidRequest(`Charge ${charge.id} has been charged back (dispute ${dispute.id}, ${dispute.status}); it cannot be refunded.`, 'charge_disputed', 'charge');
}

function closeDispute(ctx: RouteContext, dispute: StripeObject, status: 'won' | 'lost'): void {
  const previous = { status: dispute.status };
  dispute.status = status;
  ctx.account.emit('charge.dispute.closed', dispute, ctx.request, previous);
}

/** `evidence[...]` merges field by field (an empty value clears one); `submit` (default true) sends it to the bank. */
function updateEvidence(dispute: StripeObject, ctx: RouteContext): void {
  const evidence = optionalObject(ctx.params, 'evidence');
  const submit = optionalBool(ctx.params, 'submit');
  for (const [field, value] of Object.entries(evidence ?? {})) {
    if (!EVIDENCE_FIELDS.includes(field)) throw invalidRequest(`Received unknown parameter: evidence[${field}]`, 'parameter_unknown', `evidence[${field}]`);
    if (typeof value !== 'string') throw invalidRequest(`Invalid string: evidence[${field}]`, 'parameter_invalid_string', `evidence[${field}]`);
  }
  if (!evidence && submit === undefined) return;
  if (dispute.status !== 'needs_response') {
    throw invalidRequest(`This dispute has a status of ${dispute.status}: evidence can only be changed or submitted while it is needs_response.`, undefined, evidence ? 'evidence' : 'submit');
  }
  const details = dispute.evidence_details;
  if (evidence) {
    for (const [field, value] of Object.entries(evidence)) dispute.evidence[field] = value === '' ? null : value;
    details.has_evidence = EVIDENCE_FIELDS.some((field) => dispute.evidence[field] !== null);
  }
  if (submit ?? true) {
    Object.assign(details, { submission_count: details.submission_count + 1, submission_method: 'manual', past_due: ctx.account.now() > details.due_by });
    dispute.status = 'under_review';
  }
}

// After charge.dispute.updated (under_review), test-mode evidence closes the dispute with its outcome.
const disputes: Route[] = runAfter(crudRoutes({
  path: '/v1/disputes', collection: 'disputes', object: 'dispute', idPrefix: 'du', eventPrefix: 'charge.dispute',
  updateParams: ['evidence', 'submit'],
  listParams: ['charge', 'payment_intent'],
  listFilter: (object, params) =>
    (params.charge === undefined || object.charge === params.charge) &&
    (params.payment_intent === undefined || object.payment_intent === params.payment_intent),
  update: updateEvidence,
}), 'POST', '/v1/disputes/:id', (dispute, ctx) => {
  const outcome = TEST_OUTCOMES[dispute.evidence.uncategorized_text];
  if (dispute.status === 'under_review' && outcome) closeDispute(ctx, dispute, outcome);
});

const close: Route = {
  method: 'POST', pattern: '/v1/disputes/:id/close', returns: 'dispute',
  handle(ctx) {
    rejectUnknown(ctx.params, []);
    const dispute = ctx.account.get('disputes', ctx.ids[0], 'dispute');
    if (dispute.status !== 'needs_response') {
      throw invalidRequest(`This dispute cannot be closed because it has a status of ${dispute.status}. Only a dispute with status needs_response can be closed.`);
    }
    closeDispute(ctx, dispute, 'lost');
    return dispute;
  },
};

export const disputeRoutes: Route[] = [...disputes, close];
