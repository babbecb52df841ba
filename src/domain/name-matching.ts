/**
 * Matching the names extracts give teams and workers to the council's own: "Westbrook North CIN
 * Team", "westbrook north c.i.n. team" and "Westbrook  North CIN-Team" are the same team.
 */

/** A name reduced to what identifies it: case, spacing, punctuation and "&" ignored. */
export function nameKey(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/[^a-z0-9]+/g, ' ')
      .trim()
      .replace(/\s+/g, ' ')
      // initials written with stops or spaces ("C.I.N.", "c i n") are one word, as "CIN" is
      .replace(/\b[a-z](?: [a-z]\b)+/g, (initials) => initials.replaceAll(' ', ''))
  );
}

function bigrams(key: string): Map<string, number> {
  const out = new Map<string, number>();
  const s = ` ${key} `;
  for (let i = 0; i < s.length - 1; i++) {
    const b = s.slice(i, i + 2);
    out.set(b, (out.get(b) ?? 0) + 1);
  }
  return out;
}

/** Dice similarity of two names' letter pairs, 0 (nothing alike) to 1 (the same key). */
export function nameSimilarity(a: string, b: string): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  if (ka === kb) return 1;
  if (!ka || !kb) return 0;
  const ba = bigrams(ka);
  const bb = bigrams(kb);
  let shared = 0;
  let total = 0;
  for (const n of ba.values()) total += n;
  for (const n of bb.values()) total += n;
  for (const [b, n] of ba) shared += Math.min(n, bb.get(b) ?? 0);
  return (2 * shared) / total;
}

/** The closest of the candidates, when it is close enough to suggest (similarity ≥ 0.6). */
export function closestName<T extends { name: string }>(name: string, candidates: readonly T[]) {
  let best: { candidate: T; similarity: number } | undefined;
  for (const candidate of candidates) {
    const similarity = nameSimilarity(name, candidate.name);
    if (!best || similarity > best.similarity) best = { candidate, similarity };
  }
  return best && best.similarity >= 0.6 ? best : undefined;
}
