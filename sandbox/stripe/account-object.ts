// GET /v1/account: the account the API key belongs to (https://docs.stripe.com/api/accounts/retrieve), shaped like
// Stripe's fixture of `account`. One account per API key, with a stable id; a standard account that can take payments.

import type { Account, StripeObject } from './account';
import type { Route } from './routes';

const nullAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });
const noRequirements = () => ({
  alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [],
});

export function accountObject(account: Account): StripeObject {
  return {
    id: account.id,
    object: 'account',
    business_profile: {
      annual_revenue: { amount: null, currency: null, fiscal_year_end: null }, estimated_worker_count: null, mcc: null,
      minority_owned_business_designation: null, name: 'FlowGuard sandbox', product_description: null, support_address: nullAddress(),
      specified_commercial_transactions_act_url: null, support_email: null, support_phone: null, support_url: null, url: null,
    },
    business_type: null,
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    controller: { type: 'account' },
    country: 'US',
    created: account.createdAt,
    default_currency: 'usd',
    details_submitted: true,
    email: 'sandbox@example.com',
    external_accounts: { object: 'list', data: [], has_more: false, url: `/v1/accounts/${account.id}/external_accounts` },
    future_requirements: noRequirements(),
    metadata: {},
    payouts_enabled: true,
    requirements: noRequirements(),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: { decline_on: { avs_failure: true, cvc_failure: true }, statement_descriptor_prefix: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      dashboard: { display_name: 'FlowGuard sandbox', timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: null },
      payments: { statement_descriptor: null, statement_descriptor_kana: null, statement_descriptor_kanji: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'daily' }, statement_descriptor: null },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: 'standard',
  };
}

export const accountRoutes: Route[] = [
  { method: 'GET', pattern: '/v1/account', returns: 'account', handle: (ctx) => accountObject(ctx.account) },
];
