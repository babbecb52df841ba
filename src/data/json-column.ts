/**
 * A jsonb column's value as read: the embedded database and a raw `sql` query can give it as text,
 * PostgreSQL through Kysely as the value itself.
 */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
