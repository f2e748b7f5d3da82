// GET /v1/account: the account the API key (or the `Stripe-Account` header) names
// (https://docs.stripe.com/api/accounts/retrieve), shaped like Stripe's fixture of `account`. One platform account
// per API key, with a stable id; Connect: POST /v1/accounts creates connected accounts, GET /v1/accounts(/:id) reads them.

import { Account, paginate, StripeObject } from './account';
import { invalidRequest, notFound } from './errors';
import { mergeMetadata, optionalObject, optionalString, rejectUnknown } from './params';
import type { Route, RouteContext } from './routes';

const nullAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });
const noRequirements = () => ({
  alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [],
});

export function accountObject(account: Account): StripeObject {
  const base = platformAccountObject(account);
  if (!account.platform) return base;
  // A connected account: what the platform set when creating it (the sandbox skips onboarding: it can take payments).
  const profile = account.profile;
  const name = profile.business_profile?.name ?? null;
  return {
    ...base,
    business_profile: { ...base.business_profile, name, url: profile.business_profile?.url ?? null },
    business_type: profile.business_type ?? null,
    controller: profile.type === 'standard' ? { type: 'account' } : { type: 'application', is_controller: true },
    country: profile.country ?? 'US',
    default_currency: 'usd',
    email: profile.email ?? null,
    metadata: profile.metadata ?? {},
    settings: { ...base.settings, dashboard: { display_name: name, timezone: 'Etc/UTC' } },
    type: profile.type,
  };
}

function platformAccountObject(account: Account): StripeObject {
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

const ACCOUNT_TYPES = ['standard', 'express', 'custom'];

/** Connect is a platform's: a connected account cannot create or list accounts of its own. */
function platformOf(ctx: RouteContext): Account {
  if (ctx.account.platform) throw invalidRequest("You can only create new accounts if you've signed up for Connect, which you can learn how to do at https://stripe.com/docs/connect.");
  return ctx.account;
}

function connectedAccount(ctx: RouteContext): Account {
  const platform = platformOf(ctx);
  const id = ctx.ids[0];
  if (id === platform.id) return platform;
  const found = platform.connected.get(id);
  if (!found) throw notFound('account', id);
  return found;
}

export const accountRoutes: Route[] = [
  { method: 'GET', pattern: '/v1/account', returns: 'account', handle: (ctx) => accountObject(ctx.account) },
  {
    method: 'POST', pattern: '/v1/accounts', returns: 'account',
    handle(ctx) {
      const platform = platformOf(ctx);
      rejectUnknown(ctx.params, ['type', 'country', 'email', 'business_type', 'business_profile', 'capabilities', 'controller', 'metadata', 'expand']);
      const type = optionalString(ctx.params, 'type');
      const controller = optionalObject(ctx.params, 'controller');
      if (type === undefined && controller === undefined) throw invalidRequest('Missing required param: type.', 'parameter_missing', 'type');
      if (type !== undefined && !ACCOUNT_TYPES.includes(type)) throw invalidRequest(`Invalid type: must be one of ${ACCOUNT_TYPES.join(', ')}`, 'parameter_invalid_string', 'type');
      const metadata = mergeMetadata({}, ctx.params);
      const account = platform.createConnected({
        type: type ?? 'none', country: optionalString(ctx.params, 'country'), email: optionalString(ctx.params, 'email'),
        business_type: optionalString(ctx.params, 'business_type'), business_profile: optionalObject(ctx.params, 'business_profile'), metadata,
      });
      return accountObject(account);
    },
  },
  { method: 'GET', pattern: '/v1/accounts/:id', returns: 'account', handle: (ctx) => accountObject(connectedAccount(ctx)) },
  {
    method: 'GET', pattern: '/v1/accounts', returns: 'list:account',
    handle(ctx) {
      const items = [...platformOf(ctx).connected.values()].reverse().map(accountObject);
      return paginate(items, ctx.params, '/v1/accounts', 'account', []);
    },
  },
];
