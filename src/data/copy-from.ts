/**
 * `COPY … FROM STDIN` on PostgreSQL through node-postgres, which sends the protocol's copy messages
 * itself but hands the rows over only to a query object that asks for them. This is that object.
 *
 * Kysely reaches the connection of a transaction only through its streaming hook, so db.ts gives
 * this class as the dialect's `cursor`: a statement "streamed" with the rows as its one parameter
 * (`trx.getExecutor().stream(…)`, see bulk-insert.ts) runs as a COPY on that transaction's own
 * connection, with its role and council. It runs nothing but COPY FROM STDIN.
 */

/** The parts of node-postgres's connection a copy uses. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/** Rows sent per protocol message: large enough to be cheap, small enough not to hold much. */
const CHUNK_BYTES = 64 * 1024;

export class CopyFromStdin {
  readonly #text: string;
  readonly #rows: string;
  readonly #done: Promise<void>;
  #resolve: () => void = () => {};
  #reject: (err: unknown) => void = () => {};
  #read = false;

  constructor(text: string, parameters: readonly unknown[]) {
    if (!/^\s*copy\s[\s\S]*\sfrom\s+stdin\b/i.test(text) || typeof parameters[0] !== 'string')
      throw new Error('Only COPY … FROM STDIN with its rows as text can be streamed on this connection');
    this.#text = text;
    this.#rows = parameters[0];
    this.#done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // a failure is reported by read(); until then it is not left unhandled
    this.#done.catch(() => {});
  }

  /** node-postgres: sends the statement. */
  submit(connection: CopyConnection): void {
    connection.query(this.#text);
  }

  /** node-postgres: the server is ready for the rows. */
  handleCopyInResponse(connection: CopyConnection): void {
    const bytes = Buffer.from(this.#rows, 'utf8');
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES)
      connection.sendCopyFromChunk(bytes.subarray(at, at + CHUNK_BYTES));
    connection.endCopyFrom();
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  handleCopyData(_message: unknown, connection: CopyConnection): void {
    // COPY FROM never sends data back; anything else is not what this was made for
    connection.sendCopyFail('unexpected data from the server');
  }

  /** node-postgres: the server refused the statement or its rows (or the connection failed). */
  handleError(err: unknown): void {
    this.#reject(err);
  }

  /** node-postgres: the statement has finished. */
  handleReadyForQuery(): void {
    this.#resolve();
  }

  /** Kysely: waits for the copy to finish; it returns no rows. */
  async read(): Promise<never[]> {
    if (!this.#read) {
      this.#read = true;
      await this.#done;
    }
    return [];
  }

  async close(): Promise<void> {}
}
