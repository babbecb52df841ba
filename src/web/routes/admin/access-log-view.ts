/** The access log's page links: the first, the last, and two either side of the current page. */
export function accessLogPagination(page: number, pages: number, childId: string | undefined) {
  const link = (p: number) =>
    `/access-log?${new URLSearchParams({ ...(childId ? { child: childId } : {}), page: String(p) })}`;
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
  for (let p = 1; p <= pages; p++) {
    if (p === 1 || p === pages || Math.abs(p - page) <= 2)
      items.push({ number: p, href: link(p), current: p === page });
    else if (!('ellipsis' in (items[items.length - 1] ?? {}))) items.push({ ellipsis: true });
  }
  return pages > 1
    ? {
        previous: page > 1 ? { href: link(page - 1) } : undefined,
        next: page < pages ? { href: link(page + 1) } : undefined,
        items,
      }
    : undefined;
}
