/**
 * The navigation, grouped so each person sees what they use: a row of at most seven links (Home and
 * the six they use most), and the rest under "More", in groups by area. A person with eight links
 * or fewer sees them all in the row. Each sees only what their roles allow (navigationFor in
 * src/domain/roles.ts).
 */
import { type NavItem, navigationFor, type Role } from './roles.ts';

/** The areas "More" groups the rest of the navigation into, in order, with the pages of each. */
export const NAVIGATION_GROUPS: readonly { name: string; hrefs: readonly string[] }[] = [
  {
    name: 'Audits',
    hrefs: [
      '/my-audits',
      '/audits',
      '/exemplars',
      '/escalations',
      '/actions',
      '/multi-agency',
      '/partner-sections',
    ],
  },
  {
    name: 'Programme',
    hrefs: [
      '/programme',
      '/cohorts',
      '/reviews',
      '/moderation',
      '/tools',
      '/practice-themes',
      '/settings/writing',
      '/learning',
      '/auditors/training',
    ],
  },
  { name: 'Figures and reports', hrefs: ['/returns', '/dashboards', '/reports', '/findings'] },
  {
    name: 'Improvement',
    hrefs: ['/plan', '/closing-the-loop', '/check-and-challenge', '/service-qa', '/service-qa/collation'],
  },
  {
    name: 'Data and people',
    hrefs: ['/children', '/imports', '/organisation', '/admin/people', '/access-log', '/security'],
  },
];

/** Which pages go in the row first: the work of each cycle before the pages looked up now and then. */
export const NAVIGATION_PRIORITY: readonly string[] = [
  '/my-audits',
  '/partner-sections',
  '/audits',
  '/programme',
  '/cohorts',
  '/returns',
  '/moderation',
  '/reports',
  '/findings',
  '/reviews',
  '/escalations',
  '/actions',
  '/exemplars',
  '/check-and-challenge',
  '/dashboards',
  '/learning',
  '/plan',
  '/closing-the-loop',
  '/service-qa',
  '/service-qa/collation',
  '/multi-agency',
  '/auditors/training',
  '/children',
  '/imports',
  '/organisation',
  '/admin/people',
  '/tools',
  '/practice-themes',
  '/settings/writing',
  '/access-log',
  '/security',
];

/** The most links the row holds, Home included. */
export const MAX_ROW = 7;

export interface NavigationMenu {
  /** the row, Home first, in the navigation's order */
  primary: NavItem[];
  /** the rest, by area; empty when everything fits in the row */
  more: { name: string; items: NavItem[] }[];
}

export function navigationMenu(roles: readonly Role[]): NavigationMenu {
  const items = navigationFor(roles);
  if (items.length <= MAX_ROW + 1) return { primary: items, more: [] };
  const rank = (href: string) => (href === '/' ? -1 : NAVIGATION_PRIORITY.indexOf(href));
  const inRow = new Set(
    [...items]
      .sort((a, b) => rank(a.href) - rank(b.href))
      .slice(0, MAX_ROW)
      .map((i) => i.href),
  );
  const rest = items.filter((i) => !inRow.has(i.href));
  const more = NAVIGATION_GROUPS.map((g) => ({
    name: g.name,
    items: rest.filter((i) => g.hrefs.includes(i.href)),
  }));
  const grouped = new Set(NAVIGATION_GROUPS.flatMap((g) => g.hrefs));
  const others = rest.filter((i) => !grouped.has(i.href));
  if (others.length) more.push({ name: 'Other pages', items: others });
  return { primary: items.filter((i) => inRow.has(i.href)), more: more.filter((g) => g.items.length) };
}

/** Every link of the navigation in the order the page shows them: the row, then "More" by area. */
export function navigationInOrder(roles: readonly Role[]): NavItem[] {
  const menu = navigationMenu(roles);
  return [...menu.primary, ...menu.more.flatMap((g) => g.items)];
}
