/**
 * Themes in free text (domain.md §6 "Feedback: … themes in free text"): which practice themes an
 * answer speaks of, so a report can say "12 answers mention voice of the child" without anyone
 * reading every answer first. A theme is mentioned when at least half (rounded up) of the
 * significant words of its name (four letters or more, not the common ones) begin a word of the
 * answer, or a word of five letters or more begins them, whatever the case: "father" finds
 * "fathers", "involvement" finds "involve".
 */

const COMMON = new Set(['with', 'and', 'the', 'work', 'plans', 'seen', 'alone', 'quality', 'other']);

/** The significant words of a theme's name. */
export function themeWords(name: string): string[] {
  return (name.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length >= 4 && !COMMON.has(w));
}

/** The keys of the themes the text mentions. */
export function themesMentioned(text: string, themes: readonly { key: string; name: string }[]): string[] {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  const found: string[] = [];
  for (const theme of themes) {
    const wanted = themeWords(theme.name);
    if (!wanted.length) continue;
    const hits = wanted.filter((w) =>
      words.some((x) => x.startsWith(w) || (x.length >= 5 && w.startsWith(x))),
    ).length;
    if (hits >= Math.ceil(wanted.length / 2)) found.push(theme.key);
  }
  return found;
}
