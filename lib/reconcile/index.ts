export { reconcile, Reconciler } from './reconcile';
export type { Fix, FieldDifference, FieldRule, ReconcileOptions, ReconcileReport } from './reconcile';
export type { AmountUnits, CompareKind, DatePrecision } from './normalise';
