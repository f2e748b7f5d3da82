// The customer's side of Checkout, which Stripe's payment page plays and the sandbox offers two ways:
//  - control API (JSON, no auth, like the rest of /_sandbox):
//      POST /_sandbox/checkout/sessions/:id/complete  {"paymentMethod": "pm_card_visa" | "pm_card_chargeDeclined" | … | "us_bank_account",
//                                                      "email"?: "…", "name"?: "…"}  → the session (a declining card: 402, session still open)
//      POST /_sandbox/checkout/sessions/:id/settle    {"outcome": "succeeded" | "failed"}  → the session (a delayed payment's result)
//  - the hosted page the session's `url` points at (GET /c/pay/:id): the order and a Pay button per test method; paying
//    redirects to `success_url` with `{CHECKOUT_SESSION_ID}` replaced, as Stripe does.

import type * as http from 'http';
import type { Account } from './account';
import { completeSession, expireDueSessions, findSession, sessionLineItems, settleSession } from './checkout';
import { invalidRequest } from './errors';

const COMPLETE = /^POST \/_sandbox\/checkout\/sessions\/([^/]+)\/complete$/;
const SETTLE = /^POST \/_sandbox\/checkout\/sessions\/([^/]+)\/settle$/;

/** Answers a /_sandbox/checkout route, or undefined when `route` is not one. */
export function checkoutControl(accounts: Iterable<Account>, route: string, body: any): unknown {
  const complete = COMPLETE.exec(route);
  if (complete) {
    const { account, session } = findSession(accounts, decodeURIComponent(complete[1]));
    for (const name of ['paymentMethod', 'email', 'name']) {
      if (body[name] !== undefined && typeof body[name] !== 'string') throw invalidRequest(`${name} must be a string.`, undefined, name);
    }
    return completeSession(account, session, { paymentMethod: body.paymentMethod, email: body.email, name: body.name });
  }
  const settle = SETTLE.exec(route);
  if (settle) {
    if (body.outcome !== 'succeeded' && body.outcome !== 'failed') throw invalidRequest('outcome is "succeeded" or "failed".', undefined, 'outcome');
    const { account, session } = findSession(accounts, decodeURIComponent(settle[1]));
    return settleSession(account, session, body.outcome);
  }
  return undefined;
}

/** After the sandbox clock moved: sessions past their `expires_at` expire now (checkout.session.expired). */
export function expireSessionsEverywhere(accounts: Iterable<Account>): void {
  for (const account of accounts) {
    for (const each of [account, ...account.connected.values()]) expireDueSessions(each);
  }
}

const escape = (text: unknown) => String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

const METHODS: [string, string][] = [
  ['pm_card_visa', 'Card 4242 (succeeds)'],
  ['pm_card_chargeDeclined', 'Card 0002 (declined)'],
  ['us_bank_account', 'US bank account (ACH, delayed)'],
];

/** GET shows the order; POST pays with the chosen test method and redirects to success_url. */
export async function hostedCheckoutPage(accounts: Iterable<Account>, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const id = decodeURIComponent(url.pathname.slice('/c/pay/'.length));
  const { account, session } = findSession(accounts, id);
  let message = '';
  if (req.method === 'POST') {
    const form = await readForm(req);
    try {
      const done = completeSession(account, session, { paymentMethod: form.get('paymentMethod') ?? undefined, email: form.get('email') || undefined });
      if (done.success_url) {
        res.writeHead(303, { Location: done.success_url.replace('{CHECKOUT_SESSION_ID}', done.id) });
        res.end();
        return;
      }
    } catch (err) {
      message = (err as Error).message;
    }
  }
  const items = sessionLineItems(account, session).data as Record<string, any>[];
  const money = (amount: number) => `${(amount / 100).toFixed(2)} ${String(session.currency).toUpperCase()}`;
  const rows = items.map((item) => `<tr><td>${escape(item.description)}</td><td>× ${item.quantity}</td><td>${money(item.amount_total)}</td></tr>`).join('');
  const buttons = session.status !== 'open' ? `<p>This Checkout Session is <b>${escape(session.status)}</b> (payment ${escape(session.payment_status)}).</p>`
    : METHODS.filter(([method]) => method !== 'us_bank_account' || session.payment_method_types.includes('us_bank_account'))
      .map(([method, label]) => `<button name="paymentMethod" value="${method}">Pay with ${escape(label)}</button>`).join(' ');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Checkout (FlowGuard sandbox)</title>
<style>body{font-family:sans-serif;max-width:36em;margin:2em auto}td{padding:.2em .8em}button{margin:.3em 0;padding:.5em 1em}.error{color:#b00}</style></head>
<body><h1>Checkout <small>(FlowGuard Stripe sandbox)</small></h1>
<p>${escape(session.mode === 'subscription' ? 'Subscription' : 'Payment')} · session <code>${escape(session.id)}</code>${session.client_reference_id ? ` · reference <code>${escape(session.client_reference_id)}</code>` : ''}</p>
<table>${rows}<tr><td><b>Total</b></td><td></td><td><b>${money(session.amount_total)}</b></td></tr></table>
${message ? `<p class="error">${escape(message)}</p>` : ''}
<form method="post"><p><label>Email <input name="email" type="email" value="${escape(session.customer_email ?? '')}"></label></p>${buttons}</form>
${session.cancel_url && session.status === 'open' ? `<p><a href="${escape(session.cancel_url)}">Back</a></p>` : ''}
</body></html>`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}
