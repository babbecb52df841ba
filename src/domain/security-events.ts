/**
 * What the security log records about accounts, and the words QA leads read for each. Every change
 * to who can sign in or what they can see is one of these.
 */
export const SECURITY_EVENT_LABELS = {
  council_created: 'Council set up from the command line',
  sign_in_link_created: 'One-time sign-in link sent',
  sign_in_link_used: 'One-time sign-in link used',
  role_requested: 'Role requested',
  role_granted: 'Role given',
  role_confirmed: 'Role confirmed',
  role_refused: 'Role refused',
  role_withdrawn: 'Role request withdrawn',
  role_removed: 'Role removed',
  account_disabled: 'Account disabled',
  account_enabled: 'Account enabled',
  password_changed: 'Password changed',
  second_factor_on: 'Second factor turned on',
  second_factor_off: 'Second factor turned off',
  single_sign_on_linked: 'Single sign-on linked to the account',
  sign_in_refused: 'Sign-in refused',
  leaver_deactivated: 'Leaver deactivated',
  staff_file_applied: 'Staff file applied',
  retention_changed: 'Data retention settings changed',
  import_shrink_changed: 'Share of a list an import may remove changed',
  import_limits_changed: 'Limits on what one import may read changed',
  import_cancelled: 'Import cancelled',
} as const;

export type SecurityEventKind = keyof typeof SECURITY_EVENT_LABELS;
