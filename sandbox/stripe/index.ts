// Local Stripe sandbox: wire-compatible with the official `stripe` SDK (see docs/stripe.md).
export { startStripeSandbox, SANDBOX_TEST_KEY, SANDBOX_LIVE_KEY, maskKey } from './server';
export type { StripeSandbox, StripeSandboxOptions } from './server';
export type { FaultRule, FaultKind } from './faults';
export type { DeliverySettings, DeliveryAttempt } from './webhooks';
