// Mapping presets shipped with the pack, selectable in the editor. Imported as JSON so that tsc copies them to dist/.
import { MappingSpec } from '../spec';
import salesforceAccountToSnowflake from './salesforce-account-to-snowflake-row.json';
import stripeChargeToPayment from './stripe-charge-to-salesforce-payment.json';
import stripeChargeToSnowflake from './stripe-charge-to-snowflake-fact.json';
import stripeCustomerToContact from './stripe-customer-to-salesforce-contact.json';
import stripePaymentIntentToOpportunity from './stripe-payment-intent-to-salesforce-opportunity.json';

export interface Preset {
  id: string;
  spec: MappingSpec;
}

export const PRESETS: Preset[] = [
  { id: 'stripe-customer-to-salesforce-contact', spec: stripeCustomerToContact as unknown as MappingSpec },
  { id: 'stripe-payment-intent-to-salesforce-opportunity', spec: stripePaymentIntentToOpportunity as unknown as MappingSpec },
  { id: 'stripe-charge-to-salesforce-payment', spec: stripeChargeToPayment as unknown as MappingSpec },
  { id: 'salesforce-account-to-snowflake-row', spec: salesforceAccountToSnowflake as unknown as MappingSpec },
  { id: 'stripe-charge-to-snowflake-fact', spec: stripeChargeToSnowflake as unknown as MappingSpec },
];

export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((preset) => preset.id === id);
}
