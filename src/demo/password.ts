/**
 * The password of every demo person (shown on the sign-in page only when the demo is on). A module
 * of its own so that `qaloop serve` can show it without loading the demo's generator, which it
 * needs only to fill an empty database.
 */
export const DEMO_PASSWORD = 'demo-council-2026';
