/** The date the tests' demo council is made for, and the app's today in tests. */
export const TEST_TODAY = '2026-11-22';
