// What the installed `stripe` package declares about each API object of its pinned API version, read from its .d.ts
// with the TypeScript compiler: the fields, whether each is optional (`?`: includable or conditional) or nullable,
// and which JSON kinds its value may take. The shape test holds the sandbox's objects against this and against
// Stripe's fixtures.
import * as path from 'path';
import * as ts from 'typescript';

export type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface Field { name: string; optional: boolean; kinds: Set<Kind>; type: ts.Type }

const RESOURCES = path.join(path.dirname(require.resolve('stripe')), 'resources');

/** Object type (the API's `object` value, or `deleted_<object>`) → declaring file and interface. */
const ROOTS: Record<string, [string, string]> = {
  account: ['Accounts.d.ts', 'Account'],
  customer: ['Customers.d.ts', 'Customer'], deleted_customer: ['Customers.d.ts', 'DeletedCustomer'],
  product: ['Products.d.ts', 'Product'], deleted_product: ['Products.d.ts', 'DeletedProduct'],
  price: ['Prices.d.ts', 'Price'], plan: ['Plans.d.ts', 'Plan'],
  payment_intent: ['PaymentIntents.d.ts', 'PaymentIntent'], charge: ['Charges.d.ts', 'Charge'], refund: ['Refunds.d.ts', 'Refund'],
  dispute: ['Disputes.d.ts', 'Dispute'], event: ['Events.d.ts', 'EventBase'],
  webhook_endpoint: ['WebhookEndpoints.d.ts', 'WebhookEndpoint'], deleted_webhook_endpoint: ['WebhookEndpoints.d.ts', 'DeletedWebhookEndpoint'],
  subscription: ['Subscriptions.d.ts', 'Subscription'], subscription_item: ['SubscriptionItems.d.ts', 'SubscriptionItem'],
  invoice: ['Invoices.d.ts', 'Invoice'], line_item: ['InvoiceLineItems.d.ts', 'InvoiceLineItem'], invoice_payment: ['InvoicePayments.d.ts', 'InvoicePayment'],
  'checkout.session': ['Checkout/Sessions.d.ts', 'Session'], item: ['LineItems.d.ts', 'LineItem'],
  'test_helpers.test_clock': ['TestHelpers/TestClocks.d.ts', 'TestClock'], 'deleted_test_helpers.test_clock': ['TestHelpers/TestClocks.d.ts', 'DeletedTestClock'],
  coupon: ['Coupons.d.ts', 'Coupon'], deleted_coupon: ['Coupons.d.ts', 'DeletedCoupon'],
  invoiceitem: ['InvoiceItems.d.ts', 'InvoiceItem'],
  payment_method: ['PaymentMethods.d.ts', 'PaymentMethod'], balance_transaction: ['BalanceTransactions.d.ts', 'BalanceTransaction'],
};

export class SdkTypes {
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;

  constructor() {
    const files = [...new Set(Object.values(ROOTS).map(([file]) => path.join(RESOURCES, file)))];
    this.program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, types: [] });
    this.checker = this.program.getTypeChecker();
  }

  knows(objectType: string): boolean {
    return objectType in ROOTS;
  }

  root(objectType: string): ts.Type {
    const [file, name] = ROOTS[objectType];
    const source = this.program.getSourceFile(path.join(RESOURCES, file));
    const declaration = source?.statements.find((statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === name);
    if (!declaration) throw new Error(`${name} is not declared in stripe/cjs/resources/${file}`);
    return this.checker.getTypeAtLocation(declaration);
  }

  private parts(type: ts.Type): ts.Type[] {
    return type.isUnion() ? type.types : [type];
  }

  private isDecimal(type: ts.Type): boolean {
    return (type.aliasSymbol ?? type.getSymbol())?.getName() === 'Decimal';
  }

  /** The JSON kinds a value of `type` may have on the wire (Decimal is a string there). */
  kinds(type: ts.Type): Set<Kind> {
    const kinds = new Set<Kind>();
    for (const part of this.parts(type)) {
      const flags = part.flags;
      if (flags & ts.TypeFlags.Null) kinds.add('null');
      else if (flags & ts.TypeFlags.Undefined) continue;
      else if (this.isDecimal(part) || flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral | ts.TypeFlags.TemplateLiteral)) kinds.add('string');
      else if (flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) kinds.add('number');
      else if (flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) kinds.add('boolean');
      else if (this.checker.isArrayType(part)) kinds.add('array');
      else if (part.isIntersection() && part.types.some((t) => t.flags & ts.TypeFlags.String)) kinds.add('string'); // OtherString
      else if (flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) kinds.add('object');
      else if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) ['string', 'number', 'boolean', 'object', 'array', 'null'].forEach((k) => kinds.add(k as Kind));
    }
    return kinds;
  }

  /** Object (non-array) parts of `type`: an expandable `string | Customer` has Customer. */
  objectParts(type: ts.Type): ts.Type[] {
    return this.parts(type).filter((part) => !this.isDecimal(part) && !this.checker.isArrayType(part)
      && (part.flags & ts.TypeFlags.Object || (part.isIntersection() && !part.types.some((t) => t.flags & ts.TypeFlags.String))));
  }

  /** Element type of the array parts of `type`. */
  elementType(type: ts.Type): ts.Type | undefined {
    const array = this.parts(type).find((part) => this.checker.isArrayType(part));
    return array ? this.checker.getTypeArguments(array as ts.TypeReference)[0] : undefined;
  }

  /** A free-form hash (`Metadata`, `{[key: string]: …}`): any keys. */
  freeForm(type: ts.Type): boolean {
    return this.checker.getIndexInfosOfType(type).length > 0 && this.checker.getPropertiesOfType(type).length === 0;
  }

  /** Declared fields of the object parts of `type` (several parts: their union, a field optional unless in all). */
  fields(types: ts.Type[]): Map<string, Field> {
    const fields = new Map<string, Field>();
    for (const type of types) {
      for (const symbol of this.checker.getPropertiesOfType(type)) {
        const fieldType = this.checker.getTypeOfSymbol(symbol);
        const optional = types.length > 1 || !!(symbol.flags & ts.SymbolFlags.Optional);
        const known = fields.get(symbol.name);
        const kinds = this.kinds(fieldType);
        if (known) for (const kind of kinds) known.kinds.add(kind);
        else fields.set(symbol.name, { name: symbol.name, optional, kinds, type: fieldType });
      }
    }
    return fields;
  }
}
