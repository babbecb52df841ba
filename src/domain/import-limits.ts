/**
 * The most one import may read unless the council sets otherwise (issue 22: a 3.3 MB zip of 10
 * million rows held the import queue for 40 minutes).
 *
 * Rows: the largest English councils have about 15,000 children in need a year, and their whole
 * Annex A workbook (contacts to care leavers) runs to some 200,000 rows. An SSD extract is larger:
 * six years of people, involvements and visits, well over a million rows for the largest. Five
 * million rows leaves room for those twice over, and still stops a file built (or exported by
 * mistake) to be many times bigger.
 *
 * Size: rows of case data run at 100 to 400 bytes, so five million of them are under 2 GB; a zip
 * declaring more than that (or inflating to more) is refused before it can hold the queue.
 */
export const DEFAULT_IMPORT_MAX_ROWS = 5_000_000;
export const DEFAULT_IMPORT_MAX_MEGABYTES = 2_048;

/** What a QA lead may set on the Data retention page: whole numbers in these ranges. */
export const IMPORT_MAX_ROWS_RANGE = { min: 10_000, max: 50_000_000 } as const;
export const IMPORT_MAX_MEGABYTES_RANGE = { min: 50, max: 20_000 } as const;
